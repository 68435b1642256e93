/**
 * Persistence of a manager beyond the offline flow (offlineFlow.ts): bad stored data and failing
 * storages are reported once and never block the store, which loads from the server; a change sent
 * but unanswered when the page went away is sent again with its mutation id (and the demo server,
 * which records mutation ids, applies it once); restore and destroy in any order.
 */
import { environmentManager, onlineManager, QueryClient } from "@tanstack/query-core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createOptimisticStoreManager, OptimisticError, OptimisticLifecycleError, type OptimisticErrorInfo, type OptimisticStoreConfig } from "../../src";
import { createMemoryStorage, type PersistStorage } from "../../src/persist";
import { createFakeBackend, expectConsistent } from "../../src/testing";
import { startDemoServer } from "../examples/helpers";
import { makeTodos, type Todo } from "../__fixtures__/mockData";
import { expectJoinedCreate, persistedOnOneClient, readStored } from "../__fixtures__/offlineFlow";
import { connectClient } from "../__fixtures__/socketClient";
import { createTestApi } from "../__fixtures__/testApi";
import { cleanup, countRequests, createTestQueryClient, loaded, nextMacrotask, onCleanup, replaysAtCleanup, startServer, titles, waitForMs } from "../__fixtures__/testHelpers";

environmentManager.setIsServer(() => false);
afterEach(async () => {
  onlineManager.setOnline(true);
  await cleanup();
});

const key = "todos";

/** A manager of the test server's items persisted in `storage`; its reports are collected. */
async function persisted(storage: PersistStorage, config: Partial<OptimisticStoreConfig<Todo>> = {}) {
  const server = await startServer({ seed: makeTodos() });
  const api = createTestApi<Todo>(server);
  const reports: [Error, OptimisticErrorInfo][] = [];
  const manager = createOptimisticStoreManager<Todo>(
    { name: "items", queryFn: api.queryFn, mutations: api.mutations, transformer: false, persist: { storage, key }, onError: (error, info) => reports.push([error, info]), ...config },
    createTestQueryClient(),
  );
  onCleanup(() => manager.destroy());
  replaysAtCleanup(manager);
  return { server, manager, reports };
}

const stored = (value: unknown) => {
  const storage = createMemoryStorage();
  void storage.setItem(key, typeof value === "string" ? value : JSON.stringify(value));
  return storage;
};

/** The todos stored with `changes` on top, in a storage whose first read waits for `read()`. */
const gated = (changes: unknown[]) => {
  const storage = stored({ schemaVersion: 1, fetchedAt: 1, entities: makeTodos(), changes });
  let read!: () => void;
  const gate = new Promise<void>((resolve) => (read = resolve));
  const slow: PersistStorage = { ...storage, getItem: (name) => gate.then(() => storage.getItem(name)) };
  return { slow, read };
};

describe("bad stored data is reported once, and the store loads from the server", () => {
  it.each([
    ["corrupt JSON", "{ not json", /the stored value was ignored \(not JSON\)/],
    ["another schema version", { schemaVersion: 2, fetchedAt: 1, entities: [{ id: "x", title: "from v2" }], changes: [{ kind: "remove", id: "a", mutationId: "m1" }] }, /schemaVersion 2, not 1/],
    ["an entity that is not an object", { schemaVersion: 1, fetchedAt: 1, entities: [{ id: "x", title: "X" }, "x"], changes: [] }, /an entity that is not an object/],
    ["a malformed change", { schemaVersion: 1, fetchedAt: 1, entities: [], changes: [{ kind: "rename", id: "a", mutationId: "m1" }] }, /a malformed change/],
    ["an update whose base is not an object", { schemaVersion: 1, fetchedAt: 1, entities: [], changes: [{ kind: "update", id: "a", data: { title: "x" }, mutationId: "m1", base: "A" }] }, /a malformed change/],
    ["null", "null", /schemaVersion undefined/],
  ])("%s: neither shown nor sent, then replaced by the manager's state", async (_label, value, message) => {
    const storage = stored(value);
    const { server, manager, reports } = await persisted(storage);
    await manager.ready;
    expect(manager.store.count).toBe(0);
    await loaded(manager, 3);
    expect(titles(manager.store)).toEqual(["A", "B", "C"]);
    expect(server.requests.filter((request) => request.method !== "GET")).toEqual([]);
    expect(reports).toHaveLength(1);
    expect(reports[0]![0]).toBeInstanceOf(OptimisticError);
    expect(reports[0]![0].message).toMatch(message);
    expect(reports[0]![1]).toEqual({ name: "items", source: "persist" });
    await vi.waitFor(async () => expect((await readStored(storage, key))?.entities).toEqual(makeTodos()));
  });

  it("a storage whose getItem throws: reported once, never written (it could overwrite what it failed to read)", async () => {
    const setItem = vi.fn();
    const storage: PersistStorage = {
      getItem: () => {
        throw new Error("SecurityError: storage disabled");
      },
      setItem,
      removeItem: vi.fn(),
    };
    const { manager, reports } = await persisted(storage);
    await expect(manager.ready).resolves.toBeUndefined();
    await loaded(manager, 3);
    await manager.actions.update({ id: "a", data: { title: "A2" } });
    await waitForMs(250);
    expect(setItem).not.toHaveBeenCalled();
    expect(reports.map(([error, info]) => [error.message, info.source])).toEqual([
      [`persist "${key}": reading the storage failed, so the manager goes on without it: Error: SecurityError: storage disabled`, "persist"],
    ]);
  });

  it("a storage that rejects getItem (IndexedDB missing): the same", async () => {
    const storage: PersistStorage = { getItem: () => Promise.reject(new Error("no IndexedDB here")), setItem: vi.fn(), removeItem: vi.fn() };
    const { manager, reports } = await persisted(storage);
    await manager.ready;
    await loaded(manager, 3);
    expect(reports).toHaveLength(1);
  });

  it("a full storage (every setItem throws): reported once while it stays full, again once it failed after a success", async () => {
    const memory = createMemoryStorage();
    let full = true;
    const storage: PersistStorage = {
      getItem: (name) => memory.getItem(name),
      setItem: (name, value) => {
        if (full) throw new Error("QuotaExceededError: the quota has been exceeded");
        return memory.setItem(name, value);
      },
      removeItem: (name) => memory.removeItem(name),
    };
    const { manager, reports } = await persisted(storage);
    await manager.ready;
    await loaded(manager, 3);
    for (let i = 0; i < 5; i++) {
      await manager.actions.update({ id: "a", data: { title: `A${i}` } });
      await waitForMs(120);
    }
    expect(reports.map(([error]) => error.message)).toEqual([`persist "${key}": writing to the storage failed: QuotaExceededError: the quota has been exceeded`]);
    expect(titles(manager.store)).toEqual(["A4", "B", "C"]);
    full = false;
    await manager.actions.update({ id: "b", data: { title: "B2" } });
    await vi.waitFor(async () => expect((await readStored(memory, key))?.entities.map((todo) => todo.title)).toEqual(["A4", "B2", "C"]));
    full = true;
    await manager.actions.update({ id: "c", data: { title: "C2" } });
    await vi.waitFor(() => expect(reports).toHaveLength(2));
  });
});

describe("what is stored", () => {
  it("removes the key when there is nothing to keep (store.clear() at sign-out)", async () => {
    const storage = createMemoryStorage();
    const { manager } = await persisted(storage);
    await manager.ready;
    await loaded(manager, 3);
    await vi.waitFor(async () => expect(await readStored(storage, key)).toMatchObject({ schemaVersion: 1, entities: makeTodos(), changes: [] }));
    manager.store.clear();
    await vi.waitFor(async () => expect(await storage.getItem(key)).toBeNull());
  });

  it("stores the API's shape through the transformer, and restores it as entities", async () => {
    const storage = createMemoryStorage();
    const server = await startServer({ seed: [{ id: "a", title: "A", dueAt: "2030-01-02T03:04:05.000Z" }] });
    const api = createTestApi<Todo>(server);
    const config = { name: "items", queryFn: api.queryFn, mutations: api.mutations, persist: { storage, key } };
    const first = createOptimisticStoreManager<Todo, Todo & { dueAt: Date }>(config, createTestQueryClient());
    onCleanup(() => first.destroy());
    await first.ready;
    await vi.waitFor(() => expect(first.store.get("a")?.dueAt).toBeInstanceOf(Date));
    await vi.waitFor(async () => expect((await readStored(storage, key))?.entities).toEqual([{ id: "a", title: "A", dueAt: "2030-01-02T03:04:05.000Z" }]));
    first.destroy();
    onlineManager.setOnline(false);
    const second = createOptimisticStoreManager<Todo, Todo & { dueAt: Date }>(config, createTestQueryClient());
    onCleanup(() => second.destroy());
    await second.ready;
    expect(second.store.get("a")?.dueAt).toEqual(new Date("2030-01-02T03:04:05.000Z"));
  });

  it("writes a burst of changes in a few coalesced writes, the last state last", async () => {
    const memory = createMemoryStorage();
    const setItem = vi.fn((name: string, value: string) => memory.setItem(name, value));
    const { manager } = await persisted({ getItem: (name) => memory.getItem(name), setItem, removeItem: (name) => memory.removeItem(name) });
    await manager.ready;
    await loaded(manager, 3);
    await vi.waitFor(() => expect(setItem).toHaveBeenCalled());
    setItem.mockClear();
    onlineManager.setOnline(false);
    for (let i = 0; i < 200; i++) void manager.actions.update({ id: "a", data: { title: `A${i}` } }).catch(() => undefined);
    await vi.waitFor(async () => expect((await readStored(memory, key))?.changes).toHaveLength(200));
    expect(setItem.mock.calls.length).toBeLessThanOrEqual(2);
  });
});

describe("restore and the manager's life", () => {
  it("ready resolves at once without persist", async () => {
    const server = await startServer({ seed: makeTodos() });
    const api = createTestApi<Todo>(server);
    const manager = createOptimisticStoreManager<Todo>({ name: "items", queryFn: api.queryFn, mutations: api.mutations }, createTestQueryClient());
    onCleanup(() => manager.destroy());
    let ready = false;
    void manager.ready.then(() => (ready = true));
    await Promise.resolve();
    expect(ready).toBe(true);
  });

  it("fetches nothing until the stored state is shown, then refreshes confirmed state beneath the restored changes", async () => {
    const storage = createMemoryStorage();
    const fetchedAt = Date.now();
    await storage.setItem(
      key,
      JSON.stringify({ schemaVersion: 1, fetchedAt, entities: [{ id: "a", title: "A (stored)" }, { id: "b", title: "B" }], changes: [{ kind: "update", id: "b", data: { title: "B (mine)" }, mutationId: "m-stored" }] }),
    );
    let read!: () => void;
    const slow: PersistStorage = { ...storage, getItem: (name) => new Promise<void>((resolve) => (read = resolve)).then(() => storage.getItem(name)) };
    const { server, manager } = await persisted(slow);
    await waitForMs(30);
    expect(countRequests(server, "GET")).toBe(0);
    expect(manager.status.isLoading).toBe(true);
    const gate = server.hold({ method: "GET" });
    read();
    await manager.ready;
    expect(titles(manager.store)).toEqual(["A (stored)", "B (mine)"]);
    await gate.arrived;
    await gate.release();
    // The server's list lands beneath the restored update, which is then sent with its mutation id.
    await vi.waitFor(() => expect(titles(manager.store)).toEqual(["A", "B (mine)", "C"]));
    await vi.waitFor(() => expect(manager.status.hasPendingMutations).toBe(false));
    expect(server.requests.find((request) => request.method === "PUT")?.headers["x-mutation-id"]).toBe("m-stored");
    expect(server.row("b")?.title).toBe("B (mine)");
  });

  it("shows the list the query cache holds (hydrated from a server render) at once, while the storage is read; the stored changes then go on top", async () => {
    const server = await startServer({ seed: makeTodos() });
    const api = createTestApi<Todo>(server);
    const storage = stored({ schemaVersion: 1, fetchedAt: 1, entities: [{ id: "a", title: "A (stored)" }], changes: [{ kind: "update", id: "b", data: { title: "B (mine)" }, mutationId: "m-stored" }] });
    let read!: () => void;
    const gate = new Promise<void>((resolve) => (read = resolve));
    const slow: PersistStorage = { ...storage, getItem: (name) => gate.then(() => storage.getItem(name)) };
    const client = createTestQueryClient();
    client.setQueryData(["items"], makeTodos());
    const manager = createOptimisticStoreManager<Todo>({ name: "items", ...api, transformer: false, persist: { storage: slow, key } }, client);
    onCleanup(() => manager.destroy());
    replaysAtCleanup(manager);
    // The first render (a hydration of the server's HTML) shows what the server rendered.
    expect(titles(manager.store)).toEqual(["A", "B", "C"]);
    expect(manager.status.isLoading).toBe(false);
    read();
    await manager.ready;
    expect(titles(manager.store)).toEqual(["A", "B (mine)", "C"]);
    await vi.waitFor(() => expect(server.row("b")?.title).toBe("B (mine)"));
    // The cached list was fresh: nothing was fetched.
    expect(countRequests(server, "GET")).toBe(0);
  });

  it("realtime events that arrive while the stored state is read are kept over it: the stored (older) entities never undo them", async () => {
    const backend = createFakeBackend<Todo>({ initial: makeTodos(), manual: true, eventType: "todo_update" });
    const storage = stored({ schemaVersion: 1, fetchedAt: 1, entities: makeTodos(), changes: [] });
    let read!: () => void;
    const gate = new Promise<void>((resolve) => (read = resolve));
    const slow: PersistStorage = { ...storage, getItem: (name) => gate.then(() => storage.getItem(name)) };
    const client = createTestQueryClient();
    const manager = createOptimisticStoreManager<Todo>({ name: "items", ...backend, transformer: false, realtime: { eventType: "todo_update" }, persist: { storage: slow, key } }, client);
    onCleanup(() => manager.destroy());
    replaysAtCleanup(manager);
    manager.realtime!.connect(backend.socket);
    backend.serverUpdate("b", { title: "B2" });
    backend.serverDelete("c");
    backend.serverInsert({ id: "d", title: "D" });
    await nextMacrotask();
    read();
    await manager.ready;
    // Before any fetch answers (offline, or a slow network): the events stand, beneath nothing older.
    expect(titles(manager.store)).toEqual(["A", "B2", "D"]);
    (await backend.nextRequest("query")).resolve();
    await vi.waitFor(() => expect(manager.status.isSyncing).toBe(false));
    expect(titles(manager.store)).toEqual(["A", "B2", "D"]);
    expectConsistent(manager, { name: "items", queryClient: client, transformer: false });
  });

  it("a manager disabled at restore keeps the realtime events that arrived while the stored state was read over it, once enabled", async () => {
    const backend = createFakeBackend<Todo>({ initial: makeTodos(), manual: true, eventType: "todo_update" });
    const storage = stored({ schemaVersion: 1, fetchedAt: 1, entities: makeTodos(), changes: [] });
    let read!: () => void;
    const gate = new Promise<void>((resolve) => (read = resolve));
    const slow: PersistStorage = { ...storage, getItem: (name) => gate.then(() => storage.getItem(name)) };
    const manager = createOptimisticStoreManager<Todo>(
      { name: "items", ...backend, transformer: false, enabled: () => false, realtime: { eventType: "todo_update" }, persist: { storage: slow, key } },
      createTestQueryClient(),
    );
    onCleanup(() => manager.destroy());
    manager.realtime!.connect(backend.socket);
    backend.serverUpdate("b", { title: "B2" });
    backend.serverDelete("c");
    await nextMacrotask();
    read();
    await manager.ready;
    onlineManager.setOnline(false);
    manager.enable();
    expect(titles(manager.store)).toEqual(["A", "B2"]);
  });

  it.each([
    ["the previous page learned of its deletion (it is not among the stored entities)", false],
    ["a realtime DELETE arrived while the stored state was read", true],
  ])("keepFailed: a restored update of an entity deleted meanwhile is not kept failed when refused: %s", async (_label, deletedDuringRead) => {
    const backend = createFakeBackend<Todo>({ initial: makeTodos(), eventType: "todo_update" });
    if (!deletedDuringRead) backend.serverDelete("a");
    const entities = deletedDuringRead ? makeTodos() : makeTodos().slice(1);
    const storage = stored({ schemaVersion: 1, fetchedAt: 1, entities, changes: [{ kind: "update", id: "a", data: { title: "A2" }, mutationId: "earlier:1" }] });
    let read!: () => void;
    const gate = new Promise<void>((resolve) => (read = resolve));
    const slow: PersistStorage = { ...storage, getItem: (name) => gate.then(() => storage.getItem(name)) };
    const reports: OptimisticErrorInfo[] = [];
    const manager = createOptimisticStoreManager<Todo>(
      { name: "items", ...backend, transformer: false, keepFailed: true, realtime: { eventType: "todo_update" }, persist: { storage: slow, key }, onError: (_error, info) => reports.push(info) },
      createTestQueryClient(),
    );
    onCleanup(() => manager.destroy());
    replaysAtCleanup(manager);
    manager.realtime!.connect(backend.socket);
    if (deletedDuringRead) {
      backend.serverDelete("a");
      await nextMacrotask();
    }
    read();
    await manager.ready;
    await vi.waitFor(() => expect(manager.status.hasPendingMutations || manager.status.isSyncing).toBe(false));
    expect(titles(manager.store)).toEqual(["B", "C"]);
    expect(manager.status.failedCount).toBe(0);
    expect(manager.store.writeStatus("a")).toBeUndefined();
    expect(reports).toEqual([{ name: "items", source: "mutation", id: "a" }]);
  });

  it.each([
    ["after the stored state was read", false],
    ["while the stored state is read (it waits for the restored changes)", true],
  ])("a restored create whose echo arrives before it is sent again (the previous page's request was carried out), %s: shown once, settled by it, not sent again", async (_label, duringRead) => {
    const backend = createFakeBackend<Todo>({ initial: makeTodos(), eventType: "todo_update" });
    const { slow, read } = gated([
      { kind: "create", id: "temp-earlier-1", data: { title: "D" }, mutationId: "earlier:1" },
      { kind: "update", id: "temp-earlier-1", data: { title: "D2" }, mutationId: "earlier:2" },
    ]);
    onlineManager.setOnline(false);
    const client = createTestQueryClient();
    const reports: Error[] = [];
    const manager = createOptimisticStoreManager<Todo>(
      { name: "items", ...backend, transformer: false, realtime: { eventType: "todo_update" }, persist: { storage: slow, key }, onError: (error) => reports.push(error) },
      client,
    );
    onCleanup(() => manager.destroy());
    replaysAtCleanup(manager);
    manager.realtime!.connect(backend.socket);
    // The previous page's create reaches the server now: its echo settles the restored create.
    const carriedOut = () => backend.mutations.create({ title: "D" }, { mutationId: "earlier:1", originId: "earlier" }).then(nextMacrotask);
    if (duringRead) await carriedOut();
    read();
    await manager.ready;
    if (!duringRead) await carriedOut();
    expect(manager.store.list.map((todo) => `${todo.id} ${todo.title}`)).toEqual(["a A", "b B", "c C", "srv-1 D2"]);
    // Settled, it no longer waits for the network: only the update (now of srv-1) does.
    expect(manager.status.queuedCount).toBe(1);
    expect(manager.status.createPending).toBe(false);
    onlineManager.setOnline(true);
    await vi.waitFor(() => expect(manager.status.hasPendingMutations || manager.status.isSyncing).toBe(false));
    expect(backend.requests.filter((request) => request.kind !== "query").map((request) => `${request.kind} ${request.id}`)).toEqual(["create srv-1", "update srv-1"]);
    expect(backend.items()).toEqual([...makeTodos(), { id: "srv-1", title: "D2" }]);
    expect(titles(manager.store)).toEqual(["A", "B", "C", "D2"]);
    expectConsistent(manager, { name: "items", queryClient: client, transformer: false });
    expect(reports).toEqual([]);
  });

  it("online, restored changes whose echoes arrived while the stored state was read are settled by them before they are sent: applied once, none fails", async () => {
    const backend = createFakeBackend<Todo>({ initial: makeTodos(), eventType: "todo_update" });
    const { slow, read } = gated([
      { kind: "create", id: "temp-earlier-1", data: { title: "D" }, mutationId: "earlier:1" },
      { kind: "update", id: "b", data: { title: "B2" }, mutationId: "earlier:2" },
      { kind: "remove", id: "c", mutationId: "earlier:3" },
    ]);
    const client = createTestQueryClient();
    const reports: Error[] = [];
    const phases: string[] = [];
    const manager = createOptimisticStoreManager<Todo>(
      {
        name: "items",
        ...backend,
        transformer: false,
        realtime: { eventType: "todo_update" },
        persist: { storage: slow, key },
        onError: (error) => reports.push(error),
        onEvent: (event) => event.type === "mutation" && phases.push(`${event.kind} ${event.phase}`),
      },
      client,
    );
    onCleanup(() => manager.destroy());
    replaysAtCleanup(manager);
    manager.realtime!.connect(backend.socket);
    // The previous page's requests reach the server while this page reads the storage.
    const receipt = (mutationId: string) => ({ mutationId, originId: "earlier" });
    await backend.mutations.create({ title: "D" }, receipt("earlier:1"));
    await backend.mutations.update({ id: "b", data: { title: "B2" } }, receipt("earlier:2"));
    await backend.mutations.remove("c", receipt("earlier:3"));
    await nextMacrotask();
    read();
    await manager.ready;
    await vi.waitFor(() => expect(manager.status.hasPendingMutations || manager.status.isSyncing).toBe(false));
    expect(backend.requests.filter((request) => request.kind !== "query").map((request) => request.receipt?.mutationId)).toEqual(["earlier:1", "earlier:2", "earlier:3"]);
    expect(titles(manager.store)).toEqual(["A", "B2", "D"]);
    expect(phases.filter((phase) => phase.endsWith("failed"))).toEqual([]);
    expect(reports).toEqual([]);
    expectConsistent(manager, { name: "items", queryClient: client, transformer: false });
  });

  it("a restored create the server refuses takes the restored changes of its temporary id with it: none is sent with that id", async () => {
    const storage = stored({
      schemaVersion: 1,
      fetchedAt: Date.now(),
      entities: makeTodos(),
      changes: [
        { kind: "create", id: "temp-earlier-1", data: { title: "D" }, mutationId: "earlier:1" },
        { kind: "update", id: "temp-earlier-1", data: { title: "D2" }, mutationId: "earlier:2" },
        { kind: "remove", id: "temp-earlier-1", mutationId: "earlier:3" },
      ],
    });
    onlineManager.setOnline(false);
    const { server, manager, reports } = await persisted(storage);
    server.intercept({ method: "POST" }, { status: 400, body: { error: "no" } });
    await manager.ready;
    expect(titles(manager.store)).toEqual(["A", "B", "C"]); // created, edited, then removed
    expect(manager.store.writeStatus("temp-earlier-1")?.pending).toEqual(["create", "update", "remove"]);
    onlineManager.setOnline(true);
    await vi.waitFor(() => expect(manager.status.hasPendingMutations).toBe(false));
    expect(server.requests.filter((request) => request.method !== "GET").map((request) => `${request.method} ${request.path}`)).toEqual(["POST /items"]);
    expect(titles(manager.store)).toEqual(["A", "B", "C"]);
    expect(reports.map(([error, info]) => [info.source, info.id, error.message])).toEqual([["mutation", "temp-earlier-1", "POST /items failed: 400 no"]]);
    await expect(manager.actions.update({ id: "temp-earlier-1", data: { title: "x" } })).rejects.toThrow(/names a created entity that no longer exists/);
  });

  it("destroy() before the stored state is read: nothing is restored, written or reported", async () => {
    const memory = stored({ schemaVersion: 1, fetchedAt: 1, entities: [{ id: "a", title: "A" }], changes: [{ kind: "remove", id: "a", mutationId: "m1" }] });
    const before = await memory.getItem(key);
    const { server, manager, reports } = await persisted(memory);
    manager.destroy();
    await manager.ready;
    await waitForMs(150);
    expect(manager.store.count).toBe(0);
    expect(await memory.getItem(key)).toBe(before);
    expect(server.requests).toEqual([]);
    expect(reports).toEqual([]);
  });

  it("sends again, with its mutation id, a create sent but unanswered when the page went away; the demo server applies it once", async () => {
    const server = await startDemoServer();
    onCleanup(() => server.close());
    const storage = createMemoryStorage();
    const base = `${server.url}/api/todos`;
    const seen: string[] = [];
    const send = async (method: string, url: string, body: unknown, mutationId: string) => {
      seen.push(mutationId);
      const response = await fetch(url, { method, headers: { "content-type": "application/json", "x-mutation-id": mutationId }, body: body === undefined ? undefined : JSON.stringify(body) });
      if (!response.ok) throw new Error(`${method} ${response.status}`);
      return (await response.json()) as Todo;
    };
    const config: OptimisticStoreConfig<Todo> = {
      name: "todos",
      queryFn: async () => (await fetch(base)).json() as Promise<Todo[]>,
      mutations: {
        create: (data, { mutationId }) => send("POST", base, data, mutationId),
        update: ({ id, data }, { mutationId }) => send("PUT", `${base}/${id}`, data, mutationId),
        remove: (id, { mutationId }) => send("DELETE", `${base}/${id}`, undefined, mutationId),
      },
      transformer: false,
      persist: { storage, key },
    };
    const first = createOptimisticStoreManager<Todo>(config, createTestQueryClient());
    onCleanup(() => first.destroy());
    await first.ready;
    await vi.waitFor(() => expect(first.store.count).toBeGreaterThan(0));
    const count = first.store.count;
    server.control.delayMs = 300;
    const creating = first.actions.create({ title: "sent once" }).catch((error: unknown) => error);
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    await vi.waitFor(async () => expect((await readStored(storage, key))?.changes).toHaveLength(1));
    first.destroy(); // the page goes away before the answer

    const second = createOptimisticStoreManager<Todo>(config, createTestQueryClient());
    onCleanup(() => second.destroy());
    await second.ready;
    expect(titles(second.store)).toContain("sent once");
    await vi.waitFor(() => expect(seen).toHaveLength(2), { timeout: 3000 });
    expect(seen[1]).toBe(seen[0]);
    await creating;
    await vi.waitFor(() => expect(second.status.hasPendingMutations).toBe(false), { timeout: 3000 });
    const rows = (await (await fetch(base)).json()) as Todo[];
    expect(rows.filter((todo) => todo.title === "sent once")).toHaveLength(1);
    expect(rows).toHaveLength(count + 1);
    await vi.waitFor(() => expect(second.store.list.map((todo) => todo.id)).toEqual(rows.map((todo) => todo.id)));
  });

  it("with version, an update restored after another client's newer write arrived is sent again on the version it was made on, so the server refuses it", async () => {
    const server = await startServer({ versioned: true, seed: makeTodos() });
    const api = createTestApi<Todo>(server, { ifMatch: true });
    const storage = createMemoryStorage();
    const reports: Error[] = [];
    const config: OptimisticStoreConfig<Todo> = {
      name: "items",
      queryFn: api.queryFn,
      mutations: api.mutations,
      transformer: false,
      version: "version",
      realtime: { eventType: server.eventType },
      persist: { storage, key },
      onError: (error) => reports.push(error),
    };
    const first = createOptimisticStoreManager<Todo>(config, createTestQueryClient());
    onCleanup(() => first.destroy());
    first.realtime!.connect(await connectClient(server));
    await loaded(first, 3);
    const gate = server.hold({ method: "PUT" });
    void first.actions.update({ id: "a", data: { title: "mine" } }).catch(() => undefined);
    await gate.arrived; // sent on version 1; its answer never comes
    server.serverUpdate("a", { title: "theirs" }); // another client: version 2, broadcast
    await vi.waitFor(async () => expect((await readStored(storage, key))?.entities.find((todo) => todo.id === "a")?.version).toBe(2));
    expect(first.store.get("a")).toMatchObject({ title: "mine", version: 2 });
    first.destroy(); // the page goes away

    const second = createOptimisticStoreManager<Todo>(config, createTestQueryClient());
    onCleanup(() => second.destroy());
    await second.ready;
    await vi.waitFor(() => expect(reports.map((error) => error.message)).toEqual([expect.stringContaining("409")]));

    const puts = server.requests.filter((request) => request.method === "PUT");
    expect(puts.map((request) => request.headers["if-match"])).toEqual(["1", "1"]);
    expect(server.row("a")).toMatchObject({ title: "theirs", version: 2 });
    await vi.waitFor(() => expect(second.store.get("a")).toMatchObject({ title: "theirs", version: 2 }));
  });

  it("with version, an update made before the previous change of its entity was answered is sent again after a reload on that answer's version", async () => {
    const storage = createMemoryStorage();
    const sent: (number | string | Date | undefined)[] = [];
    const answers: (() => void)[] = [];
    let version = 1;
    const config: OptimisticStoreConfig<Todo> = {
      name: "items",
      queryFn: () => Promise.resolve([{ id: "a", title: "A", done: false, version }]),
      mutations: {
        create: () => Promise.reject(new Error("not in this test")),
        // Answered when the test says; a version bumped on each write.
        update: ({ id, data }, receipt) => {
          sent.push(receipt.baseVersion);
          return new Promise((resolve) => answers.push(() => resolve({ id, title: "A", done: false, ...data, version: ++version })));
        },
        remove: () => Promise.reject(new Error("not in this test")),
      },
      transformer: false,
      version: "version",
      persist: { storage, key },
    };
    const first = createOptimisticStoreManager<Todo>(config, createTestQueryClient());
    onCleanup(() => first.destroy());
    await vi.waitFor(() => expect(first.store.count).toBe(1));
    void first.actions.update({ id: "a", data: { title: "one" } }).catch(() => undefined);
    void first.actions.update({ id: "a", data: { done: true } }).catch(() => undefined); // made on version 1
    await vi.waitFor(() => expect(sent).toEqual([1]));
    answers[0]!(); // version 2: the second is sent on it
    await vi.waitFor(() => expect(sent).toEqual([1, 2]));
    first.destroy(); // before the second is answered

    const second = createOptimisticStoreManager<Todo>({ ...config, queryFn: () => new Promise(() => undefined) }, createTestQueryClient());
    onCleanup(() => second.destroy());
    await second.ready;
    await vi.waitFor(() => expect(sent).toEqual([1, 2, 2]));
  });

  it("retry() of a failed create while an edit of its row waits offline keeps the edit shown, stored after the create, and restored after a reload", async () => {
    const storage = createMemoryStorage();
    const server = await startServer({ seed: makeTodos() });
    const api = createTestApi<Todo>(server);
    const reports: string[] = [];
    const config: OptimisticStoreConfig<Todo> = {
      name: "items",
      queryFn: api.queryFn,
      mutations: api.mutations,
      transformer: false,
      keepFailed: true,
      persist: { storage, key },
      onError: (error) => void reports.push(error.message),
    };
    const first = createOptimisticStoreManager<Todo>(config, createTestQueryClient());
    onCleanup(() => first.destroy());
    await first.ready;
    await loaded(first, 3);
    const refusal = server.intercept({ method: "POST" }, { status: 500, body: { error: "refused" } });
    const creating = first.actions.create({ title: "D" });
    const tempId = first.store.list.at(-1)!.id;
    await expect(creating).rejects.toThrow("refused");
    refusal.remove();

    onlineManager.setOnline(false);
    void first.actions.update({ id: tempId, data: { title: "D edited" } }).catch(() => undefined);
    void first.store.writeStatus(tempId)!.retry().catch(() => undefined);
    expect(first.store.get(tempId)?.title).toBe("D edited");
    await vi.waitFor(async () => expect((await readStored(storage, key))?.changes.map((change) => change.kind)).toEqual(["create", "update"]));

    first.destroy();
    const second = createOptimisticStoreManager<Todo>(config, createTestQueryClient());
    onCleanup(() => second.destroy());
    await second.ready;
    expect(titles(second.store)).toEqual(["A", "B", "C", "D edited"]);
    onlineManager.setOnline(true);
    await vi.waitFor(() => expect(server.rows().map((row) => row.title)).toEqual(["A", "B", "C", "D edited"]));
    expect(reports.filter((message) => !message.includes("refused"))).toEqual([]);
  });

  it("with a transformer that maps the API's numeric ids to string ids, a change made offline is restored after a reload and sent", async () => {
    // The API's ids are numbers at run time (the types' Entity says string: such an API casts).
    interface ApiTodo {
      id: string;
      title: string;
    }
    const numeric = (id: number) => id as unknown as string;
    const rows: ApiTodo[] = [
      { id: numeric(1), title: "One" },
      { id: numeric(2), title: "Two" },
    ];
    const storage = createMemoryStorage();
    const reports: string[] = [];
    const config: OptimisticStoreConfig<ApiTodo, Todo> = {
      name: "todos",
      queryFn: async () => rows.map((row) => ({ ...row })),
      mutations: {
        create: () => Promise.reject(new Error("not in this test")),
        update: async ({ id, data }) => Object.assign(rows.find((row) => row.id === numeric(Number(id)))!, data as object),
        remove: () => Promise.reject(new Error("not in this test")),
      },
      transformer: { toUi: (api) => ({ ...api, id: String(api.id) }), toApi: (ui) => ({ ...ui, id: numeric(Number(ui.id)) }) },
      persist: { storage, key },
      onError: (error) => void reports.push(error.message),
    };
    const first = createOptimisticStoreManager<ApiTodo, Todo>(config, createTestQueryClient());
    onCleanup(() => first.destroy());
    await vi.waitFor(() => expect(first.store.count).toBe(2));
    onlineManager.setOnline(false);
    void first.actions.update({ id: "1", data: { title: "One, edited offline" } }).catch(() => undefined);
    await vi.waitFor(async () => expect((await readStored(storage, key))?.changes).toHaveLength(1));
    first.destroy();

    const second = createOptimisticStoreManager<ApiTodo, Todo>(config, createTestQueryClient());
    onCleanup(() => second.destroy());
    await second.ready;
    expect(second.store.list.map((todo) => [todo.id, todo.title])).toEqual([
      ["1", "One, edited offline"],
      ["2", "Two"],
    ]);
    onlineManager.setOnline(true);
    await vi.waitFor(() => expect(rows[0]!.title).toBe("One, edited offline"));
    expect(reports).toEqual([]);
  });

  it("a stored entity without an id is dropped and reported like a fetched one; the others and the stored changes are restored", async () => {
    const storage = stored({ schemaVersion: 1, fetchedAt: 1, entities: [{ id: "a", title: "A" }, { title: "no id" }], changes: [{ kind: "update", id: "a", data: { title: "A, kept" }, mutationId: "m1" }] });
    const { manager, reports } = await persisted(storage);
    await manager.ready;
    expect(titles(manager.store)).toEqual(["A, kept"]);
    expect(reports.map(([error, info]) => [error.message, info.source])).toEqual([['query data of "items" has no valid id; it was ignored.', "query"]]);
  });
});

describe("per-user data without scope", () => {
  it("a manager per user: changes queued offline for alice are never shown to or sent as bob, and are sent as alice when she signs in again", async () => {
    const backends = { alice: createFakeBackend<Todo>({ initial: makeTodos() }), bob: createFakeBackend<Todo>({ initial: [{ id: "x", title: "X" }] }) };
    let user: keyof typeof backends = "alice";
    const sent: string[] = [];
    const storage = createMemoryStorage();
    const signIn = (who: keyof typeof backends) => {
      user = who;
      const manager = createOptimisticStoreManager<Todo>(
        {
          name: `items:${who}`,
          // Every call goes with the credentials of whoever is signed in when it is made.
          queryFn: () => backends[user].queryFn(),
          mutations: {
            create: (data, receipt) => (sent.push(`create as ${user}`), backends[user].mutations.create(data, receipt)),
            update: (params, receipt) => (sent.push(`update as ${user}`), backends[user].mutations.update(params, receipt)),
            remove: (id, receipt) => (sent.push(`remove as ${user}`), backends[user].mutations.remove(id, receipt)),
          },
          transformer: false,
          persist: { storage },
        },
        createTestQueryClient(),
      );
      onCleanup(() => manager.destroy());
      return manager;
    };
    const alice = signIn("alice");
    await alice.ready;
    await loaded(alice, 3);
    onlineManager.setOnline(false);
    void alice.actions.update({ id: "a", data: { title: "A (offline)" } }).catch(() => undefined);
    void alice.actions.create({ title: "D" }).catch(() => undefined);
    alice.destroy(); // sign-out
    const bob = signIn("bob");
    await bob.ready;
    onlineManager.setOnline(true);
    await loaded(bob, 1);
    await waitForMs(50);
    expect(titles(bob.store)).toEqual(["X"]);
    expect(sent).toEqual([]);
    bob.destroy();
    const again = signIn("alice");
    await again.ready;
    await vi.waitFor(() => expect(again.status.hasPendingMutations).toBe(false));
    expect(sent).toEqual(["update as alice", "create as alice"]);
    expect(backends.alice.items().map((todo) => todo.title)).toEqual(["A (offline)", "B", "C", "D"]);
  });
});

/** Persisted managers on one client and storage (a remount on the key), the first loaded from a manual fake backend. */
async function remounts() {
  const { backend, storage, client, make } = persistedOnOneClient(key);
  const first = make();
  await first.ready;
  (await backend.nextRequest("query")).resolve();
  await vi.waitFor(() => expect(first.store.count).toBe(3));
  return { backend, storage, client, make, first };
}

describe("nothing made or stored is lost around the manager's life", () => {
  const state = { schemaVersion: 1, fetchedAt: 1, entities: makeTodos(), changes: [{ kind: "update", id: "b", data: { title: "B (mine)" }, mutationId: "m-stored" }] };

  it.each([
    ["still in flight when the next manager restores them", false],
    ["answered after destroy(), before the next manager restores them", true],
  ])("a remount on the key does not send again the changes the destroyed manager sent, %s: they take its answers", async (_label, answeredFirst) => {
    const { backend, storage, make, first } = await remounts();
    void first.actions.create({ title: "D" }).catch(() => undefined);
    void first.actions.update({ id: "b", data: { title: "B2" } }).catch(() => undefined);
    const sent = [await backend.nextRequest("create"), await backend.nextRequest("update")];
    first.destroy(); // the component unmounts; it comes back at once, or a little later
    if (answeredFirst) for (const request of sent) request.resolve();
    await nextMacrotask();
    const second = make();
    await second.ready;
    if (!answeredFirst) for (const request of sent) request.resolve();
    await backend.settleAll();
    await vi.waitFor(() => expect(second.status.hasPendingMutations).toBe(false));
    expect(backend.requests.map((request) => request.kind)).toEqual(["query", "create", "update"]);
    expect(titles(second.store)).toEqual(["A", "B2", "C", "D"]);
    expect(backend.items().map((todo) => todo.title)).toEqual(["A", "B2", "C", "D"]);
    await vi.waitFor(async () => expect((await readStored(storage, key))?.changes).toEqual([]));
  });

  it("a manager disabled since it was made keeps the stored entities stored, also through destroy(); enabled later, it shows them", async () => {
    onlineManager.setOnline(false); // the restored change stays queued
    const storage = stored(state);
    let enabled = false;
    const { manager } = await persisted(storage, { enabled: () => enabled });
    await manager.ready;
    await waitForMs(250); // past the coalesced write
    expect(await readStored(storage, key)).toMatchObject({ entities: makeTodos(), changes: [{ mutationId: "m-stored" }] });
    enabled = true;
    manager.updateOptions();
    await vi.waitFor(() => expect(titles(manager.store)).toEqual(["A", "B (mine)", "C"]));
    manager.destroy();

    const storage2 = stored(state);
    const { manager: disabled } = await persisted(storage2, { enabled: () => false });
    await disabled.ready;
    disabled.destroy();
    await waitForMs(50);
    const kept = await readStored(storage2, key);
    expect(kept?.entities).toEqual(makeTodos());
    expect(kept?.changes.map((change) => change.mutationId)).toEqual(["m-stored"]);
  });

  it("a disabled manager's restored remove, once answered, leaves the stored entities (the next page does not show the removed one)", async () => {
    const storage = stored({ ...state, changes: [{ kind: "remove", id: "b", mutationId: "m-remove" }] });
    const { server, manager, reports } = await persisted(storage, { enabled: () => false });
    await manager.ready;
    await vi.waitFor(() => expect(manager.status.hasPendingMutations).toBe(false));
    expect(countRequests(server, "DELETE")).toBe(1);
    await vi.waitFor(async () => expect((await readStored(storage, key))?.changes).toEqual([]));
    manager.destroy();
    await waitForMs(50);
    expect((await readStored(storage, key))?.entities.map((todo) => todo.id)).toEqual(["a", "c"]);
    expect(reports).toEqual([]);
  });

  it("changes restored while online are sent in the order they were made, one at a time, as offline", async () => {
    const storage = stored({
      schemaVersion: 1,
      fetchedAt: Date.now(),
      entities: makeTodos(),
      changes: [
        { kind: "update", id: "a", data: { title: "A2" }, mutationId: "m1" },
        { kind: "remove", id: "b", mutationId: "m2" },
      ],
    });
    const { server, manager } = await persisted(storage);
    const gate = server.hold({ method: "PUT" }); // before the stored state is read
    await manager.ready;
    expect(titles(manager.store)).toEqual(["A2", "C"]);
    await gate.arrived;
    await waitForMs(100);
    expect(countRequests(server, "DELETE")).toBe(0);
    await gate.release();
    await vi.waitFor(() => expect(manager.status.hasPendingMutations).toBe(false));
    expect(server.requests.filter((request) => request.method !== "GET").map((request) => `${request.method} ${request.path}`)).toEqual(["PUT /items/a", "DELETE /items/b"]);
    expect(titles(manager.store)).toEqual(["A2", "C"]);
  });

  it("a change made offline before the stored state was read, then destroy(), then at once a new manager: stored after the stored changes, and restored by it", async () => {
    const memory = stored(state);
    let read: (() => void) | undefined;
    // The first read waits until the test answers it.
    const slow: PersistStorage = { ...memory, getItem: (name) => (read ? memory.getItem(name) : new Promise<void>((resolve) => (read = resolve)).then(() => memory.getItem(name))) };
    onlineManager.setOnline(false);
    const { manager, reports } = await persisted(slow);
    const creating = manager.actions.create({ title: "D, before ready" });
    await vi.waitFor(() => expect(read).toBeDefined()); // the key is being read
    manager.destroy();
    await expect(creating).rejects.toBeInstanceOf(OptimisticLifecycleError);
    const { manager: next } = await persisted(slow); // a remount: made while the first still reads
    await waitForMs(20);
    read!();
    await next.ready;
    expect(titles(next.store)).toEqual(["A", "B (mine)", "C", "D, before ready"]);
    const kept = (await readStored(memory, key))!;
    expect(kept.entities).toEqual(makeTodos());
    expect(kept.changes.map(({ kind, data }) => [kind, data])).toEqual([
      ["update", { title: "B (mine)" }],
      ["create", { title: "D, before ready" }],
    ]);
    expect(kept.changes[0]!.mutationId).toBe("m-stored");
    expect(reports).toEqual([]);
  });

  it("destroy() while a write is under way, then at once a new manager on the same (ordered, async) storage: it reads the state destroy() wrote", async () => {
    const memory = createMemoryStorage();
    // One operation at a time, in the order they were asked for (as IndexedDB's transactions); writes are slow.
    let chain: Promise<unknown> = Promise.resolve();
    const queued = <T,>(run: () => T | Promise<T>, ms = 0): Promise<T> => {
      const next = chain.then(() => waitForMs(ms)).then(run);
      chain = next.catch(() => undefined);
      return next;
    };
    let writes = 0;
    const ordered: PersistStorage = {
      getItem: (name) => queued(() => memory.getItem(name)),
      setItem: (name, value) => (writes++, queued(() => memory.setItem(name, value), 60)),
      removeItem: (name) => queued(() => memory.removeItem(name), 60),
    };
    const { manager } = await persisted(ordered);
    await manager.ready;
    await loaded(manager, 3);
    await vi.waitFor(() => expect(writes).toBe(1));
    await waitForMs(80); // the first write is stored
    onlineManager.setOnline(false);
    void manager.actions.update({ id: "a", data: { title: "A, first" } }).catch(() => undefined);
    await vi.waitFor(() => expect(writes).toBe(2)); // under way
    void manager.actions.update({ id: "b", data: { title: "B, at the last moment" } }).catch(() => undefined);
    manager.destroy();

    const { manager: next } = await persisted(ordered);
    await next.ready;
    expect(titles(next.store)).toEqual(["A, first", "B, at the last moment", "C"]);
  });

  it("a storage whose getItem never answers: after 10 s reported once, never written, and the store loads from the server", async () => {
    const setItem = vi.fn();
    const removeItem = vi.fn();
    const getItem = vi.fn(() => new Promise<string | null>(() => undefined));
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const { manager, reports } = await persisted({ getItem, setItem, removeItem });
      await vi.waitFor(() => expect(getItem).toHaveBeenCalledTimes(1));
      await vi.advanceTimersByTimeAsync(9_000);
      expect(reports).toEqual([]);
      await vi.advanceTimersByTimeAsync(1_000);
      vi.useRealTimers();
      await manager.ready;
      expect(reports.map(([error, info]) => [error.message, info.source])).toEqual([[expect.stringMatching(/persist "todos": reading the storage gave no answer in 10 s, so the manager goes on without it/), "persist"]]);
      await loaded(manager, 3);
      await manager.actions.update({ id: "a", data: { title: "A2" } });
      await waitForMs(150);
      expect(setItem).not.toHaveBeenCalled();
      expect(removeItem).not.toHaveBeenCalled();
    } finally {
      vi.useRealTimers();
    }
  });
  it("a change made before the stored state was read, then destroy(), on a storage whose getItem never answers: after 10 s reported as not stored", async () => {
    const setItem = vi.fn();
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      onlineManager.setOnline(false);
      const { manager, reports } = await persisted({ getItem: () => new Promise<string | null>(() => undefined), setItem, removeItem: vi.fn() });
      const creating = manager.actions.create({ title: "D, before ready" });
      manager.destroy();
      await expect(creating).rejects.toBeInstanceOf(OptimisticLifecycleError);
      await vi.advanceTimersByTimeAsync(10_000);
      expect(reports.map(([error, info]) => [error.message, info.source])).toEqual([['persist "todos": reading the storage gave no answer in 10 s, so the changes made before destroy() were not stored', "persist"]]);
      expect(setItem).not.toHaveBeenCalled();
    } finally {
      vi.useRealTimers();
    }
  });

  it.each([
    ["its first read", true],
    ["its last write", false],
  ])("a destroyed manager whose storage never answers %s arms no timer that keeps a Node process running", async (label, hungRead) => {
    const never = () => new Promise<never>(() => undefined);
    const getItem = vi.fn(hungRead ? never : () => Promise.resolve(null));
    const storage: PersistStorage = { getItem, setItem: hungRead ? () => Promise.resolve() : never, removeItem: () => Promise.resolve() };
    // The timers armed while the manager lives, and whether each still waits.
    const armed = new Map<ReturnType<typeof setTimeout>, boolean>();
    const realSet = globalThis.setTimeout;
    const realClear = globalThis.clearTimeout;
    const spies = [
      vi.spyOn(globalThis, "setTimeout").mockImplementation(((run: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
        const timer = realSet(() => (armed.set(timer, false), run(...args)), ms);
        armed.set(timer, true);
        return timer;
      }) as typeof setTimeout),
      vi.spyOn(globalThis, "clearTimeout").mockImplementation(((timer?: ReturnType<typeof setTimeout>) => {
        if (timer !== undefined && armed.has(timer)) armed.set(timer, false);
        realClear(timer);
      }) as typeof clearTimeout),
    ];
    try {
      // As in Node, where query-core keeps unobserved queries (`gcTime: Infinity`) without a timer.
      const client = new QueryClient({ defaultOptions: { queries: { retry: false, gcTime: Infinity } } });
      const manager = createOptimisticStoreManager<Todo>({ name: "items", queryFn: () => Promise.resolve([]), mutations: createTestApi<Todo>({ url: "http://127.0.0.1:9", resource: "items" }).mutations, persist: { storage, key: `todos-never-${label}` }, enabled: () => false }, client);
      onCleanup(() => manager.destroy());
      await vi.waitFor(() => expect(getItem).toHaveBeenCalled());
      if (!hungRead) {
        await manager.ready;
        manager.store.upsert({ id: "x", title: "X", completed: false });
      }
      await nextMacrotask();
      manager.destroy();
      await nextMacrotask();
      const keepingAlive = [...armed].filter(([timer, waiting]) => waiting && (timer as { hasRef?: () => boolean }).hasRef?.() !== false);
      expect(keepingAlive).toEqual([]);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });

  it("a remount while the first manager's read hangs: the second's getItem gets its own 10 s", async () => {
    const memory = stored({ schemaVersion: 1, fetchedAt: 1, entities: makeTodos(), changes: [] });
    let calls = 0;
    const storage: PersistStorage = {
      // The first read never answers; later ones take 2 s (a slow disk).
      getItem: (name) => (++calls === 1 ? new Promise<string | null>(() => undefined) : new Promise<void>((resolve) => setTimeout(resolve, 2000)).then(() => memory.getItem(name))),
      setItem: (name, value) => memory.setItem(name, value),
      removeItem: (name) => memory.removeItem(name),
    };
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const { manager: first, reports: firstReports } = await persisted(storage);
      await vi.waitFor(() => expect(calls).toBe(1));
      first.destroy();
      const { manager: second, reports } = await persisted(storage); // remounted at once
      await vi.advanceTimersByTimeAsync(12_000);
      await second.ready;
      expect(calls).toBe(2);
      expect(reports).toEqual([]); // its own getItem answered in 2 s
      expect(firstReports).toEqual([]); // destroyed with nothing made: its read's timeout lost nothing
      expect(titles(second.store)).toEqual(["A", "B", "C"]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("one setItem that never answers (a destroyed manager's last write) holds later managers of the key 10 s at most, and then they read", async () => {
    const hungKey = "todos-hung-write";
    const memory = createMemoryStorage();
    let hang = false;
    const getItem = vi.fn((name: string) => memory.getItem(name));
    const storage: PersistStorage = {
      getItem,
      // Only the next write after `hang = true` never answers; the storage is fine afterwards.
      setItem: (name, value) => (hang ? ((hang = false), new Promise<void>(() => undefined)) : memory.setItem(name, value)),
      removeItem: (name) => memory.removeItem(name),
    };
    const server = await startServer({ seed: makeTodos() });
    const api = createTestApi<Todo>(server);
    const make = () => {
      const reports: Error[] = [];
      const manager = createOptimisticStoreManager<Todo>(
        { name: "items", queryFn: api.queryFn, mutations: api.mutations, transformer: false, persist: { storage, key: hungKey }, onError: (error) => void reports.push(error) },
        createTestQueryClient(),
      );
      onCleanup(() => manager.destroy());
      return { manager, reports };
    };
    const { manager: first } = make();
    await first.ready;
    await loaded(first, 3);
    await vi.waitFor(async () => expect(await readStored(memory, hungKey)).not.toBeNull());
    onlineManager.setOnline(false);
    void first.actions.update({ id: "a", data: { title: "A, offline" } }).catch(() => undefined);
    hang = true;
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] }); // before the wait for that write is armed
    try {
      first.destroy(); // its last write never answers
      const { manager: second, reports: secondReports } = make();
      await vi.advanceTimersByTimeAsync(10_000);
      await second.ready;
      expect(secondReports).toEqual([]);
      expect(getItem).toHaveBeenCalledTimes(2); // it read after waiting
      second.destroy();
      // Later in the same page, another manager of the key: the storage answers at once.
      getItem.mockClear();
      const { manager: third, reports } = make();
      await vi.advanceTimersByTimeAsync(100);
      await third.ready;
      expect(getItem).toHaveBeenCalledTimes(1);
      expect(reports).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("store.clear() before the stored state was read (sign-out during the read): the previous stored state is neither shown nor sent, and is removed", async () => {
    const memory = stored({ schemaVersion: 1, fetchedAt: 1, entities: makeTodos(), changes: [{ kind: "update", id: "b", data: { title: "B (mine)" }, mutationId: "m-stored" }] });
    let read: (() => void) | undefined;
    const slow: PersistStorage = { ...memory, getItem: (name) => new Promise<void>((resolve) => (read = resolve)).then(() => memory.getItem(name)) };
    const { server, manager } = await persisted(slow, { enabled: () => false }); // signed out: nothing fetched
    await vi.waitFor(() => expect(read).toBeDefined()); // the key is being read
    manager.store.clear(); // sign-out
    read!();
    await manager.ready;
    await waitForMs(200);
    expect(manager.store.count).toBe(0);
    expect(server.requests).toEqual([]);
    expect(await memory.getItem(key)).toBeNull();
  });

  it("store.clear(), a change, then destroy(), all before the stored state was read: what is stored is the change alone", async () => {
    const memory = stored({ schemaVersion: 1, fetchedAt: 1, entities: makeTodos(), changes: [{ kind: "update", id: "b", data: { title: "B (mine)" }, mutationId: "m-stored" }] });
    let read: (() => void) | undefined;
    const slow: PersistStorage = { ...memory, getItem: (name) => (read ? memory.getItem(name) : new Promise<void>((resolve) => (read = resolve)).then(() => memory.getItem(name))) };
    onlineManager.setOnline(false);
    const { manager } = await persisted(slow);
    await vi.waitFor(() => expect(read).toBeDefined());
    manager.store.clear(); // sign-out
    void manager.actions.create({ title: "the next user's" }).catch(() => undefined);
    manager.destroy();
    read!();
    await manager.ready;
    await waitForMs(50);
    const kept = await readStored(memory, key);
    expect(kept?.entities).toEqual([]);
    expect(kept?.changes.map((change) => change.data)).toEqual([{ title: "the next user's" }]);
  });

  it.each([
    ["made before the first is destroyed (React's new key renders before the old one unmounts)", false],
    ["made after the first is destroyed", true],
  ])("a remount on the same client with a create in flight, the new manager %s: it joins that call, and the create is sent once and shown once", async (_label, destroyFirst) => {
    const remount = await remounts();
    const { backend, storage, make, first } = remount;
    void first.actions.create({ title: "D" }).catch(() => undefined);
    const request = await backend.nextRequest("create");
    await vi.waitFor(async () => expect((await readStored(storage, key))?.changes).toHaveLength(1));
    if (destroyFirst) first.destroy();
    const second = make();
    replaysAtCleanup(second);
    first.destroy();
    await expectJoinedCreate(second, request, remount);
  });

  it.each([
    ["answered: its answer is taken, not sent again", true],
    ["refused: it is sent again", false],
  ])("a change in flight at destroy(), then a new manager on the same client once its call is %s", async (_label, answered) => {
    const { backend, storage, client, make, first } = await remounts();
    void first.actions.update({ id: "a", data: { title: "A2" } }).catch(() => undefined);
    const request = await backend.nextRequest("update");
    await vi.waitFor(async () => expect((await readStored(storage, key))?.changes).toHaveLength(1));
    first.destroy();
    if (answered) request.resolve();
    else request.reject(new Error("Server down"));
    await nextMacrotask();
    const second = make();
    await second.ready;
    await backend.settleAll();
    await vi.waitFor(() => expect(second.status.hasPendingMutations || second.status.isSyncing).toBe(false));
    expect(backend.requests.filter((r) => r.kind === "update")).toHaveLength(answered ? 1 : 2);
    expect(titles(second.store)).toEqual(["A2", "B", "C"]);
    expectConsistent(second, { name: "items", queryClient: client, transformer: false });
  });

  it("a remount while a slow create is in flight and 64 later changes were answered meanwhile: the create is still joined, not sent again", async () => {
    const { backend, storage, make, first } = await remounts();
    void first.actions.create({ title: "D" }).catch(() => undefined);
    const slow = await backend.nextRequest("create");
    for (let n = 0; n < 65; n++) {
      void first.actions.update({ id: "a", data: { title: `A${n}` } });
      (await backend.nextRequest("update")).resolve();
    }
    await vi.waitFor(async () => expect((await readStored(storage, key))?.changes.map((change) => change.kind)).toEqual(["create"]));
    first.destroy();
    const second = make();
    await second.ready;
    slow.resolve();
    await backend.settleAll();
    await vi.waitFor(() => expect(second.status.hasPendingMutations).toBe(false));
    expect(backend.requests.filter((request) => request.kind === "create")).toHaveLength(1);
    expect(titles(second.store)).toEqual(["A64", "B", "C", "D"]);
  });

  it.each([
    ["an update sent again after a conflict (with a new mutation id) joins that call: sent twice in all, not three times", true],
    ["a joined update refused as a conflict once the first manager is gone is settled by the strategy (sent again), not failed", false],
  ])("a remount with a conflict: %s", async (_label, conflictFirst) => {
    const backend = createFakeBackend<Todo>({ initial: makeTodos(), manual: true });
    const storage = createMemoryStorage();
    const client = createTestQueryClient();
    const conflict = { detect: (error: unknown) => (error as { current?: Todo }).current, resolve: "client-wins" as const };
    const refuse = (request: { reject(error: Error): void }) => request.reject(Object.assign(new Error("409"), { current: { id: "a", title: "A (theirs)", done: false } }));
    const make = () => {
      const manager = createOptimisticStoreManager<Todo>({ name: "items", ...backend, transformer: false, conflict, persist: { storage, key } }, client);
      onCleanup(() => manager.destroy());
      return manager;
    };
    const first = make();
    (await backend.nextRequest("query")).resolve();
    await vi.waitFor(() => expect(first.store.count).toBe(3));
    void first.actions.update({ id: "a", data: { title: "A2" } }).catch(() => undefined);
    let request = await backend.nextRequest("update");
    if (conflictFirst) {
      refuse(request);
      request = await backend.nextRequest("update");
    }
    await vi.waitFor(async () => expect((await readStored(storage, key))?.changes.map((change) => change.mutationId)).toEqual([request.receipt?.mutationId]));
    first.destroy();
    const second = make();
    await second.ready;
    if (conflictFirst) request.resolve();
    else refuse(request);
    await backend.settleAll();
    await vi.waitFor(() => expect(second.status.hasPendingMutations).toBe(false));
    expect(backend.requests.filter((r) => r.kind === "update")).toHaveLength(2);
    expect(titles(second.store)).toEqual(["A2", "B", "C"]);
    expect(backend.items()[0]?.title).toBe("A2");
  });

  it("two live managers restore one stored update that is refused as a conflict: it is sent again once, and both show it", async () => {
    const backend = createFakeBackend<Todo>({ initial: makeTodos(), manual: true });
    const storage = stored({ schemaVersion: 1, fetchedAt: 1, entities: makeTodos(), changes: [{ kind: "update", id: "a", data: { title: "A2" }, mutationId: "m-stored" }] });
    const client = createTestQueryClient();
    const conflict = { detect: (error: unknown) => (error as { current?: Todo }).current, resolve: "client-wins" as const };
    const make = () => {
      const manager = createOptimisticStoreManager<Todo>({ name: "items", ...backend, transformer: false, conflict, persist: { storage, key } }, client);
      onCleanup(() => manager.destroy());
      return manager;
    };
    const [one, two] = [make(), make()];
    await Promise.all([one.ready, two.ready]);
    (await backend.nextRequest("update")).reject(Object.assign(new Error("409"), { current: { id: "a", title: "A (theirs)", done: false } }));
    await backend.settleAll();
    await vi.waitFor(() => expect(one.status.hasPendingMutations || two.status.hasPendingMutations).toBe(false));
    expect(backend.requests.filter((request) => request.kind === "update")).toHaveLength(2);
    for (const manager of [one, two]) expect(titles(manager.store)).toEqual(["A2", "B", "C"]);
  });

  it("back online, then at once destroy(): the queued create is stored for the next manager, and not also sent", async () => {
    const storage = createMemoryStorage();
    const { server, manager } = await persisted(storage);
    await manager.ready;
    await loaded(manager, 3);
    onlineManager.setOnline(false);
    const creating = manager.actions.create({ title: "D" });
    onlineManager.setOnline(true);
    manager.destroy();
    await expect(creating).rejects.toBeInstanceOf(OptimisticLifecycleError);
    await waitForMs(200);
    expect((await readStored(storage, key))?.changes.map((change) => change.kind)).toEqual(["create"]);
    expect(countRequests(server, "POST")).toBe(0);
  });
});
