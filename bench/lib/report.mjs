// Builds the markdown report from the workers' results: the bench/README.md results section and the
// summary table of the project README.

import { median } from "./measure.mjs";

const NAMES = {
  floor: "floor",
  ours: "**ours**",
  "ours-raw": "ours, `transformer: false`",
  "ours-version": 'ours, `version: "updatedAt"`',
  "ours-recorded": "ours, `recordEvents` attached",
  "tanstack-query": "TanStack Query pattern",
  "mobx-tanstack-query": "mobx-tanstack-query",
  "tanstack-db": "TanStack DB",
};
const PEERS = ["tanstack-query", "mobx-tanstack-query", "tanstack-db"];
/** Variants of ours: same bundle, main workloads only. */
const VARIANTS = ["ours-raw", "ours-version", "ours-recorded"];

/** 3 significant digits, thousands separated. */
export function fmt(value) {
  if (value === undefined || value === null || Number.isNaN(value)) return "–";
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}
const times = (value) => (value === undefined || !Number.isFinite(value) ? "–" : `${fmt(value)}×`);
const kB = (bytes) => (bytes === undefined ? "–" : `${(bytes / 1000).toFixed(2)} kB`);

function table(header, rows) {
  const line = (cells) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map((_, i) => (i === 0 ? "---" : "---:"))), ...rows.map(line)].join("\n");
}

/** The scale table's measures: isolated operations (main-thread busy µs) and bursts (CPU µs per op). */
const SCALE = [
  { key: "update", title: "one isolated update", workload: "W1", value: (r) => r.single?.update?.us },
  { key: "create", title: "one isolated create", workload: "W1", value: (r) => r.single?.create?.us },
  { key: "remove", title: "one isolated remove", workload: "W1", value: (r) => r.single?.remove?.us },
  { key: "realtime", title: "one isolated realtime UPDATE event", workload: "W3", value: (r) => r.single?.realtime?.us },
  { key: "W1", title: "W1: per update, 1,000 in a row", workload: "W1", value: (r) => r.perOpUs, burst: true },
  { key: "W3", title: "W3: per event, 1,000 in a row", workload: "W3", value: (r) => r.perOpUs, burst: true },
];
const SCALE_SIZES = [1_000, 10_000, 100_000];
const SMALL = 1_000;
const LARGE = 100_000;
const sizeName = (n) => `${n / 1000}k`;
/** Isolated figures are a difference of two medians: below 1 µs they are noise. */
const us = (value) => (value === undefined ? "–" : value < 1 ? "<1" : fmt(value));

export function report({ machine, results, sizes, persist, libs, quick, singleRuns = 7 }) {
  const find = (workload, lib, n = 10_000, group = "main") =>
    results.find((r) => r.workload === workload && r.lib === lib && r.n === n && r.group === group && !r.error);
  const failed = (workload, lib, n = 10_000, group = "main") =>
    results.find((r) => r.workload === workload && r.lib === lib && r.n === n && r.group === group && r.error);
  const size = (lib) => sizes?.results?.find((s) => s.lib === lib);
  const budgetMark = (r) => (r && r.ops < r.requestedOps ? " †" : "");
  // Ratios to the floor use the floor measured in the same process (run by run) when there is
  // one (W1-W3), else the floor's own process (W4).
  const cell = (workload, lib, value, toFloor, n, group) => {
    const r = find(workload, lib, n, group);
    if (!r) return failed(workload, lib, n, group) ? "failed" : "–";
    const v = value(r);
    if (lib === "floor") return `${fmt(v)}${budgetMark(r)}`;
    return `${fmt(v)} (${times(toFloor(r, n, group))})${budgetMark(r)}`;
  };

  const perOp = (r) => r.perOpUs;
  const w2changed = (r) => r.changed.medianCpuMs;
  const w2same = (r) => r.unchanged.medianCpuMs;
  const heap = (r) => r.bytesPerEntity;
  const opRatio = (r) => r.ratioToFloor;
  const w2changedRatio = (r) => r.changed.ratioToFloor;
  const w2sameRatio = (r) => r.unchanged.ratioToFloor;
  const heapRatio = (r, n, group) => {
    const f = find("W4", "floor", n, group);
    return f ? r.bytesPerEntity / f.bytesPerEntity : undefined;
  };
  const showPlain = (workload, show, n, group) => (lib) => {
    const r = find(workload, lib, n, group);
    return r ? show(r) : failed(workload, lib, n, group) ? "failed" : "–";
  };
  const sizeCell = (lib) => {
    if (lib === "floor") return "0";
    if (VARIANTS.includes(lib)) return "same";
    const s = size(lib);
    if (!s) return "–";
    if (lib !== "ours") return kB(s.gzipBytes);
    return `${kB(s.gzipBytes)} (named import ${kB(size("ours-named")?.gzipBytes)}; realtime entry ${kB(size("ours-realtime")?.gzipBytes)})`;
  };

  const rows = [];
  const metric = (title, workload, value, toFloor, n, group) => rows.push([title, ...libs.map((lib) => cell(workload, lib, value, toFloor, n, group))]);
  const plain = (title, workload, show, n, group) => rows.push([title, ...libs.map(showPlain(workload, show, n, group))]);
  const visible = (r) => (r.visibleSync ? "yes" : "**no**");
  const observers = (which) => (r) => `${fmt(r[which].entityObservers)} / ${fmt(r[which].listReactions)}`;
  const listReactions = (r) => `${fmt(r.listReactions)}${r.ops < r.requestedOps ? ` (of ${fmt(r.ops)} events)` : ""}`;

  metric("W1 µs per optimistic update", "W1", perOp, opRatio);
  plain("W1 change visible synchronously", "W1", visible);
  metric("W2 ms per refetch, 1% changed", "W2", w2changed, w2changedRatio);
  plain("W2 observers run, 1% changed: per-entity / list", "W2", observers("changed"));
  metric("W2 ms per refetch, nothing changed", "W2", w2same, w2sameRatio);
  plain("W2 observers run, nothing changed: per-entity / list", "W2", observers("unchanged"));
  metric("W3 µs per realtime event", "W3", perOp, opRatio);
  plain("W3 list-level reactions per burst", "W3", listReactions);
  metric("W4 bytes of heap per entity", "W4", heap, heapRatio);
  rows.push(["W5 min+gzip, peers external (`export *`)", ...libs.map(sizeCell)]);

  // Scale: how the cost of one change grows with the store.
  const scaleLibs = libs.filter((lib) => !VARIANTS.includes(lib));
  const scaleFind = (m, lib, n) => find(m.workload, lib, n, "scale");
  const scaleValue = (m, lib, n) => {
    const r = scaleFind(m, lib, n);
    return r ? m.value(r) : undefined;
  };
  const growthOf = (m, lib) => {
    const small = scaleValue(m, lib, SMALL);
    const large = scaleValue(m, lib, LARGE);
    return small !== undefined && large !== undefined ? large / Math.max(small, 1) : undefined;
  };
  const cutMark = (m, lib) => (m.burst && SCALE_SIZES.some((n) => budgetMark(scaleFind(m, lib, n))) ? " †" : "");
  const scaleCell = (m) => (lib) => {
    const values = SCALE_SIZES.map((n) => {
      const r = scaleFind(m, lib, n);
      if (r) return m.burst ? fmt(m.value(r)) : us(m.value(r));
      return failed(m.workload, lib, n, "scale") ? "failed" : "–";
    });
    if (values.every((v) => v === "–")) return "not run";
    const growth = growthOf(m, lib);
    return `${values.join(" / ")} µs${growth === undefined ? "" : ` (${times(growth)})`}${cutMark(m, lib)}`;
  };
  /** Ours ÷ TanStack DB at 100k entities, measured in the same run. */
  const versusDb = (m) => {
    const a = scaleValue(m, "ours", LARGE);
    const b = scaleValue(m, "tanstack-db", LARGE);
    if (a === undefined || b === undefined) return "–";
    return `${times(a / b)} (${a < b ? "under" : "**over**"})`;
  };
  const hasDb = libs.includes("ours") && libs.includes("tanstack-db");
  const scaleHeader = ["", ...scaleLibs.map((lib) => NAMES[lib] ?? lib), ...(hasDb ? ["ours ÷ TanStack DB at 100k"] : [])];
  const scaleRows = SCALE.map((m) => [m.title, ...scaleLibs.map(scaleCell(m)), ...(hasDb ? [versusDb(m)] : [])]);

  const out = [];
  out.push(`### Results (10,000 entities; medians of ${quick ? 3 : 7} runs; CPU time; (×) = ratio to the floor measured in the same process)`);
  out.push("");
  out.push(table(["", ...libs.map((lib) => NAMES[lib] ?? lib)], rows));
  out.push("");
  out.push(
    `How the cost of one change grows with the store: µs at 1,000 / 10,000 / 100,000 entities (growth 100k ÷ 1k; – not run: mobx-tanstack-query runs at 1,000 entities only). Isolated operations: one operation settled alone, main-thread busy time until it and its deferred work finished, less the same wait without an operation, median of ${singleRuns}; bursts: CPU time per operation of 1,000 in a row.`,
  );
  out.push("");
  out.push(table(scaleHeader, scaleRows));
  out.push("");
  out.push(
    "† measured on fewer operations than asked, to keep one run within its time budget (the cost per operation of these libraries grows with the store, not with the number of operations; see the details below).",
  );

  // Ours against each peer.
  if (libs.includes("ours")) {
    const peers = PEERS.filter((peer) => libs.includes(peer));
    const vs = (workload, value, n, group) => (peer) => {
      const a = find(workload, "ours", n, group);
      const b = find(workload, peer, n, group);
      return a && b ? times(value(b) / value(a)) : "–";
    };
    const peerRows = [
      ["W1 optimistic update", ...peers.map(vs("W1", perOp))],
      ["W2 refetch, 1% changed", ...peers.map(vs("W2", w2changed))],
      ["W2 refetch, nothing changed", ...peers.map(vs("W2", w2same))],
      ["W3 realtime event", ...peers.map(vs("W3", perOp))],
      ["W4 heap per entity", ...peers.map(vs("W4", heap))],
      ["W5 min+gzip", ...peers.map((peer) => (size(peer) && size("ours") ? times(size(peer).gzipBytes / size("ours").gzipBytes) : "–"))],
    ];
    out.push("");
    out.push("### Each peer's cost ÷ ours (above 1× the peer costs more)");
    out.push("");
    out.push(table(["", ...peers.map((peer) => NAMES[peer])], peerRows));
  }

  // Targets: DESIGN.md §4 and the next ones of issue 17.
  const ours = (workload, n, group) => find(workload, "ours", n, group);
  const floorR = (workload, n, group) => find(workload, "floor", n, group);
  const targets = [];
  const verdict = (met) => (met === undefined ? "–" : met ? "met" : "**missed**");
  const target = (name, goal, next, measured, met, metNext) => targets.push([name, goal, next, measured, verdict(met), verdict(metNext)]);
  {
    const o = ours("W1");
    const ratio = o?.ratioToFloor;
    const met = o ? ratio <= 20 && o.visibleSync : undefined;
    target("W1", "≤ 20× floor per update, visible synchronously", "same", o ? `${times(ratio)} (${fmt(o.perOpUs)} µs), visible: ${o.visibleSync ? "yes" : "no"}` : "–", met, met);
  }
  {
    const o = ours("W2");
    const ratio = o?.changed.ratioToFloor;
    const exact = o && o.changed.entityObservers === o.changedEntities && o.changed.listReactions === 1;
    const quiet = o && o.unchanged.entityObservers === 0 && o.unchanged.listReactions === 0;
    target(
      "W2",
      "≤ 5× floor; exactly the changed entities' observers + 1 list reaction; nothing when unchanged",
      "toward 1.5× floor (1% changed)",
      o ? `${times(ratio)} (unchanged: ${times(o.unchanged.ratioToFloor)}); ${fmt(o.changed.entityObservers)} of ${fmt(o.changedEntities)} entity observers + ${fmt(o.changed.listReactions)} list; unchanged: ${fmt(o.unchanged.entityObservers)} + ${fmt(o.unchanged.listReactions)}` : "–",
      o ? ratio <= 5 && exact && quiet : undefined,
      o ? ratio <= 1.5 && exact && quiet : undefined,
    );
  }
  {
    const o = ours("W3");
    const ratio = o?.ratioToFloor;
    target("W3", "≤ 20× floor per event", "toward 5× floor", o ? `${times(ratio)} (${fmt(o.perOpUs)} µs)` : "–", o ? ratio <= 20 : undefined, o ? ratio <= 5 : undefined);
  }
  {
    const o = ours("W4");
    const f = floorR("W4");
    const raw = find("W4", "ours-raw");
    const ratio = o && f ? o.bytesPerEntity / f.bytesPerEntity : undefined;
    target(
      "W4",
      "≤ 1.5× floor heap per entity",
      "≤ 2× with the default transformer",
      o ? `${times(ratio)}${raw && f ? ` (transformer: false: ${times(raw.bytesPerEntity / f.bytesPerEntity)})` : ""}` : "–",
      o && f ? ratio <= 1.5 : undefined,
      o && f ? ratio <= 2 : undefined,
    );
  }
  {
    const core = size("ours");
    const named = size("ours-named");
    const rt = size("ours-realtime");
    target(
      "W5",
      "core ≤ 5 kB, realtime ≤ 1.5 kB (min+gzip)",
      "named import of `createOptimisticStoreManager` ≤ 6 kB, realtime ≤ 1.5 kB",
      core ? `export *: ${kB(core.gzipBytes)}; named import: ${kB(named?.gzipBytes)}; realtime: ${kB(rt?.gzipBytes)}` : "–",
      core && rt ? core.gzipBytes <= 5000 && rt.gzipBytes <= 1500 : undefined,
      named && rt ? named.gzipBytes <= 6000 && rt.gzipBytes <= 1500 : undefined,
    );
  }
  for (const m of SCALE) {
    const small = scaleValue(m, "ours", SMALL);
    const large = scaleValue(m, "ours", LARGE);
    const db = scaleValue(m, "tanstack-db", LARGE);
    const growth = growthOf(m, "ours");
    const limit = m.key === "W1" ? 1.2 : 2;
    const nextGoal = m.burst ? (m.key === "W1" ? "≤ 1.2× growth" : "–") : "< 2× growth and under TanStack DB at 100k";
    const measured = growth === undefined ? "–" : `${us(small)} → ${us(large)} µs (${times(growth)})${m.burst ? "" : `; TanStack DB at 100k: ${db === undefined ? "–" : `${us(db)} µs`}`}`;
    const met = growth === undefined ? undefined : growth < 2;
    let metNext;
    if (growth !== undefined && m.key !== "W3") metNext = m.burst ? growth <= limit : growth < 2 && db !== undefined && large < db;
    target(`scale: ${m.title}`, "cost at 100k < 2× the cost at 1k entities", nextGoal, measured, met, metNext);
  }
  out.push("");
  out.push("### Targets, for ours with default options: DESIGN.md §4 and the next ones (issue 17)");
  out.push("");
  out.push(table(["", "target (DESIGN.md §4)", "next target (issue 17)", "measured", "§4", "issue 17"], targets));

  // Details.
  const detail = (workload, group, n) => {
    const rowsOut = [];
    for (const lib of libs) {
      const r = find(workload, lib, n, group);
      if (!r) {
        const e = failed(workload, lib, n, group);
        rowsOut.push([NAMES[lib] ?? lib, e ? `failed: ${e.error.slice(0, 120)}` : "–", "", "", "", "", ""]);
        continue;
      }
      rowsOut.push([
        NAMES[lib] ?? lib,
        `${fmt(r.ops)}${r.ops < r.requestedOps ? ` of ${fmt(r.requestedOps)}` : ""}`,
        fmt(r.medianCpuMs),
        fmt(r.medianWallMs),
        fmt(r.perOpUs),
        lib === "floor" ? "" : `${times(r.ratioToFloor)} (floor ${fmt(r.floorPerOpUs)})`,
        `${fmt(r.listReactions)}${r.visibleSync === undefined ? "" : `; visible: ${r.visibleSync ? "yes" : "no"} (${r.visibleChecked})`}`,
      ]);
    }
    return table(["", "ops per run", "CPU ms per run", "wall ms per run", "µs per op", "× floor", "list reactions per run"], rowsOut);
  };
  out.push("");
  out.push("### Details");
  out.push("");
  out.push("**W1**: 10,000 optimistic updates in a row (one field each, distinct entities), the server answering at once; timed until every update settled and deferred work ran.");
  out.push("");
  out.push(detail("W1", "main", 10_000));
  out.push("");
  out.push("**W3**: a burst of 10,000 realtime UPDATE events (full rows, fresh objects), timed until applied.");
  out.push("");
  out.push(detail("W3", "main", 10_000));
  out.push("");
  out.push("**W2**: a refetch of 10,000 entities (fresh objects) in which 1% changed, then one in which nothing changed. Observers: one per entity (all 10,000) and one list-level.");
  out.push("");
  out.push(
    table(
      ["", "1% changed: CPU ms", "× floor", "per-entity / list observers", "unchanged: CPU ms", "× floor", "per-entity / list observers"],
      libs.map((lib) => {
        const r = find("W2", lib);
        if (!r) return [NAMES[lib] ?? lib, failed("W2", lib) ? `failed: ${failed("W2", lib).error.slice(0, 120)}` : "–", "", "", "", "", ""];
        return [
          NAMES[lib] ?? lib,
          fmt(r.changed.medianCpuMs),
          lib === "floor" ? "" : `${times(r.changed.ratioToFloor)} (floor ${fmt(r.changed.floorMedianCpuMs)})`,
          `${fmt(r.changed.entityObservers)} / ${fmt(r.changed.listReactions)}`,
          fmt(r.unchanged.medianCpuMs),
          lib === "floor" ? "" : `${times(r.unchanged.ratioToFloor)} (floor ${fmt(r.unchanged.floorMedianCpuMs)})`,
          `${fmt(r.unchanged.entityObservers)} / ${fmt(r.unchanged.listReactions)}`,
        ];
      }),
    ),
  );
  out.push("");
  out.push("**W4**: heap retained per entity after loading 10,000 entities (`--expose-gc`, heap used after a full GC, minus before loading; median of several loads; the entities themselves included).");
  out.push("");
  out.push(
    table(
      ["", "bytes per entity", "× floor", "all loads"],
      libs.map((lib) => {
        const r = find("W4", lib);
        const f = find("W4", "floor");
        if (!r) return [NAMES[lib] ?? lib, failed("W4", lib) ? "failed" : "–", "", ""];
        return [NAMES[lib] ?? lib, fmt(r.bytesPerEntity), lib === "floor" || !f ? "" : times(r.bytesPerEntity / f.bytesPerEntity), r.bytesPerEntityAll.join(", ")];
      }),
    ),
  );
  if (sizes?.results) {
    out.push("");
    out.push(
      "**W5**: `export * from \"<entry>\"` bundled by esbuild, minified, gzip level 9; peers external. The named import is a one-line entry, `export { createOptimisticStoreManager } from \"mobx-tanstack-optimistic\"`: what an app that does not use realtime pulls in.",
    );
    out.push("");
    out.push(table(["entry", "peers (external)", "minified", "min+gzip"], sizes.results.map((s) => [`\`${s.name}\``, s.peers.join(", ") || "none", kB(s.minBytes), kB(s.gzipBytes)])));
    const named = sizes.namedFromSource;
    if (named?.breakdown) {
      const top = named.breakdown.slice(0, 12);
      out.push("");
      out.push(
        `Where the named import's bytes come from: the same entry bundled from \`src/\` (${kB(named.minBytes)} minified, ${kB(named.gzipBytes)} min+gzip), minified bytes per source file before gzip${named.breakdown.length > top.length ? ` (the ${top.length} largest of ${named.breakdown.length})` : ""}:`,
      );
      out.push("");
      out.push(table(["source file", "minified", "share"], top.map((b) => [`\`${b.file}\``, kB(b.minBytes), `${((b.minBytes / named.minBytes) * 100).toFixed(0)}%`])));
    }
  }
  if (persist?.shapes) {
    out.push("");
    out.push(
      `**W6**: storage writes of ours with \`persist\` (createMemoryStorage counting its writes) under a burst of ${fmt(persist.events)} realtime UPDATE events on ${fmt(persist.n)} entities; medians of ${persist.runs}. A write stores every confirmed entity and change (the bytes column); its CPU time is the burst's CPU time with persist less the same burst without.`,
    );
    out.push("");
    out.push(
      table(
        ["burst", "writes", "over (ms)", "writes per second", "bytes per write", "CPU ms per write"],
        Object.entries(persist.shapes).map(([shape, r]) => [shape, fmt(r.writes), fmt(r.spanMs), fmt(r.writesPerSecond), fmt(r.bytesPerWrite), fmt(r.cpuMsPerWrite)]),
      ),
    );
  }
  out.push("");
  out.push(
    `**Scale**: per store size, the bursts (1,000 operations in a row, fewer where marked †; CPU µs per operation) and the isolated operations (main-thread busy µs of one operation settled alone, less the wait's own cost — the "wait" column, median of the no-op waits — median of ${singleRuns}; W1's process times update, create and remove, W3's the realtime event).`,
  );
  out.push("");
  const scaleDetail = [];
  for (const lib of scaleLibs) {
    for (const n of SCALE_SIZES) {
      const w1 = find("W1", lib, n, "scale");
      const w3 = find("W3", lib, n, "scale");
      if (!w1 && !w3) {
        if (failed("W1", lib, n, "scale") || failed("W3", lib, n, "scale")) {
          const e = failed("W1", lib, n, "scale") ?? failed("W3", lib, n, "scale");
          scaleDetail.push([NAMES[lib] ?? lib, sizeName(n), `failed: ${e.error.slice(0, 120)}`, "", "", "", "", "", "", "", ""]);
        }
        continue;
      }
      const ops = (r) => (r ? `${fmt(r.ops)}${r.ops < r.requestedOps ? ` of ${fmt(r.requestedOps)}` : ""}` : "–");
      const wait = (r, kind) => {
        const base = r?.single?.[kind]?.baseUs;
        return base ? fmt(median(base)) : "–";
      };
      scaleDetail.push([
        NAMES[lib] ?? lib,
        sizeName(n),
        ops(w1),
        w1 ? fmt(w1.perOpUs) : "–",
        ops(w3),
        w3 ? fmt(w3.perOpUs) : "–",
        us(w1?.single?.update?.us),
        us(w1?.single?.create?.us),
        us(w1?.single?.remove?.us),
        us(w3?.single?.realtime?.us),
        `${wait(w1, "update")} / ${wait(w3, "realtime")}`,
      ]);
    }
  }
  out.push(
    table(
      ["", "entities", "W1 ops", "W1 µs per op", "W3 ops", "W3 µs per op", "isolated update", "isolated create", "isolated remove", "isolated realtime event", "wait µs (W1 / W3 process)"],
      scaleDetail,
    ),
  );
  out.push("");
  out.push(`Machine: Node ${machine.node}, ${machine.cpu}, ${machine.memory}, ${machine.os}; load average at start ${machine.loadAverage}. Run ${machine.date} by \`${machine.command}\` in ${machine.totalSeconds} s.`);

  // The summary in the project README, from the same run.
  const readmeLibs = libs.filter((lib) => !VARIANTS.includes(lib));
  const readmeNames = { ...NAMES, ours: "**this library**" };
  const readmeRows = [];
  const readmeMetric = (title, workload, value, toFloor, extra) =>
    readmeRows.push([title, ...readmeLibs.map((lib) => `${cell(workload, lib, value, toFloor)}${(lib === "ours" && extra?.()) || ""}`)]);
  const readmePlain = (title, workload, show) => readmeRows.push([title, ...readmeLibs.map(showPlain(workload, show))]);
  readmeMetric("W1 µs per optimistic update", "W1", perOp, opRatio);
  readmePlain("W1 change visible synchronously", "W1", visible);
  readmeMetric("W2 ms per refetch, 1% changed", "W2", w2changed, w2changedRatio);
  readmePlain("W2 observers run, 1% changed: per-entity / list", "W2", observers("changed"));
  readmePlain("W2 observers run, nothing changed", "W2", observers("unchanged"));
  readmeMetric("W3 µs per realtime event", "W3", perOp, opRatio);
  readmePlain("W3 list-level reactions per 10,000-event burst", "W3", listReactions);
  readmeMetric("W4 bytes of heap per entity", "W4", heap, heapRatio, () => {
    const raw = find("W4", "ours-raw");
    const f = find("W4", "floor");
    return raw && f ? `; ${fmt(raw.bytesPerEntity)} (${times(raw.bytesPerEntity / f.bytesPerEntity)}) with \`transformer: false\`` : "";
  });
  readmeRows.push(["W5 min+gzip, peers external (`export *`)", ...readmeLibs.map(sizeCell)]);
  for (const m of SCALE) readmeRows.push([`${m.title}: 1k / 10k / 100k entities`, ...readmeLibs.map(scaleCell(m))]);
  const readmeTable = [
    table(["", ...readmeLibs.map((lib) => readmeNames[lib] ?? lib)], readmeRows),
    "",
    `µs unless stated; (×) = ratio to the floor; scale rows: growth 100k ÷ 1k in brackets, – not run; † fewer operations than asked (time budget). Run ${machine.date.slice(0, 10)} on Node ${machine.node}, ${machine.cpu}, by \`${machine.command}\`.`,
  ].join("\n");

  return { markdown: out.join("\n"), readmeTable };
}
