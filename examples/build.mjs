// Builds the Vue and Svelte examples with Vite (into examples/<name>/dist); `npm test` runs it.
// They import the built library, so `npm run build` comes first.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "vite";

const examples = ["vue-todo", "svelte-todo"];

if (!existsSync(fileURLToPath(new URL("../dist/vue.js", import.meta.url)))) {
  throw new Error("The library is not built: run `npm run build` first.");
}
for (const name of examples) {
  await build({ configFile: fileURLToPath(new URL(`./${name}/vite.config.ts`, import.meta.url)) });
  console.log(`examples/${name}: built into examples/${name}/dist`);
}
