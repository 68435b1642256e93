import { mount } from "svelte";
import App from "./App.svelte";

// Served next to the demo server's API (see vite.config.ts): the default base URL, "", is right.
mount(App, { target: document.getElementById("app")!, props: {} });
