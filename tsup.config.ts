import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    realtime: "src/realtime/index.ts",
    react: "src/react/index.ts",
    vue: "src/vue/index.ts",
    svelte: "src/svelte/index.ts",
    persist: "src/persist/index.ts",
    testing: "src/testing/index.ts",
    devtools: "src/devtools/index.ts",
  },
  format: ["esm", "cjs"],
  dts: true,
  splitting: true,
  sourcemap: true,
  clean: true,
  treeshake: true,
  target: "es2022",
  tsconfig: "tsconfig.build.json",
  // Peers stay imports: one copy of each in the app (two copies of MobX throw).
  external: ["mobx", "@tanstack/query-core", "socket.io-client", "react", "mobx-react-lite", "vue", "svelte", /^svelte\//],
});
