// `npm run bench`: runs every workload for every library, each in its own node process, and prints
// a markdown report (also written to bench/results/latest.md, raw figures to latest.json).
//
//   node bench/run.mjs                 # everything (a few minutes)
//   node bench/run.mjs --quick         # 3 measured runs, 5 isolated operations of each kind (a smoke run)
//   node bench/run.mjs --only=W1,W3 --libs=floor,ours
//   node bench/run.mjs --readme        # also replaces the results of bench/README.md and README.md
//   node bench/run.mjs --all           # also mobx-tanstack-query at 10,000 and 100,000 entities in the scale table (slow)
//   node bench/run.mjs --only=W6       # storage writes with persist under a 10,000-event burst (ours only)
//
// The figures are reported, never judged: the benchmark does not fail on slowness.

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { median } from "./lib/measure.mjs";
import { report } from "./lib/report.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");

const flag = (name) => process.argv.find((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`));
const listFlag = (name) => flag(name)?.split("=")[1]?.split(",");
const quick = Boolean(flag("quick"));
const runs = quick ? 3 : 7;
/** Isolated operations of each kind per scale point (cheap: each is one operation and a short wait). */
const singleRuns = quick ? 5 : 11;
/** W4 loads (one process each). */
const heapRuns = quick ? 3 : 5;

export const LIBS = ["floor", "ours", "ours-raw", "ours-version", "ours-recorded", "tanstack-query", "mobx-tanstack-query", "tanstack-db"];
/** Variants of ours (an option or a capability on): main workloads only, not in the scale table or the README. */
export const VARIANTS = ["ours-raw", "ours-version", "ours-recorded"];
const libs = listFlag("libs") ?? LIBS;
const only = listFlag("only") ?? ["W1", "W2", "W3", "W4", "W5", "W6"];
const SCALE_SIZES = [1_000, 10_000, 100_000];

if (!existsSync(join(root, "dist", "index.js"))) {
  console.error("dist/ is missing: run `npm run build` first (npm run bench does).");
  process.exit(1);
}

const jobs = [];
for (const workload of ["W1", "W3"]) {
  if (!only.includes(workload)) continue;
  // Time budget of one run (CPU ms): the operation count is cut to fit it. The peers' cost per
  // operation grows with the store, so fewer operations measure it as well; ours and the floor
  // should fit all 10,000 operations.
  const budget = (lib) => (["floor", "ours", ...VARIANTS].includes(lib) ? 4_000 : 1_000);
  for (const lib of libs) jobs.push({ workload, lib, n: 10_000, ops: 10_000, runs, group: "main", budgetMs: budget(lib) });
  for (const n of SCALE_SIZES) {
    for (const lib of libs) {
      // One mobx-tanstack-query update deep-converts the whole list (0.1 s at 1,000 entities, 2 s
      // at 10,000, many at 100,000): too slow to repeat the isolated operations within the time
      // this benchmark may take. --all runs it anyway.
      if (lib === "mobx-tanstack-query" && n > 1_000 && !flag("all")) continue;
      // Variants of ours (`transformer: false`, `version`, a recorder): the scale table keeps to the defaults.
      if (VARIANTS.includes(lib)) continue;
      // 1,000 operations in a row (not cut for ours and the floor), then isolated operations of
      // each kind (W1: update, create, remove; W3: one realtime event), each settled alone.
      const scaleBudget = ["floor", "ours"].includes(lib) ? 60_000 : 400;
      jobs.push({ workload, lib, n, ops: 1_000, runs, group: "scale", budgetMs: scaleBudget, single: singleRuns });
    }
  }
}
if (only.includes("W2")) for (const lib of libs) jobs.push({ workload: "W2", lib, n: 10_000, runs, group: "main" });
if (only.includes("W4")) for (const lib of libs) jobs.push({ workload: "W4", lib, n: 10_000, runs, group: "main" });

const machine = {
  node: process.version,
  cpu: `${os.cpus()[0]?.model ?? "unknown"} × ${os.cpus().length}`,
  memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
  os: `${os.type()} ${os.release()} ${os.arch()}`,
  loadAverage: os.loadavg().map((x) => x.toFixed(2)).join(" "),
  date: new Date().toISOString(),
  command: `npm run bench${process.argv.slice(2).length ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
};

function spawn(script, args, lib) {
  const flags = ["--expose-gc"];
  // mobx-tanstack-query needs MobX 6 and extension-less imports resolved (bench/lib/node-hooks.mjs).
  if (lib === "mobx-tanstack-query") flags.push("--import", "./bench/lib/register-mobx6.mjs");
  const started = Date.now();
  const child = spawnSync(process.execPath, [...flags, join(here, script), ...args], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 64 * 2 ** 20,
    timeout: 5 * 60_000,
    // Production builds, as an app ships them (MobX's development build adds checks).
    env: { ...process.env, NODE_ENV: "production" },
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const last = child.stdout?.trim().split("\n").pop();
  if (child.status === 0 && last?.startsWith("{")) return { result: JSON.parse(last), seconds };
  const reason = child.error?.message ?? child.stderr?.trim().split("\n").slice(-3).join(" ") ?? `exit ${child.status}`;
  return { result: { error: reason || `exit ${child.status}` }, seconds };
}

const results = [];
const started = Date.now();
for (const [index, job] of jobs.entries()) {
  const label = `${job.workload} ${job.lib} n=${job.n}${job.ops ? ` ops=${job.ops}` : ""}`;
  let { result, seconds } = spawn("worker.mjs", [JSON.stringify(job)], job.lib);
  if (job.workload === "W4" && !result.error) {
    // One load per process (see worker.mjs): median over `runs` processes.
    const all = [result.bytesPerEntity];
    for (let i = 1; i < heapRuns && !result.error; i++) {
      const next = spawn("worker.mjs", [JSON.stringify(job)], job.lib);
      if (next.result.error) result = next.result;
      else all.push(next.result.bytesPerEntity);
      seconds = (Number(seconds) + Number(next.seconds)).toFixed(1);
    }
    if (!result.error) result = { ...result, bytesPerEntity: median(all), bytesPerEntityAll: all.map(Math.round) };
  }
  results.push({ ...job, ...result });
  console.error(`[${index + 1}/${jobs.length}] ${label}: ${result.error ? `FAILED (${result.error})` : "ok"} ${seconds}s`);
}
let sizes;
if (only.includes("W5")) {
  const { result, seconds } = spawn("size.mjs", []);
  sizes = result;
  console.error(`W5 bundle sizes: ${result.error ? `FAILED (${result.error})` : "ok"} ${seconds}s`);
}
let persist;
if (only.includes("W6") && libs.includes("ours")) {
  const { result, seconds } = spawn("persist.mjs", [String(quick ? 1 : 3)]);
  persist = result;
  console.error(`W6 storage writes with persist: ${result.error ? `FAILED (${result.error})` : "ok"} ${seconds}s`);
}
machine.totalSeconds = Math.round((Date.now() - started) / 1000);

const { markdown, readmeTable } = report({ machine, results, sizes, persist, libs, quick, singleRuns });
console.log(markdown);

const outDir = join(here, "results");
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, "latest.md"), markdown);
writeFileSync(join(outDir, "latest.json"), `${JSON.stringify({ machine, results, sizes, persist }, null, 2)}\n`);
console.error(`\nwritten: bench/results/latest.md, bench/results/latest.json (${machine.totalSeconds}s)`);

/** Replaces what stands between the markers `<!-- name:start -->` and `<!-- name:end -->` of a file. */
function replaceBetween(file, name, content) {
  const text = readFileSync(file, "utf8");
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < 0) throw new Error(`${file} needs the markers ${start} and ${end}`);
  writeFileSync(file, `${text.slice(0, from + start.length)}\n${content}\n${text.slice(to)}`);
  console.error(`updated: ${file}`);
}

if (flag("readme")) {
  // Both from this one run.
  replaceBetween(join(here, "README.md"), "results", markdown);
  replaceBetween(join(root, "README.md"), "bench", readmeTable);
}
