// W5: bundle size of each library's entry, minified and gzipped, with its peers external.
// Bundles `export * from "<entry>"` with esbuild (everything exported is kept) and gzips the result
// with zlib (level 9). For this library also the named import an app without realtime makes,
// `import { createOptimisticStoreManager } from "mobx-tanstack-optimistic"` (a one-line entry:
// only what that function reaches is kept), and where that bundle's bytes come from, by source
// file (bundled from src/, minified, before gzip). Prints the result as JSON on the last line of
// stdout.

import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(root, "package.json"));

const peersOf = (pkg) => {
  const json = pkg === "." ? JSON.parse(readFileSync(join(root, "package.json"), "utf8")) : require(`${pkg}/package.json`);
  return Object.keys(json.peerDependencies ?? {}).filter((name) => name !== "typescript");
};

const NAMED = "createOptimisticStoreManager";
const star = (entry) => `export * from ${JSON.stringify(entry)};`;
const entries = [
  { lib: "ours", name: "mobx-tanstack-optimistic", entry: "mobx-tanstack-optimistic", peers: peersOf(".") },
  {
    lib: "ours-named",
    name: `import { ${NAMED} } from "mobx-tanstack-optimistic"`,
    entry: "mobx-tanstack-optimistic",
    contents: `export { ${NAMED} } from "mobx-tanstack-optimistic";`,
    peers: peersOf("."),
  },
  { lib: "ours-realtime", name: "mobx-tanstack-optimistic/realtime", entry: "mobx-tanstack-optimistic/realtime", peers: peersOf(".") },
  { lib: "tanstack-query", name: "@tanstack/query-core", entry: "@tanstack/query-core", peers: peersOf("@tanstack/query-core") },
  { lib: "mobx-tanstack-query", name: "mobx-tanstack-query", entry: "mobx-tanstack-query", peers: peersOf("mobx-tanstack-query") },
  { lib: "tanstack-db", name: "@tanstack/db", entry: "@tanstack/db", peers: peersOf("@tanstack/db") },
  { lib: "mobx", name: "mobx (peer, for reference)", entry: "mobx", peers: [] },
];

const bundle = (contents, peers, extra = {}) =>
  build({
    stdin: { contents, resolveDir: root, loader: "js" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    external: peers,
    // mobx-tanstack-query imports its own files without extensions (made for bundlers).
    resolveExtensions: [".js", ".mjs", ".cjs", ".json"],
    define: { "process.env.NODE_ENV": '"production"' },
    // Measure what is published: ignore the project's tsconfig `paths` (they map the package
    // name to src/ for type-checking the examples).
    tsconfigRaw: {},
    logLevel: "silent",
    ...extra,
  });

// The core imports its persistence code (dist/attachPersist-*.js, src/persist/attachPersist.ts) only
// when a manager has `persist`: a chunk of its own, loaded then, measured apart (as npm run size does).
const LAZY = ["./attachPersist-*", "../persist/attachPersist"];

const results = [];
for (const item of entries) {
  const out = await bundle(item.contents ?? star(item.entry), [...item.peers, ...(item.lib.startsWith("ours") ? LAZY : [])]);
  const code = out.outputFiles[0].contents;
  results.push({ ...item, minBytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length });
}

// Where the named import's bytes come from: the same one-line entry bundled from src/ (the built
// dist/ holds a few chunks, not files), minified; bytes per source file before gzip.
const fromSource = await bundle(`export { ${NAMED} } from "./src/index.ts";`, [...peersOf("."), ...LAZY], { metafile: true, resolveExtensions: [".ts", ".js"] });
const [output] = Object.values(fromSource.metafile.outputs);
const breakdown = Object.entries(output.inputs)
  .map(([file, { bytesInOutput }]) => ({ file, minBytes: bytesInOutput }))
  .filter((input) => input.minBytes > 0)
  .sort((a, b) => b.minBytes - a.minBytes);
const named = { minBytes: output.bytes, gzipBytes: gzipSync(fromSource.outputFiles[0].contents, { level: 9 }).length, breakdown };

process.stdout.write(`\n${JSON.stringify({ workload: "W5", node: process.version, results, namedFromSource: named })}\n`);
