import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    realtime: "src/realtime/index.ts",
  },
  format: ["esm", "cjs"],
  dts: true,
  splitting: true,
  sourcemap: true,
  clean: true,
  treeshake: true,
  target: "es2022",
  tsconfig: "tsconfig.build.json",
  external: ["mobx", "@tanstack/query-core", "socket.io-client"],
});
