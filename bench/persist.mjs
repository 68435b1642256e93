// W6: storage writes with `persist`, under a burst of 10,000 realtime UPDATE events on a store of
// 10,000 entities (the W3 burst). Prints its result as JSON on the last line of stdout. Started by
// run.mjs (`--only=W6`), or on its own: `node --expose-gc bench/persist.mjs` (after `npm run build`).
//
// The storage is createMemoryStorage() counting its setItem calls, so what is measured is the
// library's side: how many writes the coalescer makes (at most one per 100 ms, one in flight), how
// large each is, and the main-thread time a write costs (reading the state and JSON.stringify).
// Two shapes of burst: all 10,000 events in one macrotask (as W3), and the same events streamed
// over about a second (100 events every 10 ms), which shows the sustained rate.

import { createMemoryStorage } from "mobx-tanstack-optimistic/persist";
import { create } from "./adapters/ours.mjs";
import { createServer, makeEvent, spreadIds } from "./lib/data.mjs";
import { median, sleep } from "./lib/measure.mjs";

const n = 10_000;
const events = 10_000;
const runs = Number(process.argv[2] ?? 3);

/** A memory storage that records each write: when, how large, and how long setItem's caller was busy since the last write. */
function countingStorage() {
  const memory = createMemoryStorage();
  const writes = [];
  return {
    writes,
    storage: {
      getItem: (key) => memory.getItem(key),
      setItem: (key, value) => {
        writes.push({ at: performance.now(), bytes: value.length });
        return memory.setItem(key, value);
      },
      removeItem: (key) => memory.removeItem(key),
    },
  };
}

/** CPU ms of this process. */
const cpu = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** One burst; without `persisted`, the same burst without persist (the CPU time persist adds is the difference). */
async function burst(shape, round, persisted = true) {
  const server = createServer(n);
  const { writes, storage } = countingStorage();
  const instance = await create({ server, persist: persisted ? storage : undefined });
  await sleep(300); // the write of the loaded state
  writes.length = 0;
  const list = spreadIds(server, events, round * 7).map((id) => makeEvent(server, id, `r${round}`));
  const cpuStarted = cpu();
  const started = performance.now();
  if (shape === "one macrotask") instance.realtime(list);
  else {
    for (let i = 0; i < list.length; i += 100) {
      instance.realtime(list.slice(i, i + 100));
      await sleep(10);
    }
  }
  const applied = performance.now() - started;
  // Until the coalescer is idle: no write for 500 ms (the last change is written at most 100 ms
  // after the burst is applied, and applying it takes some 50 ms).
  let count;
  do {
    count = writes.length;
    await sleep(500);
  } while (writes.length !== count || (persisted && count === 0));
  const cpuMs = cpu() - cpuStarted;
  const last = writes.at(-1);
  const span = Math.max(applied, last ? last.at - started : 0);
  instance.dispose();
  return { writes: writes.length, spanMs: span, writesPerSecond: (writes.length * 1000) / span, bytesPerWrite: last?.bytes ?? 0, cpuMs };
}

const result = { workload: "W6", lib: "ours", n, events, runs, node: process.version, shapes: {} };
for (const shape of ["one macrotask", "streamed over ~1 s"]) {
  const all = [];
  const without = [];
  for (let round = 0; round < runs; round++) {
    all.push(await burst(shape, round));
    without.push(await burst(shape, round, false));
  }
  const cpuPerWrite = all.map((r, i) => (r.cpuMs - without[i].cpuMs) / r.writes);
  result.shapes[shape] = {
    writes: median(all.map((r) => r.writes)),
    spanMs: Math.round(median(all.map((r) => r.spanMs))),
    writesPerSecond: Number(median(all.map((r) => r.writesPerSecond)).toFixed(1)),
    bytesPerWrite: median(all.map((r) => r.bytesPerWrite)),
    cpuMsPerWrite: Number(median(cpuPerWrite).toFixed(1)),
    all: all.map((r) => r.writes),
  };
}
console.log(JSON.stringify(result));
