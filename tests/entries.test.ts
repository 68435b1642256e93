/**
 * Each entry point pulls in its own framework and no other: the core never imports React, Vue or
 * Svelte (at run time or in its types), and `./react`'s types need no React types at all.
 *
 * The last two tests read dist/ (run `npm run build` first, as `npm test` does).
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, vi } from "vitest";

const frameworks = ["react", "react-dom", "mobx-react-lite", "vue", "svelte", "svelte/store"];
for (const name of frameworks) {
  vi.doMock(name, () => {
    throw new Error(`${name} is not installed`);
  });
}

const dist = join(dirname(fileURLToPath(import.meta.url)), "..", "dist");

/** Bare module specifiers that `file` and the files it imports by relative path import. */
function packagesImported(file: string, seen = new Set<string>()): Set<string> {
  const packages = new Set<string>();
  if (seen.has(file)) return packages;
  seen.add(file);
  // Without block comments: a TSDoc @example's `import ... from "..."` is not an import.
  const source = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "");
  const pattern = /(?:^|[\s;])(?:import|export)\s*(?:[^'"]*?\sfrom\s*)?['"]([^'"]+)['"]|require\(['"]([^'"]+)['"]\)/g;
  for (const match of source.matchAll(pattern)) {
    const specifier = match[1] ?? match[2] ?? "";
    if (!specifier.startsWith(".")) packages.add(specifier);
    else for (const name of packagesImported(join(dirname(file), resolveBuilt(specifier, file)), seen)) packages.add(name);
  }
  return packages;
}

/** The built file a relative specifier names (`.d.ts` files name `./x.js` for `./x.d.ts`). */
function resolveBuilt(specifier: string, from: string): string {
  if (from.endsWith(".d.ts")) return specifier.replace(/\.js$/, ".d.ts");
  if (from.endsWith(".d.cts")) return specifier.replace(/\.cjs$/, ".d.cts");
  return specifier;
}

const sorted = (set: Set<string>) => [...set].sort();

/** Packages imported by built entry `name` (dist/name.ext and the chunks it imports). */
function entryImports(name: string, ext: string): string[] {
  const file = join(dist, `${name}.${ext}`);
  if (!existsSync(file)) throw new Error(`dist/${name}.${ext} is missing: run \`npm run build\` before this test.`);
  return sorted(packagesImported(file));
}

describe("entry points", () => {
  it("load the core, realtime, persist and testing entries with no framework installed", async () => {
    const core = await import("../src");
    const realtime = await import("../src/realtime");
    const persist = await import("../src/persist");
    const testing = await import("../src/testing");
    expect(typeof core.createOptimisticStoreManager).toBe("function");
    expect(typeof realtime.createRealtimeExtension).toBe("function");
    expect(typeof persist.createIndexedDBStorage).toBe("function");
    expect(typeof testing.createFakeBackend).toBe("function");
  });

  it("import only their own framework at run time, ESM and CommonJS", () => {
    for (const format of ["js", "cjs"]) {
      const entry = (name: string) => entryImports(name, format);
      expect(entry("index")).toEqual(["@tanstack/query-core", "mobx"]);
      expect(entry("realtime")).toEqual(["mobx"]);
      expect(entry("react")).toEqual(["react"]);
      expect(entry("vue")).toEqual(["mobx", "vue"]);
      expect(entry("svelte")).toEqual(["mobx", "svelte"]);
      expect(entry("persist")).toEqual([]);
      // No test runner: the kit fails with plain throws.
      expect(entry("testing")).toEqual(["@tanstack/query-core"]);
    }
  });

  it("need only their own framework's types (./react needs none)", () => {
    for (const format of ["d.ts", "d.cts"]) {
      const entry = (name: string) => entryImports(name, format);
      expect(entry("index")).toEqual(["@tanstack/query-core"]);
      expect(entry("realtime")).toEqual([]);
      expect(entry("react")).toEqual([]);
      expect(entry("vue")).toEqual(["vue"]);
      expect(entry("svelte")).toEqual(["svelte/store"]);
      expect(entry("persist")).toEqual([]);
      expect(entry("testing")).toEqual(["@tanstack/query-core"]);
    }
  });

  // Loads dist/ through Node's require, which bypasses the MobX 6 alias: run in the MobX 7 pass only.
  it.skipIf(process.env.MOBX === "6")("share one global QueryClient between the core and testing entries, ESM and CommonJS", async () => {
    const require = createRequire(import.meta.url);
    const builds = [
      { core: (await import(join(dist, "index.js"))) as typeof import("../src"), testing: (await import(join(dist, "testing.js"))) as typeof import("../src/testing") },
      { core: require(join(dist, "index.cjs")) as typeof import("../src"), testing: require(join(dist, "testing.cjs")) as typeof import("../src/testing") },
    ];
    for (const [index, { core, testing }] of builds.entries()) {
      const name = `entries-global-${index}`;
      const backend = testing.createFakeBackend<{ id: string; title: string }>({ initial: [{ id: "a", title: "A" }] });
      const manager = core.createOptimisticStoreManager({ name, ...backend, transformer: false });
      await backend.settleAll();
      testing.expectConsistent(manager, { name, transformer: false });
      // Broken in the core entry's global client (after destroy(): the store no longer follows): the testing entry must see it.
      manager.destroy();
      core.getGlobalQueryClient().setQueryData([name], [{ id: "a", title: "A" }, { id: "b", title: "B" }]);
      expect(() => testing.expectConsistent(manager, { name, transformer: false })).toThrow(/"b" is in the query cache but not in the store/);
      core.getGlobalQueryClient().removeQueries({ queryKey: [name] });
    }
  });
});
