import { configDefaults, defineConfig } from "vitest/config";

const mobx6 = process.env.MOBX === "6";

export default defineConfig({
  resolve: {
    alias: mobx6 ? [{ find: /^mobx$/, replacement: "mobx6" }] : [],
  },
  test: {
    environment: "node",
    include: ["tests/**/*.test.ts"],
    exclude: [...configDefaults.exclude, "tests/e2e/**"],
    setupFiles: ["tests/setup/failOnConsole.ts"],
    testTimeout: 15_000,
    reporters: ["default", "json"],
    outputFile: { json: mobx6 ? ".vitest-report.mobx6.json" : ".vitest-report.json" },
    coverage: {
      provider: "v8",
      include: ["src/**"],
      exclude: ["src/**/*.d.ts"],
      reporter: ["text-summary", "html", "json-summary"],
      thresholds: { lines: 90, branches: 90, functions: 90, statements: 90 },
    },
  },
});
