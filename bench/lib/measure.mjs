// Timing helpers. The figure is the CPU time the process spent (user + system, `process.cpuUsage`),
// which leaves out the idle wait for a `setTimeout(0)` and time the process was not scheduled (the
// machine may be busy with other work). Wall time is recorded too.

import { performance } from "node:perf_hooks";

export const gc = () => {
  if (typeof globalThis.gc !== "function") throw new Error("run with node --expose-gc");
  globalThis.gc();
  globalThis.gc();
};

/**
 * Runs `fn` (sync or async) and returns its cost in ms: `cpu` (user + system, all threads: includes
 * concurrent GC and JIT compilation), `busy` (main thread, idle waits left out) and `wall`.
 */
export async function timed(fn) {
  const h0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const e0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  const value = fn();
  if (value && typeof value.then === "function") await value;
  const wall = performance.now() - t0;
  // Main-thread busy time: wall time minus the time the event loop sat idle (waiting for timers).
  const busy = performance.eventLoopUtilization(e0).active;
  const c = process.cpuUsage(c0);
  // The profiler's sample clock is the same monotonic clock, in microseconds.
  windows.push([Number(h0 / 1000n), Number(process.hrtime.bigint() / 1000n)]);
  return { cpu: (c.user + c.system) / 1000, wall, busy };
}

/** The [start, end] of every timed region, in microseconds of the monotonic clock (for profiles). */
export const windows = [];

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Lets timers and I/O callbacks that are due run (several macrotask turns). */
export async function drain(turns = 3) {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

/** Resolves when `check()` is true, polling on macrotask turns; rejects after `ms`. */
export async function until(check, ms = 60_000) {
  const start = performance.now();
  while (!check()) {
    if (performance.now() - start > ms) throw new Error("timed out waiting for the library to load");
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}
