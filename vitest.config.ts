import { svelte } from "@sveltejs/vite-plugin-svelte";
import { svelteTesting } from "@testing-library/svelte/vite";
import vue from "@vitejs/plugin-vue";
import { fileURLToPath } from "node:url";
import { configDefaults, defineConfig } from "vitest/config";

const mobx6 = process.env.MOBX === "6";
/** The framework binding tests, in jsdom; everything else runs in Node. */
const domTests = ["tests/react/**/*.test.{ts,tsx}", "tests/persist/*.dom.test.ts", "tests/vue/**/*.test.ts", "tests/svelte/**/*.test.ts", "tests/examples/*Todo.dom.test.ts", "tests/devtools/mountDevtools.test.ts", "tests/examples/demoDevtools.dom.test.ts"];

/**
 * Svelte's client runtime, by alias rather than by the "browser" resolve condition: that condition
 * would also give socket.io's `ws` its browser stub, and the tests' servers run in this process.
 */
const svelteSrc = fileURLToPath(new URL("node_modules/svelte/src/", import.meta.url));
const svelteClient = [
  { find: /^svelte$/, replacement: `${svelteSrc}index-client.js` },
  { find: /^svelte\/(store|reactivity)$/, replacement: `${svelteSrc}$1/index-client.js` },
  { find: /^svelte\/legacy$/, replacement: `${svelteSrc}legacy/legacy-client.js` },
];

export default defineConfig({
  resolve: {
    // MobX 6 run: mobx-react-lite 4 is the release that goes with MobX 6 (its ES module build, so
    // that Vite, not Node, resolves its `import "mobx"`).
    alias: mobx6
      ? [
          { find: /^mobx$/, replacement: "mobx6" },
          { find: /^mobx-react-lite$/, replacement: fileURLToPath(new URL("node_modules/mobx-react-lite4/dist/mobxreactlite.esm.js", import.meta.url)) },
        ]
      : [],
  },
  test: {
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
    projects: [
      {
        extends: true,
        test: {
          name: "node",
          environment: "node",
          include: ["tests/**/*.test.ts"],
          exclude: [...configDefaults.exclude, "tests/e2e/**", ...domTests],
        },
      },
      {
        extends: true,
        plugins: [vue(), svelte({ configFile: false, compilerOptions: { dev: true } }), svelteTesting({ resolveBrowser: false })],
        resolve: { alias: svelteClient },
        test: {
          name: "dom",
          environment: "jsdom",
          include: domTests,
          // Loaded through Vite (not Node) so that the MobX 6 alias reaches their `import "mobx"`.
          server: { deps: { inline: mobx6 ? [/mobx-react-lite4/] : [] } },
        },
      },
    ],
  },
});
