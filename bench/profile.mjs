// Profiles one workload for one library and prints where the time goes.
//
//   node bench/profile.mjs W2 ours [n] [ops]       # the library and the floor under --cpu-prof, summarised
//   node bench/profile.mjs W3 ours --no-floor      # the library alone
//   node bench/profile.mjs W2 ours --window=unchanged   # W2: the refetch in which nothing changed
//   node bench/profile.mjs W3 ours --no-inline     # V8 inlining off: each function's own time
//   node bench/profile.mjs W1 ours 100000 --single=create   # isolated operations of one kind
//                                                  # (W1: update, create, remove; W3: realtime)
//   node bench/profile.mjs --summarise file.cpuprofile [top] [windows.json]
//
// Only the samples inside the measured runs count (not the probes, the warm-up, the data set-up or
// the gc() between runs); W2 keeps the refetch in which 1% changed unless --window says otherwise.
// This library's frames are mapped through dist/'s source maps to their src/ file. The summary:
// - time by area (see AREAS below: transform, comparison, list upkeep, write-back, MobX,
//   query-core, ...), self time (native frames charged to the JS function that called them) and
//   inclusive time (a sample counts once for every area on its stack);
// - the top self-time functions grouped by area and file;
// - inclusive time by function;
// - the floor's own profile of the same workload, for the ms per run it takes to do the job.
// Profiles are written to bench/results/profiles/.

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");

/**
 * What part of the work a frame belongs to, first match wins; `file` is relative to the project
 * (this library's frames: their src/ file), `name` the function. Keep in step with src/: a file
 * or function that moves must stay in its area.
 */
const ours = (f) => f.startsWith("src/");
const queryCore = (f) => f.includes("node_modules/@tanstack/query-core");
const WRITE_BACK = /^(flush|write|baseOf|patchList|fullList|onConfirmedChange)$/;
const AREAS = [
  ["ours: transform (API item ↔ entity)", (f) => f.startsWith("src/transforms/")],
  ["comparison: ours (shallowEqual, #keep)", (f, name) => f.startsWith("src/utils/") || (ours(f) && /equal|#keep|same/i.test(name))],
  [
    "comparison: query-core's structural sharing (replaceEqualDeep)",
    (f, name) => (queryCore(f) && /^(replaceEqualDeep|replaceData|isPlainObject|isPlainArray|hasObjectPrototype)$/.test(name)) || (ours(f) && name === "structuralSharing"),
  ],
  ["ours: list upkeep (store.list order)", (f, name) => ours(f) && (/List|Order/.test(f) || /^#(list|placeAt|rebuild|indexOf|pos\b|hints)/.test(name))],
  ["ours: write-back to the query cache", (f, name) => (ours(f) && /writeBack|write-back/i.test(f)) || (f.startsWith("src/query/") && WRITE_BACK.test(name))],
  ["ours: query sync (fetch results in, src/query)", (f) => f.startsWith("src/query/")],
  ["ours: realtime (src/realtime)", (f) => f.startsWith("src/realtime/")],
  ["ours: mutation actions (src/core/mutations)", (f) => /src\/core\/mutations/.test(f)],
  ["ours: entity map (per-key MobX atoms)", (f) => /EntityMap/.test(f)],
  ["ours: state layers (confirmed, pending, visible)", (f) => /Layers|Pending|Confirmed/.test(f)],
  ["ours: other (createStoreManager: toEntity, toItem, ...)", (f) => ours(f) || f.startsWith("dist/")],
  ["MobX", (f) => /node_modules\/mobx6?\//.test(f)],
  ["query-core: the rest (queries, observers, mutations, notify)", queryCore],
  ["TanStack DB", (f) => f.includes("node_modules/@tanstack/db")],
  ["mobx-tanstack-query", (f) => f.includes("node_modules/mobx-tanstack-query")],
  ["bench: adapter, fake server, floor (the floor pays these too)", (f) => f.startsWith("bench/")],
  ["Node internals (timers, promises, streams)", (f) => f.startsWith("node:")],
  ["other", () => true],
];

/** Frames without a script: the profiler's own categories; any other is a builtin, charged to its caller. */
const NATIVE = {
  "(garbage collector)": "(garbage collector)",
  "(program)": "(V8: compiler, runtime, not attributed)",
  "(idle)": "(idle)",
};

/** Maps dist/ positions back to src/ files through the source maps tsup writes. */
function sourceMapper() {
  const maps = new Map();
  return (file, line, column) => {
    if (!file.startsWith("dist/")) return undefined;
    if (!maps.has(file)) {
      const path = join(root, `${file}.map`);
      maps.set(file, existsSync(path) ? new SourceMap(JSON.parse(readFileSync(path, "utf8"))) : null);
    }
    const map = maps.get(file);
    const entry = map?.findEntry(line, column);
    if (!entry?.originalSource) return undefined;
    return relative(root, join(root, "dist", entry.originalSource));
  };
}

function summarise(file, top = 25, windows, label = "") {
  const profile = JSON.parse(readFileSync(file, "utf8"));
  // Keep only samples taken inside the timed regions.
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
  // Left out: the idle wait for timers, and the harness reading its clocks at the edges of a run.
  const leftOut = { idle: 0, clocks: 0 };
  for (const [id, time] of self) {
    const name = byId.get(id).callFrame.functionName;
    const parentName = byId.get(parent.get(id))?.callFrame.functionName;
    if (name === "(idle)") leftOut.idle += time;
    else if (/^(cpuUsage|eventLoopUtilization|hrtime|now)$/.test(name) || /^(cpuUsage|eventLoopUtilization)$/.test(parentName ?? "")) leftOut.clocks += time;
    else continue;
    self.delete(id);
  }

  const toSource = sourceMapper();
  const info = new Map();
  /** File (src/ for this library), function name and area of a profile node. */
  const describe = (node) => {
    let known = info.get(node.id);
    if (known) return known;
    const { url, functionName, lineNumber, columnNumber } = node.callFrame;
    const path = url.replace(/^file:\/\//, "");
    const short = path.startsWith(root) ? relative(root, path) : path;
    const source = toSource(short, lineNumber, columnNumber);
    const name = functionName || "(anonymous)";
    const fileKey = (source ?? short).replace(/^node_modules\/(@[^/]+\/[^/]+|[^/]+)\/.*/, "node_modules/$1");
    const area = url ? AREAS.find(([, test]) => test(source ?? short, name))[0] : (NATIVE[name] ?? "other");
    known = { name, file: fileKey, at: source ? `${source} (${short}:${lineNumber + 1})` : short ? `${short}:${lineNumber + 1}` : "(native)", area, native: !url };
    info.set(node.id, known);
    return known;
  };
  /** The node a sample's self time is charged to: native frames go to their nearest JS caller. */
  const owner = (id) => {
    const leaf = byId.get(id);
    const d = describe(leaf);
    if (!d.native || d.area !== "other") return d;
    for (let at = parent.get(id); at !== undefined; at = parent.get(at)) {
      const up = describe(byId.get(at));
      if (!up.native) return { ...up, name: `${up.name} → ${d.name}` };
    }
    return d;
  };

  let total = 0;
  const add = (map, key, time) => map.set(key, (map.get(key) ?? 0) + time);
  const selfByArea = new Map();
  const inclusiveByArea = new Map();
  const selfByFunction = new Map();
  const selfByFile = new Map();
  const inclusive = new Map();
  for (const [id, time] of self) {
    total += time;
    const d = owner(id);
    add(selfByArea, d.area, time);
    add(selfByFile, d.file || "(native)", time);
    add(selfByFunction, JSON.stringify([d.area, d.file || "(native)", d.name]), time);
    const seenAreas = new Set(/^(bench|Node internals)/.test(d.area) ? [] : [d.area]);
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const up = describe(byId.get(at));
      // The harness and Node's timers sit under everything: left out of the inclusive figures.
      if (!up.native && !/^(bench|Node internals)/.test(up.area)) seenAreas.add(up.area);
      const key = `${up.name}  ${up.at}`;
      if (seen.has(key)) continue;
      seen.add(key);
      add(inclusive, key, time);
    }
    for (const area of seenAreas) add(inclusiveByArea, area, time);
  }
  const runs = windows?.length || 1;
  const line = (time, key) => `${((time / total) * 100).toFixed(1).padStart(5)}%  ${(time / 1000 / runs).toFixed(2).padStart(8)} ms/run  ${key}`;
  const table = (map, title, limit = top) => {
    console.log(`\n${title}`);
    for (const [key, time] of [...map].sort((a, b) => b[1] - a[1]).slice(0, limit)) console.log(line(time, key));
  };
  console.log(`\n=== ${label}${file}: ${(total / 1000).toFixed(0)} ms sampled${windows?.length ? ` in ${windows.length} timed runs, ${(total / 1000 / runs).toFixed(2)} ms per run` : ""}`);
  console.log(`(left out: ${(leftOut.idle / 1000 / runs).toFixed(2)} ms/run idle, ${(leftOut.clocks / 1000 / runs).toFixed(2)} ms/run the harness reading its clocks)`);
  table(selfByArea, "Time by area (self time; native frames charged to their JS caller)", 30);
  table(inclusiveByArea, "Time by area, inclusive (a sample counts once for every area on its stack; the harness and Node's timers left out)", 30);

  // The top self-time functions, grouped by area and file.
  console.log(`\nTop self-time functions by area and file (functions ≥ 0.5% of the time)`);
  const groups = new Map();
  for (const [key, time] of selfByFunction) {
    const [area, fileName, name] = JSON.parse(key);
    const group = groups.get(area) ?? { time: 0, files: new Map() };
    group.time += time;
    const f = group.files.get(fileName) ?? { time: 0, functions: [] };
    f.time += time;
    f.functions.push([name, time]);
    group.files.set(fileName, f);
    groups.set(area, group);
  }
  for (const [area, group] of [...groups].sort((a, b) => b[1].time - a[1].time)) {
    if (group.time / total < 0.01) continue;
    console.log(line(group.time, area));
    for (const [fileName, f] of [...group.files].sort((a, b) => b[1].time - a[1].time)) {
      if (f.time / total < 0.005) continue;
      console.log(`    ${line(f.time, fileName)}`);
      for (const [name, time] of f.functions.sort((a, b) => b[1] - a[1]).slice(0, 8)) {
        if (time / total >= 0.005) console.log(`        ${line(time, name)}`);
      }
    }
  }
  table(selfByFile, "Self time by file", 15);
  table(inclusive, "Inclusive time by function (top 40)", 40);
  return { totalMs: total / 1000, perRunMs: total / 1000 / runs, byArea: Object.fromEntries(selfByArea) };
}

/** Runs the worker under the profiler and summarises the measured runs. */
function profileRun(workload, lib, n, ops, windowKind, noInline, single) {
  const dir = join(here, "results", "profiles");
  mkdirSync(dir, { recursive: true });
  const name = `${workload}-${lib}-${n}${single ? `-single-${single}` : ""}${noInline ? "-noinline" : ""}.cpuprofile`;
  const flags = ["--expose-gc", "--cpu-prof", `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}`, "--cpu-prof-interval=100"];
  // Optimised code charges an inlined function's time to its caller; --no-inline keeps them apart
  // (slower code, truer attribution). Builtins (Map, WeakMap, Array methods) are always charged to
  // their caller.
  if (noInline) flags.push("--no-turbo-inlining");
  if (lib === "mobx-tanstack-query") flags.push("--import", "./bench/lib/register-mobx6.mjs");
  // Isolated operations: 30 of them after a short burst (which warms the JIT, as in the benchmark).
  const options = single
    ? { workload, lib, n: Number(n), ops: 100, runs: 1, budgetMs: 1e9, windows: true, single: 30 }
    : { workload, lib, n: Number(n), ops: Number(ops), runs: 5, budgetMs: 1e9, windows: true };
  const env = { ...process.env, NODE_ENV: "production" };
  const run = spawnSync(process.execPath, [...flags, join(here, "worker.mjs"), JSON.stringify(options)], { cwd: root, encoding: "utf8", env, maxBuffer: 64 * 2 ** 20 });
  if (run.status !== 0) {
    process.stderr.write(run.stderr);
    process.exit(1);
  }
  const result = JSON.parse(run.stdout.trim().split("\n").pop());
  // Only the measured runs (not the probes and the warm-up); W2: one kind of refetch.
  let windows = result.windows.slice(result.measuredFrom ?? 0);
  if (single) windows = windows.filter((w) => w[2] === `single:${single}`);
  else if (workload === "W2") windows = windows.filter((w) => w[2] === windowKind);
  else windows = windows.filter((w) => w[2] === undefined);
  let what = workload === "W2" ? `W2 (refetch, ${windowKind === "changed" ? "1% changed" : "nothing changed"})` : workload;
  if (single) what = `one isolated ${single} (each window: the operation and the 20 ms wait after it)`;
  return summarise(join(dir, name), 25, windows, `${lib}, ${what}, ${n} entities: `);
}

const args = process.argv.slice(2);
if (args[0] === "--summarise") {
  // Optional third argument: a JSON file holding [[start, end], ...] timed regions to keep.
  summarise(args[1], Number(args[2] ?? 25), args[3] ? JSON.parse(readFileSync(args[3], "utf8")) : undefined);
} else {
  const flags = args.filter((arg) => arg.startsWith("--"));
  const [workload = "W1", lib = "ours", n = "10000", ops = n] = args.filter((arg) => !arg.startsWith("--"));
  const windowKind = flags.find((f) => f.startsWith("--window="))?.split("=")[1] ?? "changed";
  const noInline = flags.includes("--no-inline");
  const single = flags.find((f) => f.startsWith("--single="))?.split("=")[1];
  const subject = profileRun(workload, lib, n, ops, windowKind, noInline, single);
  if (lib !== "floor" && !flags.includes("--no-floor")) {
    const floor = profileRun(workload, "floor", n, ops, windowKind, noInline, single);
    console.log(
      `\n=== ${lib}: ${subject.perRunMs.toFixed(2)} ms per run sampled, the floor ${floor.perRunMs.toFixed(2)} ms (${(subject.perRunMs / floor.perRunMs).toFixed(2)}×; profiled, so slower than the benchmark's figures)`,
    );
  }
}
