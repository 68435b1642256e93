import { createApp } from "vue";
import App from "./App.vue";

// Served next to the demo server's API (see vite.config.ts): the default base URL, "", is right.
createApp(App).mount("#app");
