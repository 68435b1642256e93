// Profiles one workload for one library and prints where the time goes.
//
//   node bench/profile.mjs W1 ours [n] [ops]       # runs the worker under --cpu-prof, then summarises
//   node bench/profile.mjs --summarise file.cpuprofile [top] [windows.json]
//
// The summary lists functions by self time and by inclusive time (time with everything they
// call), and self time by file. Profiles are written to bench/results/profiles/.

import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");

function summarise(file, top = 25, windows) {
  const profile = JSON.parse(readFileSync(file, "utf8"));
  // Keep only samples taken inside the timed regions (leaves out setup, data generation and the
  // explicit gc() between runs).
  if (windows?.length) {
    let at = profile.startTime;
    const keep = [];
    const deltas = [];
    profile.samples.forEach((id, i) => {
      at += profile.timeDeltas[i] ?? 0;
      if (windows.some(([start, end]) => at >= start && at <= end)) {
        keep.push(id);
        deltas.push(profile.timeDeltas[i] ?? 0);
      }
    });
    profile.samples = keep;
    profile.timeDeltas = deltas;
  }
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

  const where = (frame) => {
    const url = frame.url.replace(/^file:\/\//, "");
    const short = url.startsWith(root) ? relative(root, url) : url;
    return short ? `${short}:${frame.lineNumber + 1}` : "(native)";
  };
  const keyOf = (node) => `${node.callFrame.functionName || "(anonymous)"}  ${where(node.callFrame)}`;
  const fileOf = (node) => {
    const url = node.callFrame.url.replace(/^file:\/\//, "");
    if (!url) return `(${node.callFrame.functionName || "native"})`;
    const short = url.startsWith(root) ? relative(root, url) : url;
    return short.replace(/^node_modules\/(@[^/]+\/[^/]+|[^/]+)\/.*/, "node_modules/$1 (package)");
  };

  let total = 0;
  const selfByKey = new Map();
  const selfByFile = new Map();
  const inclusive = new Map();
  for (const [id, time] of self) {
    total += time;
    const node = byId.get(id);
    const key = keyOf(node);
    selfByKey.set(key, (selfByKey.get(key) ?? 0) + time);
    selfByFile.set(fileOf(node), (selfByFile.get(fileOf(node)) ?? 0) + time);
    // Inclusive: charge every distinct function on the stack once.
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const k = keyOf(byId.get(at));
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + time);
    }
  }
  const table = (map, title, limit = top) => {
    console.log(`\n${title}`);
    const rows = [...map].sort((a, b) => b[1] - a[1]).slice(0, limit);
    for (const [key, time] of rows) console.log(`${((time / total) * 100).toFixed(1).padStart(5)}%  ${(time / 1000).toFixed(1).padStart(8)} ms  ${key}`);
  };
  console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled${windows?.length ? ` in ${windows.length} timed regions` : ""}`);
  table(selfByFile, "Self time by file", 15);
  table(selfByKey, "Self time by function");
  table(inclusive, "Inclusive time by function (top 40)", 40);
}

const args = process.argv.slice(2);
if (args[0] === "--summarise") {
  // Optional third argument: a JSON file holding [[start, end], ...] timed regions to keep.
  summarise(args[1], Number(args[2] ?? 25), args[3] ? JSON.parse(readFileSync(args[3], "utf8")) : undefined);
} else {
  const [workload = "W1", lib = "ours", n = "10000", ops = n] = args;
  const dir = join(here, "results", "profiles");
  mkdirSync(dir, { recursive: true });
  const name = `${workload}-${lib}-${n}.cpuprofile`;
  const flags = ["--expose-gc", "--cpu-prof", `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}`, "--cpu-prof-interval=200"];
  if (lib === "mobx-tanstack-query") flags.push("--import", "./bench/lib/register-mobx6.mjs");
  const options = { workload, lib, n: Number(n), ops: Number(ops), runs: 5, budgetMs: 1e9, windows: true };
  const env = { ...process.env, NODE_ENV: "production" };
  const run = spawnSync(process.execPath, [...flags, join(here, "worker.mjs"), JSON.stringify(options)], { cwd: root, encoding: "utf8", env });
  if (run.status !== 0) {
    process.stderr.write(run.stderr);
    process.exit(1);
  }
  const result = JSON.parse(run.stdout.trim().split("\n").pop());
  // Only the measured runs (not the probes and the warm-up).
  summarise(join(dir, name), 25, result.windows.slice(result.measuredFrom ?? 0));
}
