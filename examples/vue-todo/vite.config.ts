import vue from "@vitejs/plugin-vue";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import { exampleConfig } from "../vite.shared.ts";

export default defineConfig({ ...exampleConfig(fileURLToPath(new URL(".", import.meta.url))), plugins: [vue()] });
