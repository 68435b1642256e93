/**
 * The event log (`onEvent`) against the real test server and socket.io: one event per change,
 * sent once the change is visible, plain JSON-safe data.
 */
import { environmentManager } from "@tanstack/query-core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createOptimisticStoreManager, OptimisticConfigError, type OptimisticEvent, type OptimisticStoreConfig } from "../../src";
import { managerInternals } from "../../src/core/eventLog";
import { connectClient, createTestApi, drainSocket, type TestApi } from "../__fixtures__";
import type { Todo } from "../__fixtures__/mockData";
import { cleanup, createTestQueryClient, loaded, onCleanup, startServer } from "../__fixtures__/testHelpers";

environmentManager.setIsServer(() => false);
afterEach(cleanup);

/** A manager on a fresh server seeded with two todos, with realtime, recording its events. */
async function setup(config: Partial<OptimisticStoreConfig<Todo, Todo>> = {}) {
  const server = await startServer({ seed: [{ id: "1", title: "one" }, { id: "2", title: "two" }] });
  const api = createTestApi<Todo>(server);
  const events: OptimisticEvent[] = [];
  const errors: Error[] = [];
  const manager = createOptimisticStoreManager<Todo, Todo>(
    {
      name: "todos",
      queryFn: api.queryFn,
      mutations: api.mutations,
      transformer: false,
      realtime: { eventType: server.eventType },
      onEvent: (event) => events.push(event),
      onError: (error) => errors.push(error),
      ...config,
    },
    createTestQueryClient(),
  );
  onCleanup(() => manager.destroy());
  await loaded(manager, 2);
  const socket = await connectClient(server);
  manager.realtime!.connect(socket);
  events.length = 0;
  return { server, manager, events, errors, socket };
}


/** The events without their timestamps, for exact comparison. */
const stripped = (events: OptimisticEvent[]) => events.map(({ at: _at, ...event }) => event);

describe("onEvent", () => {
  it("tells a successful create as applied (the optimistic entity), then succeeded (the server's entity)", async () => {
    const { manager, events } = await setup();
    const created = await manager.actions.create({ title: "three" });
    const mutations = events.filter((event) => event.type === "mutation");
    expect(stripped(mutations)).toEqual([
      { type: "mutation", store: "todos", phase: "applied", kind: "create", id: expect.stringMatching(/^temp-/), mutationId: expect.any(String), change: expect.any(Number), data: { id: expect.stringMatching(/^temp-/), title: "three" } },
      { type: "mutation", store: "todos", phase: "succeeded", kind: "create", id: mutations[0]!.type === "mutation" ? mutations[0]!.id : "", mutationId: expect.any(String), change: expect.any(Number), data: created },
    ]);
    expect(mutations[0]).toMatchObject({ change: (mutations[1] as { change: number }).change, mutationId: (mutations[1] as { mutationId: string }).mutationId });
    expect(events.every((event) => typeof event.at === "number" && event.at > 0)).toBe(true);
  });

  it("tells a failed update as applied (the patch), then failed (the error's message), and the rollback is visible by then", async () => {
    const { server, manager, events } = await setup();
    server.intercept({ method: "PUT" }, { status: 500 });
    const seen: string[] = [];
    events.length = 0;
    const update = manager.actions.update({ id: "1", data: { title: "uno" } });
    await expect(update).rejects.toThrow();
    for (const event of events) if (event.type === "mutation") seen.push(`${event.phase}`);
    expect(stripped(events)).toEqual([
      { type: "mutation", store: "todos", phase: "applied", kind: "update", id: "1", mutationId: expect.any(String), change: expect.any(Number), data: { title: "uno" } },
      { type: "mutation", store: "todos", phase: "failed", kind: "update", id: "1", mutationId: expect.any(String), change: expect.any(Number), error: expect.any(String), kept: false },
    ]);
    expect(manager.store.get("1")?.title).toBe("one");
  });

  it("is called synchronously once the change is visible", async () => {
    const seen: Array<string | undefined> = [];
    const { manager } = await setup({
      onEvent: (event) => {
        if (event.type === "mutation" && event.phase === "applied") seen.push(manager.store.get("1")?.title);
      },
    });
    const update = manager.actions.update({ id: "1", data: { title: "uno" } });
    expect(seen).toEqual(["uno"]);
    await update;
  });

  it("tells a refetch landing under a pending update as a server list with keptPending: 1", async () => {
    const { server, manager, events } = await setup();
    const gate = server.hold({ method: "PUT" });
    const update = manager.actions.update({ id: "1", data: { title: "uno" } });
    server.seed([{ id: "1", title: "one" }, { id: "2", title: "deux" }, { id: "3", title: "three" }]);
    await manager.actions.refetch();
    const lists = events.filter((event) => event.type === "server-list");
    expect(stripped(lists)).toEqual([
      {
        type: "server-list",
        store: "todos",
        source: "fetch",
        items: [{ id: "1", title: "one" }, { id: "2", title: "deux" }, { id: "3", title: "three" }],
        added: 1,
        changed: 1,
        removed: 0,
        keptPending: 1,
        kept: [],
      },
    ]);
    expect(manager.store.get("1")?.title).toBe("uno");
    await gate.release();
    await update;
  });

  it("tells store.reconcile() during a fetch as a server list that keeps nothing, and the fetch's older list as keeping what was written since it started", async () => {
    const { server, manager, events } = await setup();
    const fetch = server.hold({ method: "GET" });
    const refetching = manager.actions.refetch();
    await fetch.arrived;
    manager.store.upsert({ id: "1", title: "upserted" });
    manager.store.reconcile([{ id: "1", title: "reconciled" }, { id: "2", title: "two" }]);
    await fetch.release();
    await refetching;
    const lists = events.filter((event) => event.type === "server-list");
    expect(lists.map(({ items, changed, kept }) => ({ items, changed, kept }))).toEqual([
      { items: [{ id: "1", title: "reconciled" }, { id: "2", title: "two" }], changed: 1, kept: [] },
      { items: [{ id: "1", title: "one" }, { id: "2", title: "two" }], changed: 0, kept: ["1", "2"] },
    ]);
    expect(manager.store.get("1")?.title).toBe("reconciled");
  });

  it("tells another client's realtime event, and this client's own echo with echo: true", async () => {
    const { server, manager, events, socket } = await setup();
    server.serverUpdate("2", { title: "deux" });
    await drainSocket(server, socket);
    const gate = server.hold({ method: "PUT" }, { applyAt: "request" });
    const update = manager.actions.update({ id: "1", data: { title: "uno" } });
    await gate.arrived;
    await drainSocket(server, socket);
    const realtime = events.filter((event) => event.type === "realtime");
    expect(stripped(realtime)).toEqual([
      { type: "realtime", store: "todos", action: "UPDATE", id: "2", data: { id: "2", title: "deux" }, echo: false },
      { type: "realtime", store: "todos", action: "UPDATE", id: "1", data: { id: "1", title: "uno" }, echo: true, mutationId: expect.any(String), change: expect.any(Number) },
    ]);
    const applied = events.find((event) => event.type === "mutation" && event.phase === "applied");
    expect(realtime[1]).toMatchObject({ change: (applied as { change: number }).change });
    await gate.release();
    await update;
  });

  it("tells each event of a realtime burst on its own", async () => {
    const { server, events, socket } = await setup();
    server.emitBurst(5, (i) => ({ type: server.eventType, event: "INSERT", data: { id: `b${i}`, title: `burst ${i}` } }));
    await drainSocket(server, socket);
    expect(events.filter((event) => event.type === "realtime").map((event) => (event as { id: string }).id)).toEqual(["b0", "b1", "b2", "b3", "b4"]);
  });

  it("tells the store's own writes as confirmed events", async () => {
    const { manager, events } = await setup();
    manager.store.upsert({ id: "9", title: "nine" });
    manager.store.update("9", { title: "NINE" });
    manager.store.remove("9");
    manager.store.clear();
    expect(stripped(events)).toEqual([
      { type: "confirmed", store: "todos", op: "upsert", id: "9", data: { id: "9", title: "nine" } },
      { type: "confirmed", store: "todos", op: "upsert", id: "9", data: { id: "9", title: "NINE" } },
      { type: "confirmed", store: "todos", op: "remove", id: "9" },
      { type: "confirmed", store: "todos", op: "clear" },
    ]);
  });

  it("writes dates JSON-safe, so a recording read back from JSON keeps them", async () => {
    const { manager, events } = await setup({ transformer: undefined });
    manager.store.upsert({ id: "9", title: "nine", dueAt: new Date("2026-01-02T03:04:05.000Z") });
    expect(events.at(-1)).toMatchObject({ data: { dueAt: { $date: "2026-01-02T03:04:05.000Z" } } });
    expect(JSON.parse(JSON.stringify(events))).toEqual(events);
  });

  it("applies, sends and settles changes whose data refers to itself, writing \"[Circular]\" in their events and reporting it", async () => {
    const sent: unknown[] = [];
    // The app sends the server what JSON can hold (its API to the setup's server, made below).
    const to: { api?: TestApi<Todo> } = {};
    const s = await setup({
      mutations: {
        create: (data, receipt) => (sent.push(data), to.api!.mutations.create({ title: data.title }, receipt)),
        update: ({ id, data }, receipt) => (sent.push(data), to.api!.mutations.update({ id, data: { title: "uno" } }, receipt)),
        remove: (id, receipt) => to.api!.mutations.remove(id, receipt),
      },
    });
    const { events, errors, manager } = s;
    to.api = createTestApi<Todo>(s.server);
    const note: Record<string, unknown> = { title: "three" };
    note.self = note;
    const created = await manager.actions.create(note as Todo);
    const parent: Record<string, unknown> = { name: "parent", children: [] };
    (parent.children as unknown[]).push({ name: "child", parent });
    await manager.actions.update({ id: "1", data: { parent } });
    expect(sent).toEqual([note, { parent }]);
    expect(manager.store.get(created.id)).toMatchObject({ title: "three" });
    expect(manager.store.get("1")).toEqual({ id: "1", title: "uno" });
    expect(manager.status).toMatchObject({ createPending: false, updatePending: false, hasPendingMutations: false });
    const applied = events.filter((event) => event.type === "mutation" && event.phase === "applied");
    expect(applied.map((event) => (event as { data: unknown }).data)).toEqual([
      { id: expect.stringMatching(/^temp-/), title: "three", self: { title: "three", self: "[Circular]" } },
      { parent: { name: "parent", children: [{ name: "child", parent: "[Circular]" }] } },
    ]);
    expect(events.filter((event) => event.type === "mutation").map((event) => (event as { phase: string }).phase)).toEqual(["applied", "succeeded", "applied", "succeeded"]);
    expect(JSON.parse(JSON.stringify(events))).toEqual(events);
    expect(errors.map((error) => error.message)).toEqual([
      'A mutation event of "todos" holds data that refers to itself: "[Circular]" stands for each reference back in it.',
      'A mutation event of "todos" holds data that refers to itself: "[Circular]" stands for each reference back in it.',
    ]);
  });

  it("reports a throwing onEvent through onError and keeps working", async () => {
    const errors: Error[] = [];
    const { manager } = await setup({
      onEvent: () => {
        throw new Error("listener broke");
      },
      onError: (error) => errors.push(error),
    });
    await manager.actions.update({ id: "1", data: { title: "uno" } });
    expect(manager.store.get("1")?.title).toBe("uno");
    expect(errors.map((error) => error.message)).toContain("listener broke");
  });

  it("builds no events when nobody listens", async () => {
    const server = await startServer({ seed: [{ id: "1", title: "one" }] });
    const api = createTestApi<Todo>(server);
    const manager = createOptimisticStoreManager<Todo, Todo>({ name: "todos", queryFn: api.queryFn, mutations: api.mutations, transformer: false }, createTestQueryClient());
    onCleanup(() => manager.destroy());
    await loaded(manager, 1);
    expect(managerInternals.get(manager)?.ctx.layers.emit).toBeUndefined();
    const stop = managerInternals.get(manager)!.events.tap(vi.fn());
    expect(managerInternals.get(manager)?.ctx.layers.emit).toBeTypeOf("function");
    stop();
    expect(managerInternals.get(manager)?.ctx.layers.emit).toBeUndefined();
  });

  it("rejects an onEvent that is not a function", () => {
    expect(() =>
      createOptimisticStoreManager({ name: "todos", queryFn: async () => [], mutations: { create: vi.fn(), update: vi.fn(), remove: vi.fn() }, onEvent: "log" as never }),
    ).toThrow(OptimisticConfigError);
  });
});
