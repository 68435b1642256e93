/**
 * Recording a store's events and replaying them: against the real test server and socket.io, read
 * back from JSON, the replayed store equals the recorded one after every event. (The model-based
 * test in tests/core/model.test.ts checks the same for random scenarios.)
 */
import { environmentManager } from "@tanstack/query-core";
import { afterEach, describe, expect, it } from "vitest";
import { createOptimisticStoreManager, OptimisticError, OptimisticLifecycleError, OptimisticStore, type OptimisticEvent, type OptimisticStoreConfig } from "../../src";
import { recordEvents, replayEvents } from "../../src/devtools";
import { connectClient, createTestApi, drainSocket } from "../__fixtures__";
import type { Todo } from "../__fixtures__/mockData";
import { cleanup, createTestQueryClient, loaded, onCleanup, startServer } from "../__fixtures__/testHelpers";

environmentManager.setIsServer(() => false);
afterEach(cleanup);

type Shown = Array<Record<string, unknown>>;

/** A manager with the default transformer (dates become `Date`s) and realtime, logging what it showed after each event. */
async function setup(config: Partial<OptimisticStoreConfig<Todo, Todo>> = {}) {
  const server = await startServer({
    seed: [
      { id: "1", title: "one", createdAt: "2026-01-01T00:00:00.000Z" },
      { id: "2", title: "two", createdAt: "2026-01-02T00:00:00.000Z" },
    ],
  });
  const api = createTestApi<Todo>(server);
  const events: OptimisticEvent[] = [];
  const shown: Shown[] = [];
  const manager = createOptimisticStoreManager<Todo, Todo>(
    {
      name: "todos",
      queryFn: api.queryFn,
      mutations: api.mutations,
      realtime: { eventType: server.eventType },
      onEvent: (event) => {
        events.push(event);
        shown.push(manager.store.list.map((todo) => ({ ...todo })));
      },
      ...config,
    },
    createTestQueryClient(),
  );
  onCleanup(() => manager.destroy());
  const socket = await connectClient(server);
  manager.realtime!.connect(socket);
  return { server, manager, events, shown, socket };
}


const viaJson = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const list = (store: OptimisticStore<Todo>) => store.list.map((todo) => ({ ...todo }));

/** Overlapping creates and updates, a failure, a refetch under pending changes, realtime events, temporary ids replaced. */
async function busyScenario(s: Awaited<ReturnType<typeof setup>>): Promise<void> {
  const { server, manager, socket } = s;
  await loaded(manager, 2);
  const createGate = server.hold({ method: "POST" });
  const create = manager.actions.create({ title: "three" });
  const tempId = manager.store.list[2]!.id;
  const onTemp = manager.actions.update({ id: tempId, data: { title: "three!" } });
  const updateGate = server.hold({ method: "PUT", path: "/items/1" });
  const update = manager.actions.update({ id: "1", data: { title: "uno" } });
  server.intercept({ method: "DELETE" }, { status: 500 });
  await expect(manager.actions.remove("2")).rejects.toThrow();
  server.serverInsert({ title: "from elsewhere", createdAt: "2026-01-03T00:00:00.000Z" });
  server.serverUpdate("2", { title: "deux" });
  await drainSocket(server, socket);
  await manager.actions.refetch(); // lands while the create and the update are in flight
  await createGate.release();
  await create;
  await onTemp;
  await updateGate.release();
  await update;
  await drainSocket(server, socket);
  await manager.actions.refetch();
}

describe("replayEvents", () => {
  it("rebuilds the store after every event of a busy session read back from JSON", async () => {
    const s = await setup();
    await busyScenario(s);
    const events = viaJson(s.events);
    // The session has every kind of event the replay must handle.
    const kinds = new Set(events.map((event) => (event.type === "mutation" ? `${event.kind} ${event.phase}` : event.type === "realtime" ? `realtime${event.echo ? " echo" : ""}` : event.type)));
    expect([...kinds].sort()).toEqual(
      expect.arrayContaining(["create applied", "create succeeded", "update applied", "update succeeded", "remove applied", "remove failed", "realtime", "realtime echo", "server-list"]),
    );
    expect(events.some((event) => event.type === "server-list" && event.keptPending > 0)).toBe(true);
    for (let n = 1; n <= events.length; n++) {
      expect(list(replayEvents<Todo>(events.slice(0, n))), `after event ${n}: ${JSON.stringify(events[n - 1])}`).toEqual(s.shown[n - 1]);
    }
    const replayed = replayEvents<Todo>(events);
    expect(replayed.get("1")?.createdAt).toBeInstanceOf(Date);
    expect(list(replayed)).toEqual(list(s.manager.store));
  });

  it("replays kept failed changes and their retry", async () => {
    const s = await setup({ keepFailed: true });
    await loaded(s.manager, 2);
    s.server.intercept({ method: "PUT" }, { status: 500 });
    await expect(s.manager.actions.update({ id: "1", data: { title: "uno" } })).rejects.toThrow();
    const failed = replayEvents<Todo>(viaJson(s.events));
    expect(failed.get("1")?.title).toBe("uno");
    expect(failed.writeStatus("1")).toMatchObject({ failed: true, pending: [], fields: ["title"] });
    await s.manager.store.writeStatus("1")!.retry();
    const retried = replayEvents<Todo>(viaJson(s.events));
    expect(retried.writeStatus("1")).toBeUndefined();
    expect(list(retried)).toEqual(list(s.manager.store));
  });

  it("replays fields set to undefined and bigint values exactly from a recording read back from JSON", async () => {
    const s = await setup();
    await loaded(s.manager, 2);
    s.manager.store.upsert({ id: "9", title: "nine", views: 2n ** 64n, note: undefined, tags: ["a", undefined] });
    const recording = recordEvents(s.manager);
    const gate = s.server.hold({ method: "PUT" });
    const update = s.manager.actions.update({ id: "1", data: { createdAt: undefined } });
    s.manager.store.update("9", { views: -1n });
    const json = JSON.stringify(recording.events);
    expect(json).toContain('{"$bigint":"-1"}');
    expect(list(replayEvents<Todo>(JSON.parse(json) as OptimisticEvent[]))).toStrictEqual(list(s.manager.store));
    expect(s.manager.store.get("1")).toHaveProperty("createdAt", undefined);
    await gate.release();
    await update;
    recording.stop();
    // onEvent's own events, from the manager's creation on, replay the same way.
    for (const events of [recording.events, s.events]) {
      expect(list(replayEvents<Todo>(JSON.parse(JSON.stringify(events)) as OptimisticEvent[]))).toStrictEqual(list(s.manager.store));
    }
  });

  it("replays NaN, Infinity, -Infinity and -0 fields exactly from a recording read back from JSON", async () => {
    const s = await setup();
    await loaded(s.manager, 2);
    s.manager.store.upsert({ id: "9", title: "nine", n: Number.NaN, values: [Number.POSITIVE_INFINITY, 1], zero: -0 });
    const recording = recordEvents(s.manager);
    const gate = s.server.hold({ method: "PUT" });
    const update = s.manager.actions.update({ id: "1", data: { min: Number.NEGATIVE_INFINITY } });
    s.manager.store.update("9", { max: Number.POSITIVE_INFINITY });
    const json = JSON.stringify(recording.events);
    expect(json).toContain('{"$number":"-Infinity"}');
    expect(list(replayEvents<Todo>(JSON.parse(json) as OptimisticEvent[]))).toStrictEqual(list(s.manager.store));
    await gate.release();
    await update;
    recording.stop();
    // onEvent's own events, from the manager's creation on, replay the same way.
    for (const events of [recording.events, s.events]) {
      const replayed = replayEvents<Todo>(JSON.parse(JSON.stringify(events)) as OptimisticEvent[]);
      expect(replayed.get("9")).toStrictEqual({ id: "9", title: "nine", n: Number.NaN, values: [Number.POSITIVE_INFINITY, 1], zero: -0, max: Number.POSITIVE_INFINITY });
      expect(Object.is(replayed.get("9")?.zero, -0)).toBe(true);
      expect(list(replayed)).toStrictEqual(list(s.manager.store));
    }
  });

  it("replays data of the app's own shaped like the log's marks ({ $date }, { $bigint }, { $number }, { $undefined }, { $object }) as that data", async () => {
    const s = await setup();
    await loaded(s.manager, 2);
    const recording = recordEvents(s.manager);
    const data = { mongo: { $date: "2026-01-01T00:00:00.000Z" }, n: { $bigint: "5" }, query: { $undefined: true }, infinite: { $number: "Infinity" }, wrapped: { $object: 5 }, nested: [{ $date: 1 }] };
    s.manager.store.upsert({ id: "m", title: "M", ...data });
    await s.manager.actions.update({ id: "1", data: { filter: { $date: "x" } } });
    recording.stop();
    for (const events of [recording.events, s.events]) {
      const replayed = replayEvents<Todo>(JSON.parse(JSON.stringify(events)) as OptimisticEvent[]);
      expect(replayed.get("m")).toStrictEqual({ id: "m", title: "M", ...data });
      expect(replayed.get("1")).toHaveProperty("filter", { $date: "x" });
    }
  });

  it("replays a store.reconcile() made while a fetch is in flight to the reconciled entity, which the older fetched list then keeps", async () => {
    const s = await setup({ transformer: false });
    await loaded(s.manager, 2);
    const recording = recordEvents(s.manager);
    const from = s.events.length;
    const fetch = s.server.hold({ method: "GET" });
    const refetching = s.manager.actions.refetch();
    await fetch.arrived;
    s.manager.store.upsert({ id: "1", title: "upserted" });
    const rows = s.server.rows();
    s.manager.store.reconcile([{ ...rows[0]!, title: "reconciled" }, rows[1]!]);
    await fetch.release();
    await refetching;
    expect(s.manager.store.get("1")?.title).toBe("reconciled");
    // The app's list keeps nothing against it; the fetched (older) list keeps what was written since
    // the fetch started: every entity the app's list named, changed or not.
    const lists = s.events.slice(from).filter((event) => event.type === "server-list");
    expect(lists.map((event) => event.kept)).toEqual([[], ["1", "2"]]);
    const events = viaJson(s.events);
    for (let n = 1; n <= events.length; n++) {
      expect(list(replayEvents<Todo>(events.slice(0, n))), `after event ${n}: ${JSON.stringify(events[n - 1])}`).toEqual(s.shown[n - 1]);
    }
    expect(list(replayEvents<Todo>(viaJson(recording.events)))).toEqual(list(s.manager.store));
  });

  it("replays into a store given in the options", async () => {
    const s = await setup();
    await loaded(s.manager, 2);
    class TodoStore extends OptimisticStore<Todo> {
      get titles() {
        return this.list.map((todo) => todo.title);
      }
    }
    const store = replayEvents(viaJson(s.events), { store: new TodoStore() });
    expect(store).toBeInstanceOf(TodoStore);
    expect((store as TodoStore).titles).toEqual(["one", "two"]);
  });

  it("refuses what is not an event, and events of two stores", () => {
    expect(() => replayEvents([{ type: "nonsense" } as never])).toThrow(OptimisticError);
    expect(() => replayEvents([{ type: "confirmed", op: "clear", at: 1, store: "a" }, { type: "confirmed", op: "clear", at: 2, store: "b" }])).toThrow(/replay one store's events at a time/);
  });
});

describe("recordEvents", () => {
  it("starts with a snapshot of the store, so a recording started mid-session replays exactly", async () => {
    const s = await setup();
    await loaded(s.manager, 2);
    const gate = s.server.hold({ method: "PUT" });
    const update = s.manager.actions.update({ id: "1", data: { title: "uno" } });
    const create = s.manager.actions.create({ title: "three" });
    await create;
    const recording = recordEvents(s.manager);
    expect(recording.events[0]).toMatchObject({ type: "snapshot", store: "todos" });
    expect(list(replayEvents<Todo>(viaJson(recording.events)))).toEqual(list(s.manager.store));
    await gate.release();
    await update;
    await s.manager.actions.refetch();
    recording.stop();
    expect(list(replayEvents<Todo>(viaJson(recording.events)))).toEqual(list(s.manager.store));
  });

  it("replays a remove that fails after the recording started with the entity back at its place in the list", async () => {
    const s = await setup();
    await loaded(s.manager, 2);
    const removal = s.server.hold({ method: "DELETE" });
    const removing = s.manager.actions.remove("1");
    await removal.arrived;
    const shown: Shown[] = [list(s.manager.store)];
    const from = s.events.length;
    const recording = recordEvents(s.manager);
    const capped = recordEvents(s.manager, { limit: 2 });
    await removal.fail(500);
    await expect(removing).rejects.toThrow();
    s.server.serverInsert({ title: "three", createdAt: "2026-01-03T00:00:00.000Z" });
    await drainSocket(s.server, s.socket);
    await s.manager.actions.refetch();
    expect(list(s.manager.store).map((todo) => todo.id)).toEqual(["1", "2", "3"]);
    shown.push(...s.shown.slice(from));
    const events = viaJson(recording.events);
    expect(events.length).toBe(shown.length);
    for (let n = 1; n <= events.length; n++) {
      expect(list(replayEvents<Todo>(events.slice(0, n))), `after event ${n}: ${JSON.stringify(events[n - 1])}`).toEqual(shown[n - 1]);
    }
    // A capped recording folds the failed remove into its snapshot, in its place too.
    expect(list(replayEvents<Todo>(viaJson(capped.events)))).toEqual(list(s.manager.store));
  });

  it("keeps at most limit events, folding older ones into the starting snapshot, and still replays exactly", async () => {
    const s = await setup();
    const recording = recordEvents(s.manager, { limit: 5 });
    await busyScenario(s);
    expect(recording.events.length).toBeLessThanOrEqual(5);
    expect(recording.events[0]?.type).toBe("snapshot");
    expect(list(replayEvents<Todo>(viaJson(recording.events)))).toEqual(list(s.manager.store));
    const full = s.events.length;
    recording.stop();
    await s.manager.actions.update({ id: "1", data: { title: "after stop" } });
    expect(s.events.length).toBeGreaterThan(full);
    expect(recording.events.length).toBeLessThanOrEqual(5);
  });

  it("records a store whose data refers to itself, with \"[Circular]\" for each reference back, and reports it", async () => {
    const errors: Error[] = [];
    const s = await setup({ onError: (error) => errors.push(error) });
    await loaded(s.manager, 2);
    const tree: Record<string, unknown> = { name: "root" };
    tree.children = [{ name: "leaf", parent: tree }];
    s.manager.store.upsert({ id: "9", title: "nine", tree });
    const recording = recordEvents(s.manager);
    s.manager.store.update("9", { title: "NINE" });
    expect(s.manager.store.get("9")?.tree).toBe(tree);
    const replayed = replayEvents<Todo>(viaJson(recording.events));
    expect(list(replayed).map((todo) => todo.id)).toEqual(["1", "2", "9"]);
    expect(replayed.get("9")).toMatchObject({ title: "NINE", tree: { name: "root", children: [{ name: "leaf", parent: "[Circular]" }] } });
    // The snapshot, then the update (onEvent's own events were reported too: the upsert, the update).
    expect(errors.map((error) => error.message)).toEqual([
      'A confirmed event of "todos" holds data that refers to itself: "[Circular]" stands for each reference back in it.',
      'A snapshot event of "todos" holds data that refers to itself: "[Circular]" stands for each reference back in it.',
      'A confirmed event of "todos" holds data that refers to itself: "[Circular]" stands for each reference back in it.',
    ]);
  });

  it("refuses what is not a manager, and a limit below 1", async () => {
    expect(() => recordEvents({} as never)).toThrow(/needs a manager made by createOptimisticStoreManager/);
    const s = await setup();
    expect(() => recordEvents(s.manager, { limit: 0 })).toThrow(OptimisticError);
  });

  it("refuses a destroyed manager, whose recording could only stay empty, with the lifecycle error", async () => {
    const s = await setup();
    s.manager.destroy();
    expect(() => recordEvents(s.manager)).toThrow(OptimisticLifecycleError);
    expect(() => recordEvents(s.manager)).toThrow('recordEvents on "todos" after destroy()');
  });
});

describe("recordings made before retried events carried order", () => {
  // Recorded by the version before: a.title = "A1" refused and kept, a.title = "A2" in flight, then
  // retry() of the first. That version sent the retry in the change's old place: the store showed "A2".
  const events = [
    {"type": "snapshot", "at": 1796174463895, "store": "items", "state": {"version": 1, "tick": 0, "list": ["a", "b", "c"], "confirmed": [{"id": "a", "title": "A", "done": false}, {"id": "b", "title": "B", "done": false}, {"id": "c", "title": "C", "done": true}], "changes": [], "tracks": [], "deletions": []}},
    {"type": "mutation", "phase": "applied", "kind": "update", "id": "a", "mutationId": "271bca4f-ac01-436e-8efd-eb320763799e:1", "change": 1, "data": {"title": "A1"}, "at": 1796174463897, "store": "items"},
    {"type": "mutation", "phase": "failed", "kind": "update", "id": "a", "mutationId": "271bca4f-ac01-436e-8efd-eb320763799e:1", "change": 1, "error": "PUT /items/a failed: 500 refused", "kept": true, "at": 1796174463929, "store": "items"},
    {"type": "mutation", "phase": "applied", "kind": "update", "id": "a", "mutationId": "271bca4f-ac01-436e-8efd-eb320763799e:2", "change": 2, "data": {"title": "A2"}, "at": 1796174463937, "store": "items"},
    {"type": "mutation", "phase": "retried", "kind": "update", "id": "a", "mutationId": "271bca4f-ac01-436e-8efd-eb320763799e:3", "change": 1, "at": 1796174463941, "store": "items"},
  ];

  it("replay a retried change in its old place, to the store they recorded", () => {
    expect(replayEvents<Todo>(events as OptimisticEvent[]).list.slice()).toEqual([
      {"id": "a", "title": "A2", "done": false},
      {"id": "b", "title": "B", "done": false},
      {"id": "c", "title": "C", "done": true},
    ]);
  });
});
