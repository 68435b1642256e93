/**
 * Confirmed changes written back to the query cache: when, what (the server's own items), and with
 * two managers of one key.
 */
import { environmentManager, QueryObserver } from "@tanstack/query-core";
import { runInAction } from "mobx";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createDefaultTransformer, createOptimisticStoreManager, type DataTransformer } from "../../src";
import type { TestServer } from "../__fixtures__";
import { recordEvents } from "../../src/devtools";
import { createManualApi } from "../__fixtures__/manualApi";
import { makeTodos, type Todo } from "../__fixtures__/mockData";
import {
  cleanup,
  countRequests,
  createMockSocket,
  createTestQueryClient,
  expectReplays,
  loaded,
  nextMacrotask,
  onCleanup,
  setupManager,
  startServer,
  titles,
} from "../__fixtures__/testHelpers";

environmentManager.setIsServer(() => false);
afterEach(async () => {
  vi.useRealTimers();
  await cleanup();
});

const rows = (...keys: string[]): Todo[] => keys.map((id) => ({ id, title: id.toUpperCase() }));
const ids = (list: readonly { id: string }[]) => list.map((entity) => entity.id);
const cachedTitles = (client: ReturnType<typeof createTestQueryClient>, key = "items") =>
  (client.getQueryData<Todo[]>([key]) ?? []).map((row) => row.title);

/** Resolves once the server has answered (the test's own request goes after any earlier one). */
async function roundTrip(server: TestServer<Todo>): Promise<void> {
  await fetch(`${server.url}/ping`);
}

describe("write-back to the query cache", () => {
  it("lets another observer of the key see confirmed changes without a refetch", async () => {
    const { manager, server, client, api } = await setupManager({ seed: makeTodos() });
    await loaded(manager, 3);
    const created = await manager.actions.create({ title: "D" });
    await manager.actions.update({ id: "a", data: { title: "A2" } });
    await manager.actions.remove("b");

    const observer = new QueryObserver(client, { queryKey: ["items"], queryFn: api.queryFn, staleTime: Infinity });
    const unsubscribe = observer.subscribe(() => undefined);

    expect(observer.getCurrentResult().data).toEqual(server.rows());
    expect(observer.getCurrentResult().data?.map((row) => row.id)).toEqual(["a", "c", created.id]);
    expect(countRequests(server, "GET", "/items")).toBe(1);
    unsubscribe();
  });

  it("lets a manager created later see confirmed changes without a refetch", async () => {
    const { manager, server, client } = await setupManager({ seed: makeTodos() });
    await loaded(manager, 3);
    await manager.actions.create({ title: "D" });
    await manager.actions.update({ id: "c", data: { title: "C2" } });

    const { manager: later } = await setupManager({ server, client });

    expect(later.store.list.slice()).toEqual(manager.store.list.slice());
    expect(titles(later.store)).toEqual(["A", "B", "C2", "D"]);
    await roundTrip(server);
    expect(countRequests(server, "GET", "/items")).toBe(1);
  });

  it("writes back coalesced after the macrotask, keeping the query's dataUpdatedAt", async () => {
    const { manager, client } = await setupManager({ seed: makeTodos() });
    await loaded(manager, 3);
    const query = client.getQueryCache().find({ queryKey: ["items"], exact: true })!;
    const updatedAt = query.state.dataUpdatedAt;

    await manager.actions.update({ id: "a", data: { title: "A2" } });
    manager.store.upsert({ id: "z", title: "Z" });

    await vi.waitFor(() => expect((client.getQueryData(["items"]) as Todo[]).map((row) => row.title)).toEqual(["A2", "B", "C", "Z"]));
    expect(query.state.dataUpdatedAt).toBe(updatedAt);
    expect(titles(manager.store)).toEqual(["A2", "B", "C", "Z"]);
  });

  it("writes back on disable()", async () => {
    const { manager, client } = await setupManager({ seed: makeTodos() });
    await loaded(manager, 3);
    manager.store.remove("a");

    manager.disable();

    expect((client.getQueryData(["items"]) as Todo[]).map((row) => row.id)).toEqual(["b", "c"]);
  });

  it("writes back store.clear() as an empty list", async () => {
    const { manager, client } = await setupManager({ seed: makeTodos() });
    await loaded(manager, 3);

    manager.store.clear();
    await vi.waitFor(() => expect(client.getQueryData(["items"])).toEqual([]));
    expect(manager.store.count).toBe(0);
  });

  it.each([300_000, Infinity])("fetches at the enable() after a sign-out's store.clear() with staleTime %s", async (staleTime) => {
    const { manager, server } = await setupManager({ seed: makeTodos(), config: { staleTime } });
    await loaded(manager, 3);
    manager.disable();
    manager.store.clear();

    manager.enable();
    await loaded(manager, 3);
    expect(countRequests(server, "GET", "/items")).toBe(2);
  });

  it("keeps confirmed entities hidden by a pending remove in the written-back data", async () => {
    const { manager, server, client } = await setupManager({ seed: makeTodos() });
    await loaded(manager, 3);
    const gate = server.hold({ method: "DELETE" });
    const remove = manager.actions.remove("b");
    await gate.arrived;
    manager.store.upsert({ id: "z", title: "Z" });

    manager.disable();
    expect((client.getQueryData(["items"]) as Todo[]).map((row) => row.id).sort()).toEqual(["a", "b", "c", "z"]);

    await gate.release();
    await remove;
  });
});

describe("two managers with the same name on one QueryClient", () => {
  function twoManagers() {
    const api = createManualApi();
    const client = createTestQueryClient();
    const make = () => {
      const manager = createOptimisticStoreManager<Todo>({ name: "shared", ...api, transformer: false }, client);
      onCleanup(() => manager.destroy());
      return manager;
    };
    return { api, client, one: make(), two: make() };
  }

  it("keeps both managers' update answers when they land before either is written back", async () => {
    const { api, client, one, two } = twoManagers();
    (await api.next("query")).resolve(makeTodos());
    await vi.waitFor(() => expect(two.store.count).toBe(3));

    const first = one.actions.update({ id: "a", data: { title: "A by one" } });
    const second = two.actions.update({ id: "b", data: { title: "B by two" } });
    const [answerOne, answerTwo] = [await api.next("update"), await api.next("update")];
    answerOne.resolve({ id: "a", title: "A by one", done: false });
    answerTwo.resolve({ id: "b", title: "B by two", done: false });
    await Promise.all([first, second]);
    await nextMacrotask();

    for (const manager of [one, two]) expect(titles(manager.store)).toEqual(["A by one", "B by two", "C"]);
    expect(cachedTitles(client, "shared")).toEqual(["A by one", "B by two", "C"]);
  });

  it("keeps an entity created through one while the other writes back", async () => {
    const { api, client, one, two } = twoManagers();
    (await api.next("query")).resolve(makeTodos());
    await vi.waitFor(() => expect(two.store.count).toBe(3));

    const creating = one.actions.create({ title: "New" });
    const updating = two.actions.update({ id: "b", data: { title: "B2" } });
    const [answerCreate, answerUpdate] = [await api.next("create"), await api.next("update")];
    answerCreate.resolve({ id: "s1", title: "New", done: false });
    answerUpdate.resolve({ id: "b", title: "B2", done: false });
    await Promise.all([creating, updating]);
    await nextMacrotask();

    for (const manager of [one, two]) expect(manager.store.list.map((todo) => todo.id)).toEqual(["a", "b", "c", "s1"]);
    expect(cachedTitles(client, "shared")).toEqual(["A", "B2", "C", "New"]);
  });

  it("writes an answer that lands during a refetch once, not back and forth between the two (each keeps it against the fetch)", async () => {
    const { api, client, one, two } = twoManagers();
    (await api.next("query")).resolve(makeTodos());
    await vi.waitFor(() => expect(two.store.count).toBe(3));
    const updating = one.actions.update({ id: "a", data: { title: "A2" } });
    const answer = await api.next("update");
    void one.actions.refetch();
    const refetch = await api.next("query");
    let writes = 0;
    const stop = client.getQueryCache().subscribe((event) => event.type === "updated" && writes++);
    answer.resolve({ id: "a", title: "A2", done: false });
    await updating;
    await nextMacrotask();
    stop();
    expect(writes).toBe(1);
    refetch.resolve([{ id: "a", title: "A", done: false }, ...makeTodos().slice(1)]);
    await vi.waitFor(() => expect(one.status.isSyncing).toBe(false));
    for (const manager of [one, two]) expect(titles(manager.store)).toEqual(["A2", "B", "C"]);
    expect(cachedTitles(client, "shared")).toEqual(["A2", "B", "C"]);
  });
});

describe("the query cache", () => {
  it("holds the server's latest item when the transformer drops fields the store does not keep", async () => {
    type ApiTodo = Todo & { assignee: string };
    const dropAssignee: DataTransformer<ApiTodo, Todo> = {
      toUi: ({ assignee: _assignee, ...todo }) => todo,
      toApi: (todo) => ({ ...todo, assignee: "" }),
    };
    const server = await startServer({ seed: [{ id: "a", title: "A", assignee: "alice" }] });
    const { manager, client } = await setupManager({ server, config: { transformer: dropAssignee as unknown as DataTransformer<Todo, Todo> } });
    await loaded(manager, 1);
    server.serverUpdate("a", { assignee: "bob" });
    await manager.actions.refetch();

    await manager.actions.create({ title: "B" }); // written back with the new entity

    await nextMacrotask();
    expect(client.getQueryData<ApiTodo[]>(["items"])?.map((row) => row.assignee)).toEqual(["bob", undefined]);
  });

  it("holds a date as the server last wrote it, from a refetch or an answer, though the Date is equal", async () => {
    const server = await startServer({ seed: [{ id: "a", title: "A", createdAt: "2024-01-01T00:00:00Z" }] });
    const { manager, client } = await setupManager({ server, config: { transformer: createDefaultTransformer() } });
    await loaded(manager, 1);
    const createdAt = () => client.getQueryData<Todo[]>(["items"])?.find((row) => row.id === "a")?.createdAt;

    server.serverUpdate("a", { createdAt: "2024-01-01T00:00:00.000Z" });
    await manager.actions.refetch();
    await manager.actions.create({ title: "B" });
    await nextMacrotask();
    expect(createdAt()).toBe("2024-01-01T00:00:00.000Z");

    server.serverUpdate("a", { createdAt: "2024-01-01T00:00:00.000+00:00" });
    await manager.actions.update({ id: "a", data: { title: "A2" } });
    await nextMacrotask();
    expect(createdAt()).toBe("2024-01-01T00:00:00.000+00:00");
  });

  it("holds a change in its item's slot when a custom transformer gives entities other ids than their items", async () => {
    const renaming: DataTransformer<Todo, Todo> = {
      toUi: ({ id, ...todo }) => ({ ...todo, id: `ui-${id}` }),
      toApi: ({ id, ...todo }) => ({ ...todo, id: id.replace(/^ui-/, "") }),
    };
    const { manager, client } = await setupManager({ seed: makeTodos(), config: { transformer: renaming } });
    await loaded(manager, 3);

    runInAction(() => manager.store.upsert({ id: "ui-b", title: "B2" }));
    runInAction(() => manager.store.remove("ui-a"));

    expect(client.getQueryData<Todo[]>(["items"])?.map((row) => [row.id, row.title])).toEqual([
      ["b", "B2"],
      ["c", "C"],
    ]);
  });

  it("lets a manager created after destroy() see a create that was in flight at destroy()", async () => {
    const server = await startServer({ seed: makeTodos() });
    const client = createTestQueryClient();
    const { manager } = await setupManager({ server, client });
    await loaded(manager, 3);
    const gate = server.hold({ method: "POST" });
    const creating = manager.actions.create({ title: "D" });
    await gate.arrived;

    manager.destroy();
    const next = (await setupManager({ server, client })).manager;
    await loaded(next, 3);
    await gate.release();
    await creating;

    await vi.waitFor(() => expect(titles(next.store)).toEqual(["A", "B", "C", "D"]));
    expect(countRequests(server, "GET", "/items")).toBe(1);
  });
});

describe("when the query cache is current", () => {
  it("right after a store write outside an action, and once at the end of an action that made several", async () => {
    const { manager, client } = await setupManager({ seed: makeTodos() });
    await loaded(manager, 3);
    const writes = vi.fn();
    const unsubscribe = client.getQueryCache().subscribe((event) => event.type === "updated" && event.action.type === "success" && writes());

    manager.store.upsert({ id: "d", title: "D" });
    expect(cachedTitles(client)).toEqual(["A", "B", "C", "D"]);

    runInAction(() => {
      manager.store.upsert({ id: "e", title: "E" });
      manager.store.remove("a");
    });
    expect(cachedTitles(client)).toEqual(["B", "C", "D", "E"]);
    await nextMacrotask();
    expect(writes).toHaveBeenCalledTimes(1); // subscribers are told once per macrotask
    unsubscribe();
  });

  it("when an action's promise resolves", async () => {
    const { manager, client } = await setupManager({ seed: makeTodos() });
    await loaded(manager, 3);

    const created = await manager.actions.create({ title: "D" });
    expect(client.getQueryData<Todo[]>(["items"])?.map((row) => row.id)).toEqual(["a", "b", "c", created.id]);
    await manager.actions.update({ id: "a", data: { title: "A2" } });
    expect(cachedTitles(client)).toEqual(["A2", "B", "C", "D"]);
    await manager.actions.remove("b");
    expect(cachedTitles(client)).toEqual(["A2", "C", "D"]);
  });

  it("gives another observer of the key a new list for each change, never one changed under it", async () => {
    const { manager, client, api } = await setupManager({ seed: makeTodos() });
    await loaded(manager, 3);
    const observer = new QueryObserver<Todo[]>(client, { queryKey: ["items"], queryFn: api.queryFn, staleTime: Infinity });
    const seen: Todo[][] = [];
    const unsubscribe = observer.subscribe((result) => result.data && seen.push(result.data));

    manager.store.upsert({ id: "a", title: "A2" });
    manager.store.remove("b");

    // Each list it was given still reads as it did: nothing was patched in place under it.
    expect(seen.map((list) => list.map((row) => row.title))).toEqual([
      ["A", "B", "C"],
      ["A2", "B", "C"],
      ["A2", "C"],
    ]);
    unsubscribe();
  });

  it("tells nobody of a change patched in place when only managers listen to the cache, and the cache still reads it", async () => {
    const { manager, client } = await setupManager({ seed: makeTodos() });
    await loaded(manager, 3);
    const query = client.getQueryCache().find({ queryKey: ["items"], exact: true })!;
    const state = query.state;

    manager.store.upsert({ id: "a", title: "A2" });
    await nextMacrotask();

    expect(cachedTitles(client)).toEqual(["A2", "B", "C"]);
    // No setQueryData: the query's state (and its observer's result) was not rebuilt.
    expect(query.state).toBe(state);

    // A subscriber that comes later hears of the next change.
    const writes = vi.fn();
    const unsubscribe = client.getQueryCache().subscribe((event) => event.type === "updated" && event.action.type === "success" && writes());
    manager.store.upsert({ id: "b", title: "B2" });
    await nextMacrotask();
    expect(writes).toHaveBeenCalledTimes(1);
    expect(cachedTitles(client)).toEqual(["A2", "B2", "C"]);
    unsubscribe();
  });

  it("after a realtime burst applied in one action, written once", async () => {
    const { manager, client } = await setupManager({ seed: makeTodos(), config: { realtime: { eventType: "items_update" } } });
    await loaded(manager, 3);
    const socket = createMockSocket();
    manager.realtime!.connect(socket);
    const writes = vi.fn();
    const unsubscribe = client.getQueryCache().subscribe((event) => event.type === "updated" && event.action.type === "success" && writes());

    for (const id of ["a", "b", "c"]) socket.emit("items_update", { type: "items_update", event: "UPDATE", data: { id, title: `${id}!` } });
    await nextMacrotask();

    expect(cachedTitles(client)).toEqual(["a!", "b!", "c!"]);
    expect(writes.mock.calls.length).toBeLessThanOrEqual(2); // the first event alone, then the rest of the burst
    unsubscribe();
  });
});

describe("store.reconcile() on a manager's store", () => {
  /** A manager of the manual API, loaded with `rows`. */
  async function manual(rows: Todo[]) {
    const api = createManualApi();
    const client = createTestQueryClient();
    const manager = createOptimisticStoreManager<Todo>({ name: "todos", ...api, transformer: false }, client);
    onCleanup(() => manager.destroy());
    (await api.next("query")).resolve(rows);
    await vi.waitFor(() => expect(manager.store.count).toBe(rows.length));
    return { api, client, manager };
  }

  it("is written back to the cache, as the other store methods are, and a manager created later shows it", async () => {
    const { client, manager } = await manual([{ id: "a", title: "A" }, { id: "b", title: "B" }]);
    manager.store.reconcile([{ id: "b", title: "B2" }, { id: "c", title: "C" }]);
    expect(titles(manager.store)).toEqual(["B2", "C"]);
    await nextMacrotask();
    expect(client.getQueryData<Todo[]>(["todos"])).toEqual([{ id: "b", title: "B2" }, { id: "c", title: "C" }]);
    const api2 = createManualApi();
    const later = createOptimisticStoreManager<Todo>({ name: "todos", ...api2, transformer: false }, client);
    onCleanup(() => later.destroy());
    expect(titles(later.store)).toEqual(["B2", "C"]);
  });

  it("is not undone by a fetch in flight when it ran (that fetch is older)", async () => {
    const { api, manager } = await manual([{ id: "a", title: "A" }]);
    const refetching = manager.actions.refetch();
    const fetch = await api.next("query");
    manager.store.reconcile([{ id: "a", title: "A3" }]);
    fetch.resolve([{ id: "a", title: "A2" }, { id: "b", title: "B" }]); // read before the reconcile
    await refetching;
    expect(manager.store.get("a")?.title).toBe("A3");
  });

  it("gives the cached list its order, so getQueryData and a manager created later show list's order", async () => {
    const { client, manager } = await manual(rows("a", "b", "c"));
    manager.store.reconcile(rows("c", "a", "x", "b"));
    expect(ids(manager.store.list)).toEqual(["c", "a", "x", "b"]);
    await nextMacrotask();
    expect(ids(client.getQueryData<Todo[]>(["todos"]) ?? [])).toEqual(["c", "a", "x", "b"]);
    const later = createOptimisticStoreManager<Todo>({ name: "todos", ...createManualApi(), transformer: false }, client);
    onCleanup(() => later.destroy());
    expect(ids(later.store.list)).toEqual(["c", "a", "x", "b"]);
  });

  it("is followed by the server's order at the next refetch, also when the server's list did not change", async () => {
    const { api, client, manager } = await manual(rows("a", "b", "c"));
    const recording = recordEvents(manager);
    manager.store.reconcile(rows("c", "b", "a"));
    expect(ids(manager.store.list)).toEqual(["c", "b", "a"]);
    const refetching = manager.actions.refetch();
    (await api.next("query")).resolve(rows("a", "b", "c"));
    await refetching;
    expect(ids(manager.store.list)).toEqual(["a", "b", "c"]);
    expect(ids(client.getQueryData<Todo[]>(["todos"]) ?? [])).toEqual(["a", "b", "c"]);
    expectReplays(manager, recording.events);
  });

  it("leaves in the cache exactly the reconciled list also when a rollback runs in the same action after it, for getQueryData and another observer of the key", async () => {
    const api = createManualApi();
    const client = createTestQueryClient();
    const onError = vi.fn();
    const manager = createOptimisticStoreManager<Todo>({ name: "todos", ...api, transformer: false, onError }, client);
    onCleanup(() => manager.destroy());
    // The fetched list holds an item the store cannot show (no id): only the cache has it.
    (await api.next("query")).resolve([...rows("a", "b"), { title: "no id" }]);
    await vi.waitFor(() => expect(manager.store.count).toBe(2));
    expect(onError).toHaveBeenCalledTimes(1);

    runInAction(() => {
      manager.store.reconcile(rows("b", "c"));
      // An edit tried on the reconciled list and undone, in the same action.
      manager.store.pushSnapshot();
      manager.store.upsert({ id: "draft", title: "Draft" });
      manager.store.rollback();
    });
    expect(ids(manager.store.list)).toEqual(["b", "c"]);
    await nextMacrotask();
    expect(client.getQueryData<Todo[]>(["todos"])).toEqual(rows("b", "c"));
    const observer = new QueryObserver<Todo[]>(client, { queryKey: ["todos"], queryFn: api.queryFn, staleTime: Infinity });
    onCleanup(observer.subscribe(() => undefined));
    expect(observer.getCurrentResult().data).toEqual(rows("b", "c"));
  });
});

describe("store.rollback() on a manager's store", () => {
  it("writes the snapshot's order to the cache, and the next fetch puts list in the server's order, also one equal to the cache before the rollback", async () => {
    const api = createManualApi();
    const client = createTestQueryClient();
    const manager = createOptimisticStoreManager<Todo>({ name: "todos", ...api, transformer: false }, client);
    onCleanup(() => manager.destroy());
    const recording = recordEvents(manager);
    (await api.next("query")).resolve(rows("a", "b"));
    await vi.waitFor(() => expect(manager.store.count).toBe(2));

    manager.store.pushSnapshot();
    const first = manager.actions.refetch();
    (await api.next("query")).resolve(rows("b", "a", "x")); // the server reordered, and has x
    await first;
    expect(ids(manager.store.list)).toEqual(["b", "a", "x"]);

    manager.store.rollback();
    expect(ids(manager.store.list)).toEqual(["a", "b"]);
    expect(ids(client.getQueryData<Todo[]>(["todos"]) ?? [])).toEqual(["a", "b"]);

    const second = manager.actions.refetch();
    (await api.next("query")).resolve(rows("b", "a"));
    await second;
    expect(ids(manager.store.list)).toEqual(["b", "a"]);
    expect(ids(client.getQueryData<Todo[]>(["todos"]) ?? [])).toEqual(["b", "a"]);
    // The event log replays to the same list (its replay rebuilds on every server list).
    expectReplays(manager, recording.events);
  });
});
