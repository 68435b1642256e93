import { environmentManager, QueryClient } from "@tanstack/query-core";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createOptimisticStoreManager } from "../../src";
import { createFakeBackend, expectConsistent, type FakeRequest } from "../../src/testing";
import { makeTodos, type Todo } from "../__fixtures__/mockData";
import { cleanup, createTestQueryClient, nextMacrotask, onCleanup, titles } from "../__fixtures__/testHelpers";

environmentManager.setIsServer(() => false);
afterEach(async () => {
  vi.useRealTimers();
  await cleanup();
});

const receipt = { mutationId: "m1", originId: "o1" };
const summary = (requests: readonly FakeRequest[]) => requests.map((request) => `${request.kind}${request.id ? ` ${request.id}` : ""}${request.settled ? "" : " (open)"}`);

/** A manager on a fake backend and a fresh client, destroyed after the test. */
function managerOn(backend: ReturnType<typeof createFakeBackend<Todo>>) {
  const client = createTestQueryClient();
  const manager = createOptimisticStoreManager<Todo>({ name: "todos", ...backend, transformer: false }, client);
  onCleanup(() => manager.destroy());
  return { manager, client };
}

describe("createFakeBackend, answering at once", () => {
  it("serves the initial items and applies each mutation, with ids it assigns", async () => {
    const backend = createFakeBackend<Todo>({ initial: makeTodos() });

    await expect(backend.queryFn()).resolves.toEqual(makeTodos());
    await expect(backend.mutations.create({ title: "D" }, receipt)).resolves.toEqual({ id: "srv-1", title: "D" });
    await expect(backend.mutations.create({ title: "E", id: "client-id" }, receipt)).resolves.toEqual({ id: "srv-2", title: "E" });
    await expect(backend.mutations.update({ id: "a", data: { done: true } }, receipt)).resolves.toEqual({ id: "a", title: "A", done: true });
    await expect(backend.mutations.remove("b", receipt)).resolves.toEqual({ id: "b" });

    expect(backend.items()).toEqual([
      { id: "a", title: "A", done: true },
      { id: "c", title: "C", done: true },
      { id: "srv-1", title: "D" },
      { id: "srv-2", title: "E" },
    ]);
    expect(summary(backend.requests)).toEqual(["query", "create srv-1", "create srv-2", "update a", "remove b"]);
    expect(backend.requests.map((request) => request.receipt)).toEqual([undefined, receipt, receipt, receipt, receipt]);
    expect(backend.requests.map((request) => request.data)).toEqual([undefined, { title: "D" }, { title: "E", id: "client-id" }, { done: true }, undefined]);
  });

  it("uses idPrefix and skips ids the initial items already use", async () => {
    const backend = createFakeBackend<Todo>({ initial: [{ id: "t-1", title: "taken" }], idPrefix: "t-" });

    const created = await backend.mutations.create({ title: "new" });

    expect(created.id).toBe("t-2");
  });

  it("answers with fresh JSON copies and keeps its own: dates become strings, callers' objects are never shared", async () => {
    const initial = [{ id: "a", title: "A", due: new Date("2024-05-01T10:00:00.000Z") }];
    const backend = createFakeBackend<Todo>({ initial });
    initial[0]!.title = "changed by the test";

    const [first] = await backend.queryFn();
    first!.title = "changed by the caller";
    const sent = { title: "B", tags: ["x"] };
    const created = await backend.mutations.create(sent);
    sent.tags.push("y");
    created.title = "changed again";

    expect(backend.items()).toEqual([
      { id: "a", title: "A", due: "2024-05-01T10:00:00.000Z" },
      { id: "srv-1", title: "B", tags: ["x"] },
    ]);
    expect(backend.items()[0]).not.toBe(backend.items()[0]);
    expect(backend.requests[1]!.data).toEqual({ title: "B", tags: ["x"] });
  });

  it("rejects an update or remove of an id it does not hold, like a 404, and changes nothing", async () => {
    const backend = createFakeBackend<Todo>({ initial: makeTodos() });

    await expect(backend.mutations.update({ id: "zz", data: { title: "x" } })).rejects.toThrow(/update of "zz" failed: .*no such entity \(404\)/);
    await expect(backend.mutations.remove("zz")).rejects.toThrow(/remove of "zz" failed: .*\(404\)/);

    expect(backend.items()).toEqual(makeTodos());
    expect(backend.requests.every((request) => request.settled)).toBe(true);
  });

  it("throws when the test answers a request that is already settled", async () => {
    const backend = createFakeBackend<Todo>();
    await backend.queryFn();

    expect(() => backend.requests[0]!.resolve()).toThrow("resolve() on a query request that is already settled.");
    expect(() => backend.requests[0]!.reject()).toThrow("reject() on a query request that is already settled.");
  });

  it("drives a manager: the store and the backend agree after each action", async () => {
    const backend = createFakeBackend<Todo>({ initial: makeTodos() });
    const { manager, client } = managerOn(backend);
    await vi.waitFor(() => expect(manager.store.count).toBe(3));

    const created = await manager.actions.create({ title: "D", done: false });
    await manager.actions.update({ id: created.id, data: { done: true } });
    await manager.actions.remove("a");

    expect(created.id).toBe("srv-1");
    expect(manager.store.list.slice()).toEqual(backend.items());
    expect(backend.requests.filter((request) => request.kind !== "query").map((request) => request.receipt?.originId)).toEqual([
      expect.any(String),
      backend.requests[1]!.receipt!.originId,
      backend.requests[1]!.receipt!.originId,
    ]);
    expectConsistent(manager, { name: "todos", queryClient: client, transformer: false });
  });
});

describe("createFakeBackend with manual: true", () => {
  it("answers nothing until the test does, queries included", async () => {
    const backend = createFakeBackend<Todo>({ initial: makeTodos(), manual: true });
    const { manager } = managerOn(backend);

    const query = await backend.nextRequest("query");
    await Promise.resolve();
    expect(query.settled).toBe(false);
    expect(manager.status.isLoading).toBe(true);

    query.resolve();

    expect(query.settled).toBe(true);
    await vi.waitFor(() => expect(titles(manager.store)).toEqual(["A", "B", "C"]));
  });

  it("changes its data when a request is resolved, in the order the test resolves them", async () => {
    const backend = createFakeBackend<Todo>({ initial: makeTodos(), manual: true });
    const first = backend.mutations.create({ title: "first" });
    const second = backend.mutations.create({ title: "second" });
    const removal = backend.mutations.remove("a");
    const [createFirst, createSecond, remove] = backend.requests;

    expect(backend.items()).toEqual(makeTodos());
    remove!.resolve();
    createSecond!.resolve();
    createFirst!.resolve();

    await expect(second).resolves.toEqual({ id: "srv-1", title: "second" });
    await expect(first).resolves.toEqual({ id: "srv-2", title: "first" });
    await expect(removal).resolves.toEqual({ id: "a" });
    expect(createSecond!.id).toBe("srv-1");
    expect(backend.items().map((item) => item.id)).toEqual(["b", "c", "srv-1", "srv-2"]);
  });

  it("answers a query with the data as it is when the query is resolved", async () => {
    const backend = createFakeBackend<Todo>({ initial: makeTodos(), manual: true });
    const fetching = backend.queryFn();
    void backend.mutations.remove("a");

    backend.requests[1]!.resolve();
    backend.requests[0]!.resolve();

    expect((await fetching).map((item) => item.id)).toEqual(["b", "c"]);
  });

  it("rejects with the test's error, or a generic one, and leaves its data alone", async () => {
    const backend = createFakeBackend<Todo>({ initial: makeTodos(), manual: true });
    const update = backend.mutations.update({ id: "a", data: { title: "x" } });
    const create = backend.mutations.create({ title: "y" });
    const refused = new Error("Title taken");

    backend.requests[0]!.reject(refused);
    backend.requests[1]!.reject();

    await expect(update).rejects.toBe(refused);
    await expect(create).rejects.toThrow(new Error("create request rejected by the fake backend."));
    expect(backend.items()).toEqual(makeTodos());
    expect(backend.requests.map((request) => request.id)).toEqual(["a", undefined]);
  });

  it("rejects an update resolved after the entity was removed, like a 404", async () => {
    const backend = createFakeBackend<Todo>({ initial: makeTodos(), manual: true });
    const update = backend.mutations.update({ id: "a", data: { title: "late" } });
    void backend.mutations.remove("a");

    backend.requests[1]!.resolve();
    backend.requests[0]!.resolve();

    await expect(update).rejects.toThrow(/404/);
    expect(backend.requests[0]!.settled).toBe(true);
  });

  it("hands out each request once through nextRequest, waiting for the ones not made yet", async () => {
    const backend = createFakeBackend<Todo>({ initial: makeTodos(), manual: true });
    const nextUpdate = backend.nextRequest("update");
    const nextAny = backend.nextRequest();
    void backend.mutations.create({ title: "x" });
    void backend.mutations.update({ id: "a", data: {} });
    void backend.mutations.update({ id: "b", data: {} });

    expect((await nextUpdate).id).toBe("a");
    expect((await nextAny).kind).toBe("create");
    expect((await backend.nextRequest("update")).id).toBe("b");
    const nextAfterAll = backend.nextRequest();
    void backend.mutations.remove("c");
    expect(await nextAfterAll).toBe(backend.requests[3]);
  });

  it("does not hand out through nextRequest a request the test already answered", async () => {
    const backend = createFakeBackend<Todo>({ initial: makeTodos(), manual: true });
    void backend.queryFn();
    void backend.queryFn();
    backend.requests[0]!.resolve();
    await backend.settleAll();
    const next = backend.nextRequest("query");
    void backend.queryFn();

    expect(await next).toBe(backend.requests[2]);
  });

  it("waits with nextRequest for a mutation function the manager calls a few microtasks after the action", async () => {
    const backend = createFakeBackend<Todo>({ initial: makeTodos(), manual: true });
    const { manager } = managerOn(backend);
    (await backend.nextRequest("query")).resolve();
    await vi.waitFor(() => expect(manager.store.count).toBe(3));

    const saving = manager.actions.update({ id: "a", data: { title: "A2" } });
    expect(backend.requests.filter((request) => request.kind === "update")).toEqual([]);
    const update = await backend.nextRequest("update");

    expect(update).toMatchObject({ kind: "update", id: "a", data: { title: "A2" }, settled: false });
    expect(update.receipt).toEqual({ mutationId: expect.any(String), originId: expect.any(String) });
    update.resolve();
    await expect(saving).resolves.toEqual({ id: "a", title: "A2", done: false });
  });
});

describe("settleAll", () => {
  it("resolves every open request in order, also those made while settling, and waits for the store to apply them", async () => {
    const backend = createFakeBackend<Todo>({ initial: makeTodos(), manual: true });
    const { manager, client } = managerOn(backend);

    const creating = manager.actions.create({ title: "D" });
    const tempId = manager.store.list.at(-1)!.id;
    // Sent only once the create is answered, with the server's id.
    const renaming = manager.actions.update({ id: tempId, data: { title: "D2" } });
    const removing = manager.actions.remove("a");
    await backend.settleAll();

    expect(summary(backend.requests)).toEqual(["query", "create srv-1", "remove a", "update srv-1"]);
    expect(manager.status.hasPendingMutations).toBe(false);
    expect(titles(manager.store)).toEqual(["B", "C", "D2"]);
    expect(backend.items()).toEqual([...makeTodos().slice(1), { id: "srv-1", title: "D2" }]);
    await Promise.all([creating, renaming, removing]);
    expectConsistent(manager, { name: "todos", queryClient: client, transformer: false });
  });

  it("only waits when nothing is open", async () => {
    const backend = createFakeBackend<Todo>({ initial: makeTodos() });
    const { manager } = managerOn(backend);

    await backend.settleAll();

    expect(manager.store.count).toBe(3);
  });

  it("gives up, with an error, on requests that keep coming", async () => {
    const backend = createFakeBackend<Todo>({ manual: true });
    const poll = (): Promise<void> => backend.queryFn().then(poll);
    void poll();

    await expect(backend.settleAll()).rejects.toThrow("settleAll(): requests were still being made after 100 rounds of answers.");
  });

  it("needs no timers: it settles a manager under fake timers", async () => {
    vi.useFakeTimers();
    const backend = createFakeBackend<Todo>({ initial: makeTodos(), manual: true });
    const { manager, client } = managerOn(backend);

    const creating = manager.actions.create({ title: "D" });
    await backend.settleAll();

    await expect(creating).resolves.toEqual({ id: "srv-1", title: "D" });
    expect(titles(manager.store)).toEqual(["A", "B", "C", "D"]);
    expectConsistent(manager, { name: "todos", queryClient: client, transformer: false });
  });
});

describe("createFakeBackend, its realtime socket", () => {
  /** A manager listening on the backend's socket. */
  function listening(backend: ReturnType<typeof createFakeBackend<Todo>>) {
    const client = createTestQueryClient();
    const manager = createOptimisticStoreManager<Todo>({ name: "todos", ...backend, transformer: false, realtime: { eventType: "change" } }, client);
    manager.realtime!.connect(backend.socket);
    onCleanup(() => manager.destroy());
    return { manager, client };
  }

  it("broadcasts each write it carries out with the receipt, and a listening store shows the created row once", async () => {
    const backend = createFakeBackend<Todo>({ initial: makeTodos(), manualEvents: true, manual: true });
    const { manager, client } = listening(backend);
    (await backend.nextRequest("query")).resolve();
    await vi.waitFor(() => expect(manager.store.count).toBe(3));
    const creating = manager.actions.create({ title: "D" });
    const request = await backend.nextRequest("create");
    request.resolve();
    expect(backend.socket.held).toEqual([{ type: "change", event: "INSERT", data: { id: "srv-1", title: "D" }, mutationId: request.receipt!.mutationId, originId: request.receipt!.originId }]);
    backend.socket.deliver();
    await vi.waitFor(() => expect(manager.store.get("srv-1")).toEqual({ id: "srv-1", title: "D" }));
    await creating;
    expect(titles(manager.store)).toEqual(["A", "B", "C", "D"]);
    expectConsistent(manager, { name: "todos", queryClient: client });
  });

  it("another client's insert, update and delete reach a listening manager's store", async () => {
    const backend = createFakeBackend<Todo>({ initial: makeTodos() });
    const { manager } = listening(backend);
    await vi.waitFor(() => expect(manager.store.count).toBe(3));
    expect(backend.serverInsert({ title: "X" })).toEqual({ id: "srv-1", title: "X" });
    backend.serverInsert({ id: "y", title: "Y" });
    backend.serverUpdate("a", { title: "A2" });
    backend.serverDelete("b");
    await vi.waitFor(() => expect(titles(manager.store)).toEqual(["A2", "C", "X", "Y"]));
    expect(backend.items().map((item) => item.id)).toEqual(["a", "c", "srv-1", "y"]);
    expect(() => backend.serverUpdate("nope", {})).toThrow(/404/);
  });

  it("with manualEvents, events wait in socket.held until deliver() and arrive in the order they were broadcast", async () => {
    const backend = createFakeBackend<Todo>({ initial: makeTodos(), manualEvents: true, copyReceipts: false });
    const { manager } = listening(backend);
    await vi.waitFor(() => expect(manager.store.count).toBe(3));
    backend.serverUpdate("a", { title: "theirs" });
    await manager.actions.update({ id: "a", data: { title: "mine" } });
    expect(backend.socket.held.map((event) => [event.event, event.data.title, event.mutationId])).toEqual([
      ["UPDATE", "theirs", undefined],
      ["UPDATE", "mine", undefined],
    ]);
    backend.socket.deliver(1);
    await vi.waitFor(() => expect(manager.store.get("a")?.title).toBe("theirs"));
    backend.socket.deliver();
    await vi.waitFor(() => expect(manager.store.get("a")?.title).toBe("mine"));
  });

  it("shows every event of a burst deliver() delivers at once, without a batch timer to wait for", async () => {
    const backend = createFakeBackend<Todo>({ initial: makeTodos(), manualEvents: true });
    const { manager } = listening(backend);
    await vi.waitFor(() => expect(manager.store.count).toBe(3));
    backend.serverUpdate("a", { title: "A2" });
    backend.serverInsert({ id: "d", title: "D" });
    backend.serverDelete("b");

    backend.socket.deliver();

    expect(manager.store.list.slice()).toEqual(backend.items());
  });

  it("settleAll() shows the events broadcast meanwhile under fake timers too", async () => {
    vi.useFakeTimers();
    const backend = createFakeBackend<Todo>({ initial: makeTodos() });
    const { manager, client } = listening(backend);
    await backend.settleAll();
    backend.serverUpdate("a", { title: "A2" });
    backend.serverUpdate("a", { title: "A3" });
    await manager.actions.create({ title: "D" });
    backend.serverInsert({ id: "e", title: "E" });

    await backend.settleAll();

    expect(manager.store.list.slice()).toEqual(backend.items());
    expectConsistent(manager, { name: "todos", queryClient: client });
  });

  it("connect() while connected and disconnect() while disconnected do nothing, as socket.io's: no refetch, no second disconnect", async () => {
    const backend = createFakeBackend<Todo>({ initial: makeTodos() });
    const { manager } = listening(backend);
    await backend.settleAll();
    const disconnects = vi.fn();
    backend.socket.on("disconnect", disconnects);

    backend.socket.connect();
    await backend.settleAll();
    backend.socket.disconnect();
    backend.socket.disconnect();

    expect(backend.requests.filter((request) => request.kind === "query")).toHaveLength(1);
    expect(disconnects).toHaveBeenCalledTimes(1);
    expect(manager.realtime!.isConnected).toBe(false);
  });

  it("loses the events broadcast while disconnected; connect() makes the manager refetch and catch up", async () => {
    const backend = createFakeBackend<Todo>({ initial: makeTodos() });
    const { manager } = listening(backend);
    await vi.waitFor(() => expect(manager.store.count).toBe(3));
    backend.socket.disconnect();
    expect(manager.realtime!.isConnected).toBe(false);
    backend.serverDelete("c");
    await Promise.resolve();
    expect(backend.socket.held).toEqual([]);
    expect(manager.store.get("c")).toBeDefined();
    backend.socket.connect();
    await vi.waitFor(() => expect(manager.store.get("c")).toBeUndefined());
    expect(manager.realtime!.isConnected).toBe(true);
  });
  it("lets go of a manager that stopped listening: a long test making managers on one backend does not keep them all", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const backend = createFakeBackend<Todo>({ initial: makeTodos() });
    // The query leaves the cache at once when unobserved (it holds its manager's query function until then).
    const client = new QueryClient({ defaultOptions: { queries: { retry: false, gcTime: 0 } } });
    const listen = async (stop: "disconnect" | "destroy" | "another socket") => {
      const manager = createOptimisticStoreManager<Todo>({ name: "todos", ...backend, transformer: false, realtime: { eventType: "change" } }, client);
      manager.realtime!.connect(backend.socket);
      await manager.actions.create({ title: "D" });
      if (stop === "disconnect") manager.realtime!.disconnect();
      if (stop === "another socket") manager.realtime!.connect(createFakeBackend<Todo>().socket);
      manager.destroy();
      return new WeakRef(manager.store);
    };
    const stores = [await listen("disconnect"), await listen("destroy"), await listen("another socket")];
    for (let i = 0; i < 3; i++) {
      await nextMacrotask();
      gc();
    }
    // The socket kept every manager ever connected to it (and ran each one at every delivery).
    expect(stores.map((store) => store.deref() === undefined)).toEqual([true, true, true]);
  });
});
