/**
 * Builds the demo page (demo/client) into demo/dist/client. The page imports the library by its
 * package name; the aliases point that name at the built package (dist/), as an installed copy would.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const demoDir = fileURLToPath(new URL(".", import.meta.url));
const projectDir = fileURLToPath(new URL("..", import.meta.url));

export default defineConfig({
  root: `${demoDir}client`,
  base: "/",
  logLevel: "warn",
  resolve: {
    alias: [
      { find: /^mobx-tanstack-optimistic$/, replacement: `${projectDir}dist/index.js` },
      { find: /^mobx-tanstack-optimistic\/realtime$/, replacement: `${projectDir}dist/realtime.js` },
      { find: /^mobx-tanstack-optimistic\/react$/, replacement: `${projectDir}dist/react.js` },
      { find: /^mobx-tanstack-optimistic\/devtools$/, replacement: `${projectDir}dist/devtools.js` },
      { find: /^mobx-tanstack-optimistic\/persist$/, replacement: `${projectDir}dist/persist.js` },
    ],
    dedupe: ["mobx", "react", "react-dom", "@tanstack/query-core"],
  },
  oxc: { jsx: { runtime: "automatic", importSource: "react" } },
  build: {
    outDir: `${demoDir}dist/client`,
    emptyOutDir: true,
    sourcemap: true,
    // One small app chunk (React, MobX, TanStack Query Core, socket.io-client): no need to split it.
    chunkSizeWarningLimit: 1024,
    // Rolldown warns when plugin callbacks take long: a measure of the machine's load (a busy CI
    // runner), not of the page, and printed on the console the e2e tests keep silent.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
});
