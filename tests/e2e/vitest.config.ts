/**
 * Browser and multi-process tests: they need Debian's Chromium (/usr/bin/chromium) and redis-server.
 * Run with `npm run test:e2e` (after `npm run build`); kept out of the unit run.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  test: {
    environment: "node",
    include: ["tests/e2e/**/*.e2e.test.ts"],
    setupFiles: ["tests/setup/failOnConsole.ts"],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ["default", "json"],
    outputFile: { json: ".vitest-report.e2e.json" },
  },
});
