// Runs one workload for one library in this process and prints its result as JSON on the last
// line of stdout. Started by run.mjs: `node --expose-gc bench/worker.mjs '<json options>'`.
//
// Options: { workload: "W1" | "W2" | "W3" | "W4", lib, n, ops, runs, budgetMs, minOps, single, windows }
// `single: k` (W1, W3) also times k isolated operations of each kind after the runs: update, create
// and remove (W1), one realtime UPDATE event (W3).
//
// W1-W3 also run the floor in this same process, on its own copy of the same data, alternating
// with the library run by run, so that the ratio to the floor is not skewed by whatever else the
// machine is doing at that moment.

import { createServer, makeDraft, makeEvent, spreadIds } from "./lib/data.mjs";
import { drain, gc, median, sleep, timed, windows } from "./lib/measure.mjs";

const options = JSON.parse(process.argv[2] ?? "{}");
const { workload, lib, n = 10_000, runs = 7, budgetMs = 1_000, minOps = 1 } = options;

const adapter = await import(`./adapters/${lib}.mjs`);
// Profiling (options.windows) looks at the library alone.
const floorAdapter = lib === "floor" || options.windows ? undefined : await import("./adapters/floor.mjs");

const result = { workload, lib, label: adapter.label, n, runs, node: process.version };

const ratio = (values, floors) => median(values) / median(floors);
/** Optimistic updates (W1) or realtime UPDATE events (W3), one per entity, spread over the store. */
async function throughput(kind) {
  const setup = async (impl) => {
    const server = createServer(n);
    return { server, instance: await impl.create({ server, observe: { list: true } }) };
  };
  const subject = await setup(adapter);
  const floor = floorAdapter && (await setup(floorAdapter));
  const requested = Math.min(options.ops ?? n, n);
  let round = 0;

  // The floor always runs 10,000 operations (or more), enough to time it reliably; its cost per
  // operation does not depend on how many run.
  const floorOps = Math.max(requested, 10_000);

  // Entities spread over the store, other ones (and other values) every run.
  const make = ({ server }, size) => {
    const at = round++;
    const ids = spreadIds(server, size, at * 7);
    if (kind === "update") return { ids, patches: ids.map((_, k) => ({ title: `Edited r${at} ${k}` })) };
    return { events: ids.map((id) => makeEvent(server, id, `r${at}`)) };
  };
  const prepare = (count) => ({ subject: make(subject, count) });
  /** 3 tries of the floor per run (a floor run lasts a few ms, so it takes more samples to time it); the median of all is used. */
  const floorRun = async () => {
    const tries = [];
    for (let k = 0; k < 3; k++) tries.push(await once(floor, make(floor, floorOps)));
    return tries;
  };

  const once = async ({ instance }, work, checkVisible = 0) => {
    instance.between?.();
    // A full GC before each run.
    gc();
    instance.counts.list = 0;
    instance.counts.entity = 0;
    let visible = 0;
    const cost = await timed(async () => {
      if (kind === "update") {
        const { ids, patches } = work;
        const pending = new Array(ids.length);
        for (let k = 0; k < ids.length; k++) {
          pending[k] = instance.update(ids[k], patches[k]);
          if (k < checkVisible && instance.read(ids[k])?.title === patches[k].title) visible++;
        }
        await Promise.all(pending);
      } else {
        instance.realtime(work.events);
      }
      await instance.settle();
    });
    return { ...cost, visible, list: instance.counts.list };
  };

  // Probe with 1, 10, 100... operations (this also warms the JIT) until a probe takes a quarter of
  // the budget, then fit the operation count to the budget of one run.
  // Stops early when the requested count is predicted to fit the budget anyway.
  let probeOps = 1;
  let perOp;
  for (;;) {
    const probe = await once(subject, prepare(probeOps).subject);
    perOp = probe.cpu / probeOps;
    if (probe.cpu > budgetMs / 4 || probeOps >= requested) break;
    if (probeOps >= 100 && perOp * requested <= budgetMs / 2) break;
    probeOps = Math.min(requested, probeOps * 10);
  }
  const ops = Math.min(requested, Math.max(minOps, Math.floor(budgetMs / perOp)));

  // Warm-up (also checks that the change is visible synchronously), then the measured runs.
  const check = kind === "update" ? Math.min(ops, 100) : 0;
  const warmed = await once(subject, prepare(ops).subject, check);
  if (floor) await floorRun();
  const samples = [];
  const floorSamples = [];
  result.measuredFrom = windows.length;
  for (let r = 0; r < runs; r++) {
    if (floor) floorSamples.push(...(await floorRun()));
    samples.push(await once(subject, prepare(ops).subject));
  }
  const cpu = samples.map((s) => s.cpu);
  Object.assign(result, {
    ops,
    requestedOps: requested,
    cpuMs: cpu,
    medianCpuMs: median(cpu),
    medianWallMs: median(samples.map((s) => s.wall)),
    perOpUs: (median(cpu) / ops) * 1000,
    listReactions: median(samples.map((s) => s.list)),
    size: subject.instance.size(),
  });
  if (floor) {
    const floorCpu = floorSamples.map((s) => s.cpu);
    const floorPerOpUs = (median(floorCpu) / floorOps) * 1000;
    Object.assign(result, { floorOps, floorCpuMs: floorCpu, floorPerOpUs, ratioToFloor: (median(cpu) / ops) * 1000 / floorPerOpUs });
  }
  if (kind === "update") Object.assign(result, { visibleSync: warmed.visible === check, visibleChecked: `${warmed.visible}/${check}` });
  if (options.single) result.single = await singles(subject, kind === "update" ? ["update", "create", "remove"] : ["realtime"]);
  subject.instance.dispose();
  floor?.instance.dispose();
}

/**
 * How long after an isolated operation settled the library may still do deferred work (write-back
 * timers, batches) that belongs to it. Idle time is not counted, so the wait costs little; it is
 * longer than any timer the contenders use (setTimeout(0) today) and than a frame.
 */
const QUIET_MS = 20;

/**
 * Isolated operations of each kind, each settled alone before the next: `options.single` measured
 * ones after 3 unmeasured ones. The figure is the main thread's busy time (event-loop time that was
 * not idle) from the call until QUIET_MS after it settled, less the same wait with no operation
 * (measured just before each one: the timers and event-loop turns of the wait cost 50-150 µs
 * here). For so short an operation the CPU time is mostly other threads (the JIT compiling in the
 * background) and the wall time mostly waiting for timers. Each operation is checked to have taken
 * effect (outside the timed part).
 */
async function singles({ server, instance }, kinds) {
  let k = 0;
  // Entities spread over the whole store (golden-ratio steps), each used once.
  const pick = () => server.ids[Math.floor(((++k * 0.6180339887) % 1) * server.ids.length)];
  const ops = {
    update() {
      const id = pick();
      const title = `Single ${k}`;
      return { run: () => instance.update(id, { title }), check: () => instance.read(id)?.title === title };
    },
    create() {
      const before = instance.size();
      const draft = makeDraft(`single ${++k}`);
      return { run: () => instance.create(draft), check: () => instance.size() === before + 1 };
    },
    remove() {
      const id = pick();
      const before = instance.size();
      return { run: () => instance.remove(id), check: () => instance.read(id) === undefined && instance.size() === before - 1 };
    },
    realtime() {
      const id = pick();
      const event = makeEvent(server, id, `single${k}`);
      return { run: () => instance.realtime([event]), check: () => instance.read(id)?.title === event.data.title };
    },
  };
  const settled = async (run, tag) => {
    instance.between?.();
    await drain(1);
    const cost = await timed(async () => {
      await run();
      await instance.settle();
      await sleep(QUIET_MS);
    });
    // Profiles of isolated operations keep one kind (bench/profile.mjs --single=).
    windows[windows.length - 1].push(tag);
    return cost.busy * 1000;
  };
  const out = {};
  for (const kind of kinds) {
    const gross = [];
    const base = [];
    for (let r = 0; r < 3 + options.single; r++) {
      const { run, check } = ops[kind]();
      const idle = await settled(() => undefined, "single:wait");
      const busy = await settled(run, `single:${kind}`);
      if (!check()) throw new Error(`isolated ${kind} did not take effect in ${lib}`);
      if (r >= 3) gross.push(busy), base.push(idle);
    }
    out[kind] = { us: median(gross) - median(base), grossUs: gross, baseUs: base };
  }
  return out;
}

/** A refetch in which 1% of the entities changed, then one in which nothing changed. */
async function refetch() {
  const setup = async (impl) => {
    const server = createServer(n);
    return { server, instance: await impl.create({ server, observe: { list: true, entities: true } }) };
  };
  const subject = await setup(adapter);
  const floor = floorAdapter && (await setup(floorAdapter));
  const changedCount = Math.max(1, Math.round(n / 100));
  let round = 0;

  const once = async ({ server, instance }, changed, at) => {
    if (changed) server.change(spreadIds(server, changedCount, at * 13), `f${at}`);
    server.prepareList();
    instance.between?.();
    gc();
    instance.counts.list = 0;
    instance.counts.entity = 0;
    const cost = await timed(async () => {
      await instance.refetch();
      await instance.settle();
    });
    // Profiles keep one kind of refetch (bench/profile.mjs --window=).
    windows[windows.length - 1].push(changed ? "changed" : "unchanged");
    instance.finishCounts?.();
    return { ...cost, entity: instance.counts.entity, list: instance.counts.list };
  };
  const pair = async (target) => {
    const at = round++;
    return [await once(target, true, at), await once(target, false, at)];
  };
  /** 3 tries of the floor per run; the median of all is used. */
  const floorPair = async () => {
    const tries = [];
    for (let k = 0; k < 3; k++) tries.push(await pair(floor));
    return tries;
  };

  await pair(subject);
  if (floor) await floorPair();
  const pairs = [];
  const floorPairs = [];
  result.measuredFrom = windows.length;
  for (let r = 0; r < runs; r++) {
    if (floor) floorPairs.push(...(await floorPair()));
    pairs.push(await pair(subject));
  }
  const sum = (index) => {
    const cpu = pairs.map((p) => p[index].cpu);
    const out = {
      cpuMs: cpu,
      medianCpuMs: median(cpu),
      medianWallMs: median(pairs.map((p) => p[index].wall)),
      entityObservers: median(pairs.map((p) => p[index].entity)),
      entityObserversAll: pairs.map((p) => p[index].entity),
      listReactions: median(pairs.map((p) => p[index].list)),
      listReactionsAll: pairs.map((p) => p[index].list),
    };
    if (floor) {
      const floorCpu = floorPairs.map((p) => p[index].cpu);
      Object.assign(out, { floorCpuMs: floorCpu, floorMedianCpuMs: median(floorCpu), ratioToFloor: ratio(cpu, floorCpu) });
    }
    return out;
  };
  Object.assign(result, { changedEntities: changedCount, changed: sum(0), unchanged: sum(1) });
  subject.instance.dispose();
  floor?.instance.dispose();
}

/**
 * Retained heap per entity after loading the store (no observers). One load per process: a load
 * in the same process as an earlier one is skewed by what the earlier one releases late, so
 * run.mjs starts several processes and takes the median.
 */
async function heap() {
  const server = createServer(n);
  await drain(5);
  gc();
  const before = process.memoryUsage().heapUsed;
  server.prepareList();
  const instance = await adapter.create({ server, observe: {} });
  await instance.settle();
  await drain(5);
  gc();
  const after = process.memoryUsage().heapUsed;
  if (instance.size() !== n) throw new Error(`loaded ${instance.size()} of ${n} entities`);
  Object.assign(result, { bytesPerEntity: (after - before) / n });
  instance.dispose();
}

if (workload === "W1") await throughput("update");
else if (workload === "W3") await throughput("realtime");
else if (workload === "W2") await refetch();
else if (workload === "W4") await heap();
else throw new Error(`unknown workload ${workload}`);

if (options.windows) result.windows = windows;
else delete result.measuredFrom;
process.stdout.write(`\n${JSON.stringify(result)}\n`);
// Timers some libraries keep (gc timers of the query cache) must not keep the process alive.
process.exit(0);
