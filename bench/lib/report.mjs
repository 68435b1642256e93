// Builds the markdown report from the workers' results.

const NAMES = {
  floor: "floor",
  ours: "**ours**",
  "ours-raw": "ours, `transformer: false`",
  "tanstack-query": "TanStack Query pattern",
  "mobx-tanstack-query": "mobx-tanstack-query",
  "tanstack-db": "TanStack DB",
};
const PEERS = ["tanstack-query", "mobx-tanstack-query", "tanstack-db"];

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

export function report({ machine, results, sizes, libs, quick }) {
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
  const rows = [];
  const metric = (title, workload, value, toFloor, n, group) => {
    rows.push([title, ...libs.map((lib) => cell(workload, lib, value, toFloor, n, group))]);
  };
  const plain = (title, workload, show, n, group) =>
    rows.push([title, ...libs.map((lib) => {
      const r = find(workload, lib, n, group);
      return r ? show(r) : failed(workload, lib, n, group) ? "failed" : "–";
    })]);

  metric("W1 µs per optimistic update", "W1", perOp, opRatio);
  plain("W1 change visible synchronously", "W1", (r) => (r.visibleSync ? "yes" : "**no**"));
  metric("W2 ms per refetch, 1% changed", "W2", w2changed, w2changedRatio);
  plain("W2 observers run, 1% changed: per-entity / list", "W2", (r) => `${fmt(r.changed.entityObservers)} / ${fmt(r.changed.listReactions)}`);
  metric("W2 ms per refetch, nothing changed", "W2", w2same, w2sameRatio);
  plain("W2 observers run, nothing changed: per-entity / list", "W2", (r) => `${fmt(r.unchanged.entityObservers)} / ${fmt(r.unchanged.listReactions)}`);
  metric("W3 µs per realtime event", "W3", perOp, opRatio);
  plain("W3 list-level reactions per burst", "W3", (r) => `${fmt(r.listReactions)}${r.ops < r.requestedOps ? ` (of ${fmt(r.ops)} events)` : ""}`);
  metric("W4 bytes of heap per entity", "W4", heap, heapRatio);
  rows.push([
    "W5 min+gzip, peers external",
    ...libs.map((lib) => {
      if (lib === "floor") return "0";
      if (lib === "ours-raw") return "same";
      const s = size(lib);
      if (!s) return "–";
      return lib === "ours" ? `${kB(s.gzipBytes)} (realtime entry ${kB(size("ours-realtime")?.gzipBytes)})` : kB(s.gzipBytes);
    }),
  ]);
  const growth = (workload) => (lib) => {
    const small = find(workload, lib, 1_000, "scale");
    const large = find(workload, lib, 100_000, "scale");
    if (!small || !large) return small ? "not run" : "–";
    return `${times(large.perOpUs / small.perOpUs)}${budgetMark(large) || budgetMark(small)}`;
  };
  const largest = "100k";
  const singleGrowth = (workload) => (lib) => {
    const small = find(workload, lib, 1_000, "scale");
    const large = find(workload, lib, 100_000, "scale");
    if (!small?.singleUs || !large?.singleUs) return small ? "not run" : "–";
    return `${fmt(small.singleUs)} → ${fmt(large.singleUs)} µs (${times(large.singleUs / small.singleUs)})`;
  };
  const scaleLibs = libs.filter((lib) => lib !== "ours-raw");
  const scaleRows = [
    [`W1 per update in a burst of 1,000: ${largest} ÷ 1k entities`, ...scaleLibs.map(growth("W1"))],
    ["W1 one isolated update: 1k → 100k entities", ...scaleLibs.map(singleGrowth("W1"))],
    [`W3 per event in a burst of 1,000: ${largest} ÷ 1k entities`, ...scaleLibs.map(growth("W3"))],
    ["W3 one isolated event: 1k → 100k entities", ...scaleLibs.map(singleGrowth("W3"))],
  ];

  const out = [];
  out.push(`### Results (10,000 entities; medians of ${quick ? 3 : 7} runs; CPU time; (×) = ratio to the floor measured in the same process)`);
  out.push("");
  out.push(table(["", ...libs.map((lib) => NAMES[lib] ?? lib)], rows));
  out.push("");
  out.push("How the cost of one change grows with the store (bursts: CPU time; isolated operations: main-thread busy time, in which the floor's figure is mostly timing overhead):");
  out.push("");
  out.push(table(["", ...scaleLibs.map((lib) => NAMES[lib] ?? lib)], scaleRows));
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
      [
        "W5 min+gzip",
        ...peers.map((peer) => (size(peer) && size("ours") ? times(size(peer).gzipBytes / size("ours").gzipBytes) : "–")),
      ],
    ];
    out.push("");
    out.push("### Each peer's cost ÷ ours (above 1× the peer costs more)");
    out.push("");
    out.push(table(["", ...peers.map((peer) => NAMES[peer])], peerRows));
  }

  // Targets (DESIGN.md §4).
  const ours = (workload, n, group) => find(workload, "ours", n, group);
  const floorR = (workload, n, group) => find(workload, "floor", n, group);
  const targets = [];
  const target = (name, goal, measured, met) => targets.push([name, goal, measured, met === undefined ? "–" : met ? "met" : "**missed**"]);
  {
    const o = ours("W1");
    const ratio = o?.ratioToFloor;
    target("W1", "≤ 20× floor per update, visible synchronously", o ? `${times(ratio)} (${fmt(o.perOpUs)} µs), visible: ${o.visibleSync ? "yes" : "no"}` : "–", o ? ratio <= 20 && o.visibleSync : undefined);
  }
  {
    const o = ours("W2");
    const ratio = o?.changed.ratioToFloor;
    const exact = o && o.changed.entityObservers === o.changedEntities && o.changed.listReactions === 1;
    const quiet = o && o.unchanged.entityObservers === 0 && o.unchanged.listReactions === 0;
    target(
      "W2",
      "≤ 5× floor; exactly the changed entities' observers + 1 list reaction; nothing when unchanged",
      o ? `${times(ratio)} (unchanged: ${times(o.unchanged.ratioToFloor)}); ${fmt(o.changed.entityObservers)} of ${fmt(o.changedEntities)} entity observers + ${fmt(o.changed.listReactions)} list; unchanged: ${fmt(o.unchanged.entityObservers)} + ${fmt(o.unchanged.listReactions)}` : "–",
      o ? ratio <= 5 && exact && quiet : undefined,
    );
  }
  {
    const o = ours("W3");
    const ratio = o?.ratioToFloor;
    target("W3", "≤ 20× floor per event", o ? `${times(ratio)} (${fmt(o.perOpUs)} µs)` : "–", o ? ratio <= 20 : undefined);
  }
  {
    const o = ours("W4");
    const f = floorR("W4");
    const raw = find("W4", "ours-raw");
    const ratio = o && f ? o.bytesPerEntity / f.bytesPerEntity : undefined;
    target(
      "W4",
      "≤ 1.5× floor heap per entity",
      o ? `${times(ratio)}${raw && f ? ` (transformer: false: ${times(raw.bytesPerEntity / f.bytesPerEntity)})` : ""}` : "–",
      o && f ? ratio <= 1.5 : undefined,
    );
  }
  {
    const core = size("ours");
    const rt = size("ours-realtime");
    target("W5", "core ≤ 5 kB, realtime ≤ 1.5 kB (min+gzip)", core ? `${kB(core.gzipBytes)}, ${kB(rt?.gzipBytes)}` : "–", core && rt ? core.gzipBytes <= 5000 && rt.gzipBytes <= 1500 : undefined);
  }
  for (const workload of ["W1", "W3"]) {
    const small = ours(workload, 1_000, "scale");
    const large = ours(workload, 100_000, "scale");
    const ratio = small && large ? large.perOpUs / small.perOpUs : undefined;
    const singleRatio = small?.singleUs && large?.singleUs ? large.singleUs / small.singleUs : undefined;
    target(
      `${workload} scale`,
      `cost of a change at ${largest} < 2× at 1k entities`,
      small && large
        ? `in a burst of 1,000: ${fmt(small.perOpUs)} → ${fmt(large.perOpUs)} µs (${times(ratio)}); isolated: ${fmt(small.singleUs)} → ${fmt(large.singleUs)} µs (${times(singleRatio)})`
        : "–",
      ratio === undefined ? undefined : ratio < 2 && (singleRatio === undefined || singleRatio < 2),
    );
  }
  out.push("");
  out.push("### Targets (DESIGN.md §4), for ours with default options");
  out.push("");
  out.push(table(["", "target", "measured", ""], targets));

  // Details.
  const detail = (workload, group, n) => {
    const rowsOut = [];
    for (const lib of libs) {
      const r = find(workload, lib, n, group);
      const floor = find(workload, "floor", n, group);
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
        const f = find("W2", "floor");
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
    out.push("**W5**: `export * from \"<entry>\"` bundled by esbuild, minified, gzip level 9; peers external.");
    out.push("");
    out.push(table(["entry", "peers (external)", "minified", "min+gzip"], sizes.results.map((s) => [`\`${s.name}\``, s.peers.join(", ") || "none", kB(s.minBytes), kB(s.gzipBytes)])));
  }
  out.push("");
  out.push("**Scale**: µs per operation, 1,000 operations in a row per run (fewer where marked †) on stores of 1,000 and 100,000 entities; the 10,000 column repeats W1/W3 above (10,000 operations per run). \"single\": one operation settled alone, main-thread busy µs (event-loop time not idle), median of 7.");
  out.push("");
  const sizesList = [1_000, 10_000, 100_000];
  const scaleRow = (lib) => {
    const cells = [NAMES[lib] ?? lib];
    for (const workload of ["W1", "W3"]) {
      for (const n of sizesList) {
        const r = n === 10_000 ? find(workload, lib, n, "main") : find(workload, lib, n, "scale");
        cells.push(r ? `${fmt(r.perOpUs)}${budgetMark(r)}` : failed(workload, lib, n, "scale") ? "failed" : "not run");
      }
      cells.push(growth(workload)(lib));
      for (const n of [1_000, 100_000]) {
        const r = find(workload, lib, n, "scale");
        cells.push(r?.singleUs ? fmt(r.singleUs) : "–");
      }
    }
    return cells;
  };
  const heads = sizesList.map((n) => `${n / 1000}k`);
  const singles = (w) => [`${w} single 1k`, `${w} single 100k`];
  out.push(table(["", ...heads.map((h) => `W1 ${h}`), "W1 growth", ...singles("W1"), ...heads.map((h) => `W3 ${h}`), "W3 growth", ...singles("W3")], scaleLibs.map(scaleRow)));
  out.push("");
  out.push(`Machine: Node ${machine.node}, ${machine.cpu}, ${machine.memory}, ${machine.os}; load average at start ${machine.loadAverage}. Run ${machine.date} by \`${machine.command}\` in ${machine.totalSeconds} s.`);
  return out.join("\n");
}
