import { describe, expect, it } from "vitest";
import type { OptimisticEvent } from "../../src/devtools";
import { describeEvent } from "../../src/devtools/describeEvent";

const base = { at: 0, store: "todos" };
const text = (event: OptimisticEvent) => describeEvent(event).text;

describe("describeEvent", () => {
  it("describes each phase of a mutation, with the fields of an update and the outcome of a failure", () => {
    const mutation = { ...base, type: "mutation", kind: "update", id: "t1", mutationId: "m1", change: 1 } as const;
    expect(text({ ...mutation, phase: "applied", data: { title: "A", done: true } })).toBe("update t1 applied (title, done)");
    expect(text({ ...mutation, phase: "succeeded", data: { id: "t1", title: "A" } })).toBe("update t1 succeeded");
    expect(text({ ...mutation, phase: "failed", error: "Server down", kept: false })).toBe("update t1 failed: Server down (rolled back)");
    expect(text({ ...mutation, phase: "failed", error: "Server down", kept: true })).toBe("update t1 failed: Server down (kept, retry or discard)");
    expect(text({ ...mutation, phase: "retried" })).toBe("update t1 retried");
    expect(text({ ...mutation, kind: "remove", phase: "discarded" })).toBe("remove t1 discarded");
  });

  it("names the server id a create got, and matches both ids", () => {
    const summary = describeEvent({ ...base, type: "mutation", kind: "create", phase: "succeeded", id: "temp-1", mutationId: "m1", change: 1, data: { id: "srv-1", title: "A" } });
    expect(summary.text).toBe("create temp-1 → srv-1 succeeded");
    expect(summary.ids).toEqual(["temp-1", "srv-1"]);
    expect(summary.data).toBe('title: "A"');
  });

  it("counts a server list and keeps none of its items", () => {
    const items = Array.from({ length: 1000 }, (_, i) => ({ id: `t${i}` }));
    const summary = describeEvent({ ...base, type: "server-list", source: "fetch", items, added: 2, changed: 1, removed: 0, keptPending: 1, kept: ["t3"] });
    expect(summary).toEqual({ at: 0, type: "server-list", detail: "fetch", ids: ["t3"], text: "server list: +2 ~1 -0, 1 kept pending", data: "1000 items; kept against it: t3" });
    expect(text({ ...base, type: "server-list", source: "cache", items: [], added: 0, changed: 0, removed: 1, keptPending: 0, kept: [] })).toBe("list from the cache: +0 ~0 -1");
  });

  it("marks a realtime echo, and describes the store's own writes and a snapshot", () => {
    expect(text({ ...base, type: "realtime", action: "UPDATE", id: "t3", data: { id: "t3" }, echo: true })).toBe("realtime UPDATE t3 (echo)");
    expect(text({ ...base, type: "realtime", action: "DELETE", id: "t4", data: { id: "t4" }, echo: false })).toBe("realtime DELETE t4");
    expect(text({ ...base, type: "confirmed", op: "upsert", id: "t1", data: { id: "t1", title: "A" } })).toBe("store upsert t1");
    expect(text({ ...base, type: "confirmed", op: "clear" })).toBe("store clear");
    expect(text({ ...base, type: "confirmed", op: "restore", items: [{ id: "a" }] })).toBe("store restore (1 item)");
    expect(text({ ...base, type: "snapshot", state: {} })).toBe("snapshot");
  });
});
