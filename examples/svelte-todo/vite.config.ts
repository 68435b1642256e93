import { svelte } from "@sveltejs/vite-plugin-svelte";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import { exampleConfig } from "../vite.shared.ts";

export default defineConfig({ ...exampleConfig(fileURLToPath(new URL(".", import.meta.url))), plugins: [svelte({ configFile: false })] });
