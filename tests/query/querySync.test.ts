/**
 * The query side of a manager: what a fetch may show and when. Real HTTP test server; held
 * requests make the orderings.
 */
import { environmentManager, onlineManager } from "@tanstack/query-core";
import { reaction } from "mobx";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createOptimisticStoreManager } from "../../src";
import { createFakeBackend } from "../../src/testing";
import { connectClient, createTestApi } from "../__fixtures__";
import { createManualApi } from "../__fixtures__/manualApi";
import { makeTodos, type Todo } from "../__fixtures__/mockData";
import { cleanup, countRequests, createTestQueryClient, loaded, nextMacrotask, onCleanup, setupManager, startServer, titles } from "../__fixtures__/testHelpers";

environmentManager.setIsServer(() => false);
afterEach(cleanup);

const cachedTitles = (client: ReturnType<typeof createTestQueryClient>, key = "items") =>
  (client.getQueryData<Todo[]>([key]) ?? []).map((row) => row.title);

describe("sign-out (disable, then store.clear())", () => {
  it("never shows the previous user's data fetched before the sign-out, in the store or the cache, and fetches anew on the next sign-in", async () => {
    let signedIn = true;
    const server = await startServer({ seed: [{ title: "Alice's" }] });
    const { manager, client } = await setupManager({ server, config: { enabled: () => signedIn } });
    await loaded(manager, 1);
    const gate = server.hold({ method: "GET" }, { applyAt: "request" });
    manager.actions.triggerQuery();
    await gate.arrived; // a refetch of Alice's data is in flight

    signedIn = false;
    manager.updateOptions();
    manager.store.clear();
    server.seed([{ title: "Bob's" }]);
    await gate.release();
    await nextMacrotask();

    expect(manager.store.count).toBe(0);
    expect(cachedTitles(client)).toEqual([]);

    signedIn = true;
    manager.updateOptions();
    await loaded(manager, 1);
    expect(titles(manager.store)).toEqual(["Bob's"]);
    expect(countRequests(server, "GET", "/items")).toBe(3);
  });

  it("does not let a sign-in join the previous user's first load still in flight", async () => {
    let signedIn = true;
    const server = await startServer({ seed: [{ title: "Alice's" }] });
    const gate = server.hold({ method: "GET" }, { applyAt: "request" });
    const { manager, client } = await setupManager({ server, config: { enabled: () => signedIn } });
    await gate.arrived;

    signedIn = false;
    manager.updateOptions();
    manager.store.clear();
    server.seed([{ title: "Bob's" }]);
    signedIn = true;
    manager.updateOptions();
    await gate.release();

    await loaded(manager, 1);
    expect(titles(manager.store)).toEqual(["Bob's"]);
    expect(cachedTitles(client)).toEqual(["Bob's"]);
    expect(countRequests(server, "GET", "/items")).toBe(2);
  });
});

describe("refetch", () => {
  it("delivers data fetched after it was asked for, also during a slow first load", async () => {
    const server = await startServer({ seed: makeTodos() });
    const gate = server.hold({ method: "GET" }, { applyAt: "request" });
    const { manager } = await setupManager({ server });
    await gate.arrived; // the first load read A, B, C

    server.serverUpdate("a", { title: "A2" });
    const refetching = manager.actions.refetch();
    await gate.release();
    const result = (await refetching) as { data: Todo[] };

    expect(result.data.map((row) => row.title)).toEqual(["A2", "B", "C"]);
    expect(titles(manager.store)).toEqual(["A2", "B", "C"]);
  });
});

describe("a refetch equal to the cache", () => {
  it("puts the list in the server's order, also when it lands in the same millisecond as the last write-back", async () => {
    // Every timestamp in one millisecond: the refetch's dataUpdatedAt equals the write-back's.
    vi.spyOn(Date, "now").mockReturnValue(1_800_000_000_000);
    onCleanup(() => vi.restoreAllMocks());
    const backend = createFakeBackend<Todo>({ initial: makeTodos(), manual: true });
    const manager = createOptimisticStoreManager<Todo>({ name: "items", ...backend, transformer: false }, createTestQueryClient());
    onCleanup(() => manager.destroy());
    (await backend.nextRequest("query")).resolve();
    await vi.waitFor(() => expect(manager.store.count).toBe(3));

    // Two creates answered in the opposite order: the server lists them as answered, the store
    // shows each where its temporary row stood.
    const first = manager.actions.create({ title: "first", done: false });
    const second = manager.actions.create({ title: "second", done: false });
    const [one, two] = [await backend.nextRequest("create"), await backend.nextRequest("create")];
    two.resolve();
    one.resolve();
    await Promise.all([first, second]);
    await nextMacrotask();
    expect(titles(manager.store)).toEqual(["A", "B", "C", "first", "second"]);

    const refetching = manager.actions.refetch();
    (await backend.nextRequest("query")).resolve();
    await refetching;
    expect(titles(manager.store)).toEqual(backend.items().map((row) => row.title));
    expect(titles(manager.store)).toEqual(["A", "B", "C", "second", "first"]);
  });
});

describe("a disabled manager", () => {
  it("does not observe the query: no observer, and cached data is not shown until enable()", async () => {
    const server = await startServer({ seed: makeTodos() });
    const client = createTestQueryClient();
    client.setQueryData(["items"], [{ id: "cached", title: "Cached" }]);
    const { manager } = await setupManager({ server, client, config: { enabled: () => false } });
    const query = client.getQueryCache().find({ queryKey: ["items"], exact: true })!;

    expect(query.getObserversCount()).toBe(0);
    expect(manager.store.count).toBe(0);

    manager.enable();
    expect(query.getObserversCount()).toBe(1);
    expect(titles(manager.store)).toEqual(["Cached"]);
    manager.disable();
    expect(query.getObserversCount()).toBe(0);
    expect(countRequests(server, "GET", "/items")).toBe(0);
  });

  it("still shows the result of an explicit refetch()", async () => {
    const { manager, server } = await setupManager({ seed: makeTodos(), config: { enabled: () => false } });

    await manager.actions.refetch();

    expect(titles(manager.store)).toEqual(["A", "B", "C"]);
    expect(manager.status.isSyncing).toBe(false);
    expect(countRequests(server, "GET", "/items")).toBe(1);
  });
});

describe("a fetch in flight when the manager stops observing (destroy(), disable())", () => {
  const rows = (...keys: string[]): Todo[] => keys.map((id) => ({ id, title: id.toUpperCase() }));
  const ids = (list: readonly { id: string }[]) => list.map((entity) => entity.id);
  const cachedIds = (client: ReturnType<typeof createTestQueryClient>) => ids(client.getQueryData<Todo[]>(["todos"]) ?? []);
  const manage = (client: ReturnType<typeof createTestQueryClient>, api = createManualApi()) => {
    const manager = createOptimisticStoreManager<Todo>({ name: "todos", ...api, transformer: false }, client);
    onCleanup(() => manager.destroy());
    return manager;
  };

  /**
   * A manager loaded with a, b; a refetch the server reads before it carries out a create of X (so
   * the fetch's list is a, b), and the create answered as s1 before (or after) `stop`. Resolves with
   * the function that lands the fetch.
   */
  async function createdDuringRefetch(answerBeforeStop: boolean, stop: (manager: ReturnType<typeof manage>) => void) {
    const api = createManualApi();
    const client = createTestQueryClient();
    const manager = manage(client, api);
    (await api.next("query")).resolve(rows("a", "b"));
    await vi.waitFor(() => expect(manager.store.count).toBe(2));
    const creating = manager.actions.create({ title: "X" });
    const create = await api.next("create");
    const refetching = manager.actions.refetch();
    const fetch = await api.next("query");
    if (answerBeforeStop) {
      create.resolve({ id: "s1", title: "X" });
      await creating;
    }
    stop(manager);
    if (!answerBeforeStop) {
      create.resolve({ id: "s1", title: "X" });
      await creating;
    }
    expect(cachedIds(client)).toEqual(["a", "b", "s1"]);
    const land = async () => {
      fetch.resolve(rows("a", "b")); // read before the create
      await refetching;
      await nextMacrotask();
    };
    return { client, manager, land };
  }

  it.each([
    ["answered before destroy()", true],
    ["answered after destroy()", false],
  ])("destroy(): its result does not erase a create %s from the query cache, and a manager created later shows it", async (_label, before) => {
    const { client, land } = await createdDuringRefetch(before, (manager) => manager.destroy());
    await land();
    expect(cachedIds(client)).toEqual(["a", "b", "s1"]);
    expect(ids(manage(client).store.list)).toEqual(["a", "b", "s1"]);
  });

  it("destroy(): the cache listener it kept for the fetch is gone once the fetch lands", async () => {
    const { client, land } = await createdDuringRefetch(true, (manager) => manager.destroy());
    const listeners = () => (client.getQueryCache() as unknown as { listeners: Set<unknown> }).listeners.size;
    expect(listeners()).toBe(1);
    await land();
    expect(listeners()).toBe(0);
  });

  it("disable(): its result does not erase a create answered meanwhile from the query cache; the store and a manager created meanwhile show it", async () => {
    const { client, manager, land } = await createdDuringRefetch(true, (m) => m.disable());
    await land();
    expect(ids(manager.store.list)).toEqual(["a", "b", "s1"]);
    expect(cachedIds(client)).toEqual(["a", "b", "s1"]);
    expect(ids(manage(client).store.list)).toEqual(["a", "b", "s1"]);
    manager.enable();
    expect(ids(manager.store.list)).toEqual(["a", "b", "s1"]);
  });

  it("destroy() then a new manager at once (a remount): the entity created meanwhile never leaves the new manager's list when the old fetch lands", async () => {
    const { client, land } = await createdDuringRefetch(true, (manager) => manager.destroy());
    const next = manage(client);
    const shown: string[][] = [];
    const stop = reaction(() => ids(next.store.list), (list) => shown.push(list));
    await land();
    stop();
    expect(ids(next.store.list)).toEqual(["a", "b", "s1"]);
    expect(shown.filter((list) => !list.includes("s1"))).toEqual([]);
    expect(cachedIds(client)).toEqual(["a", "b", "s1"]);
  });
});

describe("store.reconcile() while a fetch is in flight (the app's list is newer than that fetch)", () => {
  const ids = (list: readonly { id: string }[]) => list.map((entity) => entity.id);
  const cachedIds = (client: ReturnType<typeof createTestQueryClient>) => ids(client.getQueryData<Todo[]>(["items"]) ?? []);

  /**
   * A manager showing a, b; another client inserts x without an event, a refetch reads a, b, x and
   * is held; the other client deletes x (again without an event). With `realtime`, the manager
   * listens to the server's events; `disabled`: the refetch() is asked for while disabled.
   */
  async function fetchReadADeletedEntity({ realtime = false, disabled = false } = {}) {
    const server = await startServer({ seed: [{ id: "a", title: "A" }, { id: "b", title: "B" }] });
    const { manager, client } = await setupManager({ server, config: realtime ? { realtime: { eventType: server.eventType } } : {} });
    await loaded(manager, 2);
    if (realtime) manager.realtime!.connect(await connectClient(server));
    if (disabled) manager.disable();
    const x = server.serverInsert({ title: "X" }, { silent: true }).id;
    const gate = server.hold({ method: "GET" }, { applyAt: "request" });
    const refetching = manager.actions.refetch();
    await gate.arrived; // reads a, b, x
    server.serverDelete(x, { silent: true });
    const shownX: string[][] = [];
    const stop = reaction(() => ids(manager.store.list), (list) => list.includes(x) && shownX.push(list));
    onCleanup(stop);
    const land = async () => {
      await gate.release();
      await refetching;
      await nextMacrotask();
    };
    return { server, manager, client, land, shownX };
  }

  it.each([
    ["", false],
    [", also the result of a refetch() asked for while disabled", true],
  ])("never brings back an entity another client deleted before the reconcile%s", async (_label, disabled) => {
    const { server, manager, client, land, shownX } = await fetchReadADeletedEntity({ disabled });
    manager.store.reconcile(server.rows());
    await land();
    expect(ids(manager.store.list)).toEqual(["a", "b"]);
    expect(cachedIds(client)).toEqual(["a", "b"]);
    expect(shownX).toEqual([]);
  });

  it("keeps the realtime events that arrived after the reconcile, and never brings back the deleted entity", async () => {
    const { server, manager, client, land, shownX } = await fetchReadADeletedEntity({ realtime: true });
    manager.store.reconcile(server.rows());
    server.serverUpdate("a", { title: "A2" });
    const y = server.serverInsert({ title: "Y" }).id;
    await vi.waitFor(() => expect(ids(manager.store.list)).toEqual(["a", "b", y]));
    await land();
    expect(manager.store.list.map((todo) => `${todo.id}:${todo.title}`)).toEqual(["a:A2", "b:B", `${y}:Y`]);
    expect(cachedIds(client)).toEqual(["a", "b", y]);
    expect(shownX).toEqual([]);
  });

  it("disable() before it lands: neither the query cache nor the store after enable() shows the deleted entity", async () => {
    const { server, manager, client, land, shownX } = await fetchReadADeletedEntity();
    manager.disable();
    manager.store.reconcile(server.rows());
    await land();
    expect(cachedIds(client)).toEqual(["a", "b"]);
    manager.enable();
    await nextMacrotask();
    expect(ids(manager.store.list)).toEqual(["a", "b"]);
    expect(shownX).toEqual([]);
  });

  it("disable() before it lands, with realtime events after the reconcile: the store after enable() keeps them", async () => {
    const { server, manager, client, land, shownX } = await fetchReadADeletedEntity({ realtime: true });
    manager.disable();
    manager.store.reconcile(server.rows());
    const y = server.serverInsert({ title: "Y" }).id;
    await vi.waitFor(() => expect(ids(manager.store.list)).toEqual(["a", "b", y]));
    await land();
    expect(cachedIds(client)).toEqual(["a", "b", y]);
    manager.enable();
    await nextMacrotask();
    expect(ids(manager.store.list)).toEqual(["a", "b", y]);
    expect(shownX).toEqual([]);
  });

  it("destroy() before it lands: the query cache, and a manager created later, do not show the deleted entity", async () => {
    const { server, manager, client, land } = await fetchReadADeletedEntity();
    manager.store.reconcile(server.rows());
    manager.destroy();
    await land();
    expect(cachedIds(client)).toEqual(["a", "b"]);
    const api = createTestApi<Todo>(server);
    const next = createOptimisticStoreManager<Todo>({ name: "items", queryFn: api.queryFn, mutations: api.mutations, transformer: false, enabled: () => false }, client);
    onCleanup(() => next.destroy());
    next.enable();
    expect(ids(next.store.list)).toEqual(["a", "b"]);
  });

  it("landed while disabled, before the reconcile: enable() does not show the deleted entity", async () => {
    const server = await startServer({ seed: [{ id: "a", title: "A" }, { id: "b", title: "B" }] });
    const { manager, client } = await setupManager({ server });
    await loaded(manager, 2);
    const x = server.serverInsert({ title: "X" }, { silent: true }).id;
    const gate = server.hold({ method: "GET" }, { applyAt: "request" });
    const refetching = manager.actions.refetch();
    await gate.arrived;
    manager.disable();
    await gate.release();
    await refetching;
    expect(cachedIds(client)).toEqual(["a", "b", x]); // landed, not shown
    server.serverDelete(x, { silent: true });
    manager.store.reconcile(server.rows());
    expect(cachedIds(client)).toEqual(["a", "b"]);
    manager.enable();
    await nextMacrotask();
    expect(ids(manager.store.list)).toEqual(["a", "b"]);
  });

  it("a list the app writes under the key after the reconcile (setQueryData), while the older fetch is in flight, is shown and stays when that fetch lands", async () => {
    const { server, manager, client, land, shownX } = await fetchReadADeletedEntity();
    manager.store.reconcile(server.rows());
    client.setQueryData<Todo[]>(["items"], [...server.rows(), { id: "q", title: "Q" } as Todo]);
    expect(ids(manager.store.list)).toEqual(["a", "b", "q"]);
    await land();
    expect(ids(manager.store.list)).toEqual(["a", "b", "q"]);
    expect(cachedIds(client)).toEqual(["a", "b", "q"]);
    expect(shownX).toEqual([]);
  });

  type Fetch = Awaited<ReturnType<typeof fetchReadADeletedEntity>>;
  it.each([
    ["it lands (written before)", async ({ land }: Fetch, write: () => void) => (write(), land())],
    ["it is cancelled (written after)", async ({ client }: Fetch, write: () => void) => (await client.cancelQueries({ queryKey: ["items"] }), write())],
  ])("disable() before the fetch ends, and %s: a list the app writes under the key after the reconcile (setQueryData) is what enable() shows", async (_label, end) => {
    const fetch = await fetchReadADeletedEntity();
    const { server, manager, client, shownX } = fetch;
    manager.disable();
    manager.store.reconcile(server.rows());
    await end(fetch, () => client.setQueryData<Todo[]>(["items"], [...server.rows(), { id: "q", title: "Q" } as Todo]));
    expect(cachedIds(client)).toEqual(["a", "b", "q"]);
    manager.enable();
    await nextMacrotask();
    expect(ids(manager.store.list)).toEqual(["a", "b", "q"]);
    expect(cachedIds(client)).toEqual(["a", "b", "q"]);
    expect(shownX).toEqual([]);
  });

  it.each([
    ["after the reconcile is shown", "after", ["a", "b", "q"]],
    ["before the reconcile is not (the reconcile's list is newer)", "before", ["a", "b"]],
  ])("disable() before the fetch ends, and enable() while it is still in flight: a list the app writes under the key (setQueryData) %s, also when that fetch lands", async (_label, when, expected) => {
    const { server, manager, client, land, shownX } = await fetchReadADeletedEntity();
    manager.disable();
    const write = () => client.setQueryData<Todo[]>(["items"], [...server.rows(), { id: "q", title: "Q" } as Todo]);
    if (when === "before") write();
    manager.store.reconcile(server.rows());
    if (when === "after") write();
    manager.enable();
    await nextMacrotask();
    expect(ids(manager.store.list)).toEqual(expected);
    expect(cachedIds(client)).toEqual(expected);
    await land();
    expect(ids(manager.store.list)).toEqual(expected);
    expect(cachedIds(client)).toEqual(expected);
    expect(shownX).toEqual([]);
  });

  it("a fetch that starts after the reconcile is shown as usual", async () => {
    const { server, manager, land } = await fetchReadADeletedEntity();
    manager.store.reconcile(server.rows());
    await land();
    const z = server.serverInsert({ title: "Z" }, { silent: true }).id;
    await manager.actions.refetch();
    expect(ids(manager.store.list)).toEqual(["a", "b", z]);
  });
});

describe("status while the first load waits for the network", () => {
  it("is loading while there is no data yet and the first fetch is paused offline, and stops loading once it lands", async () => {
    const server = await startServer({ seed: makeTodos() });
    onlineManager.setOnline(false);
    try {
      const { manager } = await setupManager({ server });
      await nextMacrotask();
      expect(manager.store.count).toBe(0);
      expect(countRequests(server, "GET")).toBe(0);
      // A spinner, not an empty list: nothing is known yet.
      expect(manager.status).toMatchObject({ isLoading: true, isSyncing: false, isError: false, isOnline: false });

      onlineManager.setOnline(true);
      await loaded(manager, 3);
      expect(manager.status).toMatchObject({ isLoading: false, isSyncing: false, isOnline: true });
    } finally {
      onlineManager.setOnline(true);
    }
  });

  it("is not loading while a refetch over data is paused offline", async () => {
    const { manager, server } = await setupManager({ seed: makeTodos() });
    await loaded(manager, 3);
    onlineManager.setOnline(false);
    try {
      manager.actions.triggerQuery();
      await nextMacrotask();
      expect(countRequests(server, "GET")).toBe(1);
      expect(manager.status).toMatchObject({ isLoading: false, isSyncing: false });
    } finally {
      onlineManager.setOnline(true);
    }
  });
});

describe("status and the list a fetch brings change in one reaction", () => {
  it("no reaction sees the first load finished with an empty store, nor a refetch finished with the older list", async () => {
    const server = await startServer({ seed: makeTodos() });
    const gate = server.hold({ method: "GET" });
    const { manager } = await setupManager({ server });
    const seen: string[] = [];
    const stop = reaction(
      () => `loading=${manager.status.isLoading} syncing=${manager.status.isSyncing} ${titles(manager.store).join(",")}`,
      (state) => seen.push(state),
      { fireImmediately: true },
    );
    onCleanup(stop);
    await gate.arrived;
    await gate.release();
    await loaded(manager, 3);

    server.serverUpdate("a", { title: "A2" });
    await manager.actions.refetch();
    expect(seen).toEqual([
      "loading=true syncing=true ",
      "loading=false syncing=false A,B,C",
      "loading=false syncing=true A,B,C",
      "loading=false syncing=false A2,B,C",
    ]);
  });
});

describe("updateOptions() while a fetch and a change are in flight", () => {
  it("enabled() turning false then true: the answered change stands, never going back to the older fetched value", async () => {
    let on = true;
    const server = await startServer({ seed: [{ id: "a", title: "A" }, { id: "b", title: "B" }] });
    const { manager } = await setupManager({ server, config: { enabled: () => on } });
    await loaded(manager, 2);
    const shown: string[] = [];
    onCleanup(reaction(() => titles(manager.store).join(), (list) => shown.push(list)));
    const fetchGate = server.hold({ method: "GET" }, { applyAt: "request" });
    const refetch = manager.actions.refetch();
    await fetchGate.arrived; // reads a = A
    const answerGate = server.hold({ method: "PUT" }, { applyAt: "release" });
    const change = manager.actions.update({ id: "a", data: { title: "A2" } });
    await answerGate.arrived;
    on = false;
    manager.updateOptions();
    expect(manager.isEnabled()).toBe(false);
    await answerGate.release();
    await change;
    await fetchGate.release();
    await refetch;
    await nextMacrotask();
    on = true;
    manager.updateOptions();
    await nextMacrotask();
    expect(titles(manager.store)).toEqual(["A2", "B"]);
    expect(shown).toEqual(["A2,B"]);
  });
});
