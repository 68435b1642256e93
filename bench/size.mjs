// W5: bundle size of each library's entry, minified and gzipped, with its peers external.
// Bundles `export * from "<entry>"` with esbuild (everything exported is kept) and gzips the result
// with zlib (level 9). Prints the result as JSON on the last line of stdout.

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

const entries = [
  { lib: "ours", name: "mobx-tanstack-optimistic", entry: "mobx-tanstack-optimistic", peers: peersOf(".") },
  { lib: "ours-realtime", name: "mobx-tanstack-optimistic/realtime", entry: "mobx-tanstack-optimistic/realtime", peers: peersOf(".") },
  { lib: "tanstack-query", name: "@tanstack/query-core", entry: "@tanstack/query-core", peers: peersOf("@tanstack/query-core") },
  { lib: "mobx-tanstack-query", name: "mobx-tanstack-query", entry: "mobx-tanstack-query", peers: peersOf("mobx-tanstack-query") },
  { lib: "tanstack-db", name: "@tanstack/db", entry: "@tanstack/db", peers: peersOf("@tanstack/db") },
  { lib: "mobx", name: "mobx (peer, for reference)", entry: "mobx", peers: [] },
];

const results = [];
for (const item of entries) {
  const out = await build({
    stdin: { contents: `export * from ${JSON.stringify(item.entry)};`, resolveDir: root, loader: "js" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    external: item.peers,
    // mobx-tanstack-query imports its own files without extensions (made for bundlers).
    resolveExtensions: [".js", ".mjs", ".cjs", ".json"],
    define: { "process.env.NODE_ENV": '"production"' },
    // Measure what is published: ignore the project's tsconfig `paths` (they map the package
    // name to src/ for type-checking the examples).
    tsconfigRaw: {},
    logLevel: "silent",
  });
  const code = out.outputFiles[0].contents;
  results.push({ ...item, minBytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length });
}

process.stdout.write(`\n${JSON.stringify({ workload: "W5", node: process.version, results })}\n`);
