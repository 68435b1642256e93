/**
 * What the Vue and Svelte examples' Vite configs share: the library resolved to the BUILT package
 * (dist/, as an installed copy would be; run `npm run build` first) and, for `vite` in dev mode,
 * the demo server's API proxied from http://127.0.0.1:3000 (`npm run demo` starts it).
 */
import { fileURLToPath } from "node:url";
import type { UserConfig } from "vite";

const dist = fileURLToPath(new URL("../dist/", import.meta.url));

export function exampleConfig(exampleDir: string): UserConfig {
  return {
    root: exampleDir,
    base: "./",
    logLevel: "warn",
    resolve: {
      alias: [
        { find: /^mobx-tanstack-optimistic$/, replacement: `${dist}index.js` },
        { find: /^mobx-tanstack-optimistic\/(realtime|react|vue|svelte)$/, replacement: `${dist}$1.js` },
      ],
    },
    server: {
      proxy: {
        "/api": "http://127.0.0.1:3000",
        "/socket.io": { target: "http://127.0.0.1:3000", ws: true },
      },
    },
    build: { outDir: `${exampleDir}dist`, emptyOutDir: true },
  };
}
