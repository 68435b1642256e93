import { environmentManager, focusManager, onlineManager } from "@tanstack/query-core";
import { action, autorun, computed, configure, makeObservable, observable, runInAction } from "mobx";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  createDefaultTransformer,
  createOptimisticStoreManager,
  OptimisticConfigError,
  OptimisticEntityError,
  OptimisticLifecycleError,
  OptimisticStore,
  type DataTransformer,
} from "../../src";
import { createFakeBackend } from "../../src/testing";
import { HttpError, type TestServer } from "../__fixtures__";
import { makeTodos, type Todo } from "../__fixtures__/mockData";
import {
  cleanup,
  countRequests,
  createMockSocket,
  createTestQueryClient,
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
  vi.restoreAllMocks();
  await cleanup();
});

const ids = (list: readonly Todo[]) => list.map((todo) => todo.id);
const lastId = (list: readonly Todo[]) => list[list.length - 1]!.id;

/** Resolves once the server has answered (the test's own request goes after any earlier one). */
async function roundTrip(server: TestServer<Todo>): Promise<void> {
  await fetch(`${server.url}/ping`);
}

/** An in-memory server from the testing kit that answers at once (it needs no timers, so it works under fake ones too). */
const memoryBackend = (rows: Todo[] = makeTodos()) => createFakeBackend<Todo>({ initial: rows });

/** The receipts the backend's mutation functions received, in call order. */
const receipts = (backend: ReturnType<typeof memoryBackend>) => backend.requests.flatMap((request) => (request.receipt ? [request.receipt] : []));

describe("createOptimisticStoreManager", () => {
  describe("initialization", () => {
    it("creates a store manager with default options", async () => {
      const { manager, client } = await setupManager({ seed: makeTodos(), config: { transformer: undefined } });

      expect(manager.store).toBeInstanceOf(OptimisticStore);
      expect(manager.isEnabled()).toBe(true);
      expect(manager.realtime).toBeUndefined();
      expect(manager.status).toMatchObject({ isLoading: true, isError: false, error: null, isSyncing: true, hasPendingMutations: false });

      await loaded(manager, 3);
      expect(manager.status).toMatchObject({
        isLoading: false,
        isError: false,
        error: null,
        isSyncing: false,
        createPending: false,
        updatePending: false,
        deletePending: false,
        hasPendingMutations: false,
      });
      expect(titles(manager.store)).toEqual(["A", "B", "C"]);
      const query = client.getQueryCache().find({ queryKey: ["items"], exact: true });
      expect(query?.state.data).toEqual(makeTodos());
      expect(query?.observers[0]?.options.staleTime).toBe(5 * 60 * 1000);
    });

    it("uses a custom store class with its own observables and computeds", async () => {
      const received: unknown[] = [];
      class TodoStore extends OptimisticStore<Todo> {
        search = "";
        constructor(transformer?: DataTransformer<Todo, Todo>) {
          super(transformer);
          received.push(transformer);
          makeObservable(this, { search: observable, visible: computed, doneCount: computed, setSearch: action });
        }
        get visible(): Todo[] {
          return this.list.filter((todo) => todo.title.includes(this.search));
        }
        get doneCount(): number {
          return this.list.filter((todo) => todo.done === true).length;
        }
        setSearch(search: string): void {
          this.search = search;
        }
      }
      const transformer = createDefaultTransformer<Todo>();
      const { manager } = await setupManager<TodoStore>({ seed: makeTodos(), config: { storeClass: TodoStore, transformer } });
      await loaded(manager, 3);

      expect(manager.store).toBeInstanceOf(TodoStore);
      expect(received).toEqual([transformer]);
      const doneCounts: number[] = [];
      const dispose = autorun(() => doneCounts.push(manager.store.doneCount));

      await manager.actions.update({ id: "a", data: { done: true } });
      manager.store.setSearch("C");

      expect(doneCounts).toEqual([1, 2]);
      expect(ids(manager.store.visible)).toEqual(["c"]);
      dispose();
    });

    it("rejects a storeClass that does not extend OptimisticStore", () => {
      class NotAStore {}
      const api = memoryBackend();

      expect(() =>
        createOptimisticStoreManager(
          { name: "x", ...api, storeClass: NotAStore as unknown as new () => OptimisticStore<Todo> },
          createTestQueryClient(),
        ),
      ).toThrow(OptimisticConfigError);
    });

    it("sets up a query observer on the key [name]", async () => {
      const { manager, client } = await setupManager({ seed: makeTodos() });
      await loaded(manager, 3);

      const query = client.getQueryCache().find({ queryKey: ["items"], exact: true });
      expect(query?.getObserversCount()).toBe(1);
      expect(client.getQueryCache().getAll()).toHaveLength(1);
    });

    it("sets up the mutations: each action calls its mutation function with a receipt, as a query-core mutation", async () => {
      const server = await startServer({ seed: makeTodos() });
      const { createTestApi } = await import("../__fixtures__");
      const api = createTestApi<Todo>(server);
      const create = vi.fn(api.mutations.create);
      const update = vi.fn(api.mutations.update);
      const remove = vi.fn(api.mutations.remove);
      const { manager, client } = await setupManager({ server, config: { mutations: { create, update, remove } } });
      const keys: unknown[] = [];
      client.getMutationCache().subscribe((event) => {
        if (event.type === "added") keys.push(event.mutation.options.mutationKey);
      });
      await loaded(manager, 3);

      const created = await manager.actions.create({ title: "D" });
      await manager.actions.update({ id: "a", data: { title: "A2" } });
      await manager.actions.remove("b");

      const receipt = { mutationId: expect.any(String), originId: expect.any(String) };
      expect(create).toHaveBeenCalledWith({ title: "D" }, receipt);
      expect(update).toHaveBeenCalledWith({ id: "a", data: { title: "A2" } }, receipt);
      expect(remove).toHaveBeenCalledWith("b", receipt);
      const receipts = [create.mock.calls[0]![1]!, update.mock.calls[0]![1]!, remove.mock.calls[0]![1]!];
      expect(new Set(receipts.map((r) => r.mutationId)).size).toBe(3);
      expect(new Set(receipts.map((r) => r.originId)).size).toBe(1);
      expect(server.requests.find((r) => r.method === "POST")?.headers["x-mutation-id"]).toBe(receipts[0]!.mutationId);
      expect(keys).toEqual([
        ["items", "create"],
        ["items", "update"],
        ["items", "remove"],
      ]);
      expect(server.rows()).toEqual([
        { id: "a", title: "A2", done: false },
        { id: "c", title: "C", done: true },
        { id: created.id, title: "D" },
      ]);
    });

    it("gives two managers different origin ids", async () => {
      const backend = memoryBackend();
      const client = createTestQueryClient();
      const one = createOptimisticStoreManager({ name: "one", ...backend, transformer: false }, client);
      const two = createOptimisticStoreManager({ name: "two", ...backend, transformer: false }, client);
      onCleanup(() => one.destroy());
      onCleanup(() => two.destroy());

      await one.actions.create({ title: "x" });
      await two.actions.create({ title: "y" });

      const [first, second] = receipts(backend);
      expect(first!.originId).not.toBe(second!.originId);
    });
  });

  describe("transformer", () => {
    interface UiEvent {
      id: string;
      title: string;
      createdAt: Date;
    }

    it("applies the default transformer to query data and mutation answers, and writes API shapes back", async () => {
      const server = await startServer({ seed: [{ id: "123", title: "A", createdAt: "2024-01-02T03:04:05.000Z" }] });
      const { manager, client } = await setupManager({ server, config: { transformer: undefined } });
      await loaded(manager, 1);

      const store = manager.store as unknown as OptimisticStore<UiEvent>;
      expect(store.get("123")?.createdAt).toBeInstanceOf(Date);
      expect(store.get("123")?.id).toBe("123");

      const created = await manager.actions.create({ title: "B", createdAt: "2025-05-06T07:08:09.000Z" });
      expect(store.get(created.id)?.createdAt).toEqual(new Date("2025-05-06T07:08:09.000Z"));

      await vi.waitFor(() =>
        expect(client.getQueryData(["items"])).toEqual([
          { id: "123", title: "A", createdAt: "2024-01-02T03:04:05.000Z" },
          { id: created.id, title: "B", createdAt: "2025-05-06T07:08:09.000Z" },
        ]),
      );
    });

    it("applies a custom transformer's toUi to query data and mutation answers", async () => {
      const transformer: DataTransformer<Todo, Todo> = {
        toUi: (api) => ({ ...api, title: String(api.title).toUpperCase() }),
        toApi: (ui) => ({ ...ui, title: ui.title.toLowerCase() }),
      };
      const { manager } = await setupManager({ seed: [{ id: "a", title: "a" }], config: { transformer } });
      await loaded(manager, 1);

      expect(titles(manager.store)).toEqual(["A"]);
      const pending = manager.actions.create({ title: "b" });
      expect(manager.store.list[1]?.title).toBe("B");
      await pending;
      expect(titles(manager.store)).toEqual(["A", "B"]);
    });

    it("passes data through untouched with transformer: false", async () => {
      const row = { id: "1", title: "x", createdAt: "2024-01-02T03:04:05.000Z", count: "42" };
      const { manager } = await setupManager({ seed: [row], config: { transformer: false } });
      await loaded(manager, 1);

      expect(manager.store.get("1")).toEqual(row);
    });

    it("uses the transformer's optimisticDefaults before the config's", async () => {
      const fromTransformer = vi.fn((input: Partial<Todo>) => ({ id: "", title: `t:${input.title}` }));
      const fromConfig = vi.fn((input: Partial<Todo>) => ({ id: "", title: `c:${input.title}` }));
      const transformer: DataTransformer<Todo, Todo> = {
        toUi: (x) => x,
        toApi: (x) => x,
        optimisticDefaults: { createOptimisticUiData: fromTransformer },
      };
      const { manager, server } = await setupManager({
        config: { transformer, optimisticDefaults: { createOptimisticUiData: fromConfig }, optimisticContext: () => ({ user: "u1" }) },
      });
      const gate = server.hold({ method: "POST" });
      const pending = manager.actions.create({ title: "x" });

      expect(titles(manager.store)).toEqual(["t:x"]);
      expect(fromTransformer).toHaveBeenCalledWith({ title: "x" }, { user: "u1" });
      expect(fromConfig).not.toHaveBeenCalled();
      await gate.release();
      await pending;
    });
  });

  describe("query management", () => {
    it("triggers the initial query if enabled", async () => {
      const { manager, server } = await setupManager({ seed: makeTodos() });
      await loaded(manager, 3);

      expect(countRequests(server, "GET", "/items")).toBe(1);
    });

    it("skips the query if disabled: no request reaches the server", async () => {
      const { manager, server, client } = await setupManager({ seed: makeTodos(), config: { enabled: () => false } });

      expect(manager.isEnabled()).toBe(false);
      expect(client.isFetching()).toBe(0);
      expect(manager.status.isLoading).toBe(false);
      manager.actions.triggerQuery();
      await roundTrip(server);

      expect(countRequests(server, "GET", "/items")).toBe(0);
      expect(manager.store.count).toBe(0);
    });

    it("updates options when enabled() changes: updateOptions re-reads it", async () => {
      let enabled = false;
      const { manager, server } = await setupManager({ seed: makeTodos(), config: { enabled: () => enabled } });
      expect(manager.isEnabled()).toBe(false);

      enabled = true;
      manager.updateOptions();
      expect(manager.isEnabled()).toBe(true);
      await loaded(manager, 3);
      expect(countRequests(server, "GET", "/items")).toBe(1);

      enabled = false;
      manager.updateOptions();
      expect(manager.isEnabled()).toBe(false);
      expect(manager.store.count).toBe(3);
    });

    it("is enabled by default and after enable(), disabled after disable()", async () => {
      const { manager } = await setupManager({ seed: makeTodos(), config: { enabled: () => true } });
      expect(manager.isEnabled()).toBe(true);
      manager.disable();
      expect(manager.isEnabled()).toBe(false);
      manager.enable();
      expect(manager.isEnabled()).toBe(true);
    });

    it("enable() shows fresh cached data without a request", async () => {
      const server = await startServer({ seed: makeTodos() });
      const client = createTestQueryClient();
      client.setQueryData(["items"], [{ id: "cached", title: "Cached" }]);
      const { manager } = await setupManager({ server, client, config: { enabled: () => false } });

      manager.enable();
      await roundTrip(server);

      expect(manager.isEnabled()).toBe(true);
      expect(titles(manager.store)).toEqual(["Cached"]);
      expect(countRequests(server, "GET", "/items")).toBe(0);
    });

    it("enable() fetches stale cached data", async () => {
      const server = await startServer({ seed: makeTodos() });
      const client = createTestQueryClient();
      client.setQueryData(["items"], [{ id: "old", title: "Old" }], { updatedAt: Date.now() - 10 * 60 * 1000 });
      const { manager } = await setupManager({ server, client, config: { enabled: () => false } });

      manager.enable();

      await loaded(manager, 3);
      expect(titles(manager.store)).toEqual(["A", "B", "C"]);
      expect(countRequests(server, "GET", "/items")).toBe(1);
    });

    it("enable() fetches when nothing is cached", async () => {
      const { manager, server } = await setupManager({ seed: makeTodos(), config: { enabled: () => false } });
      manager.enable();

      await loaded(manager, 3);
      expect(countRequests(server, "GET", "/items")).toBe(1);
    });

    it("disable() stops fetching and keeps the entities; a later enable() fetches what became stale", async () => {
      const { manager, server, client } = await setupManager({ seed: makeTodos() });
      await loaded(manager, 3);

      manager.disable();
      server.serverUpdate("a", { title: "A2" });
      manager.actions.triggerQuery();
      await client.invalidateQueries({ queryKey: ["items"] });
      await roundTrip(server);
      expect(countRequests(server, "GET", "/items")).toBe(1);
      expect(titles(manager.store)).toEqual(["A", "B", "C"]);

      manager.enable();
      await vi.waitFor(() => expect(titles(manager.store)).toEqual(["A2", "B", "C"]));
      expect(countRequests(server, "GET", "/items")).toBe(2);
    });

    it("triggerQuery refetches when enabled", async () => {
      const { manager, server } = await setupManager({ seed: makeTodos() });
      await loaded(manager, 3);

      server.serverUpdate("b", { title: "B2" });
      manager.actions.triggerQuery();

      await vi.waitFor(() => expect(titles(manager.store)).toEqual(["A", "B2", "C"]));
      expect(countRequests(server, "GET", "/items")).toBe(2);
    });

    it("refetch resolves with the query result once the store shows it", async () => {
      const { manager, server } = await setupManager({ seed: makeTodos() });
      await loaded(manager, 3);
      server.serverInsert({ title: "D" });

      const result = (await manager.actions.refetch()) as { data: Todo[] };

      expect(result.data.map((row) => row.title)).toEqual(["A", "B", "C", "D"]);
      expect(titles(manager.store)).toEqual(["A", "B", "C", "D"]);
    });

    it("reconciles with staleTime 0: data stale at once is shown, and each refetch is applied", async () => {
      const { manager, server } = await setupManager({ seed: makeTodos(), config: { staleTime: 0 } });
      await loaded(manager, 3);
      const c = manager.store.get("c");

      server.serverUpdate("a", { title: "A2" });
      server.serverDelete("b");
      server.serverInsert({ title: "D" });
      await manager.actions.refetch();

      expect(titles(manager.store)).toEqual(["A2", "C", "D"]);
      expect(manager.store.get("c")).toBe(c);
    });

    it("follows the server's order on refetch and runs no reaction when nothing changed", async () => {
      const { manager, server } = await setupManager({ seed: makeTodos() });
      await loaded(manager, 3);
      const before = manager.store.list.slice();
      const runs = vi.fn();
      const dispose = autorun(() => runs(manager.store.list.map((todo) => todo)));
      runs.mockClear();

      await manager.actions.refetch();
      expect(runs).not.toHaveBeenCalled();
      manager.store.list.forEach((todo, i) => expect(todo).toBe(before[i]));

      server.seed([makeTodos()[2]!, makeTodos()[0]!, makeTodos()[1]!]);
      await manager.actions.refetch();
      expect(ids(manager.store.list)).toEqual(["c", "a", "b"]);
      expect(runs).toHaveBeenCalledTimes(1);
      expect(manager.store.get("a")).toBe(before[0]);
      dispose();
    });

    it("runs a per-entity observer only when its entity changes on refetch", async () => {
      const { manager, server } = await setupManager({ seed: makeTodos() });
      await loaded(manager, 3);
      const seen: (string | undefined)[] = [];
      const dispose = autorun(() => seen.push(manager.store.get("a")?.title));

      server.serverUpdate("b", { title: "B2" });
      await manager.actions.refetch();
      server.serverUpdate("a", { title: "A2" });
      await manager.actions.refetch();

      expect(seen).toEqual(["A", "A2"]);
      dispose();
    });

    it("does not warn under MobX strict mode (enforceActions: always) during a full flow", async () => {
      const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
      configure({ enforceActions: "always" });
      try {
        const { manager, server } = await setupManager({ seed: makeTodos() });
        const dispose = autorun(() => void [manager.store.list.length, manager.status.isLoading, manager.status.hasPendingMutations]);
        await loaded(manager, 3);
        const created = await manager.actions.create({ title: "D" });
        await manager.actions.update({ id: created.id, data: { title: "D2" } });
        server.intercept({ method: "DELETE" }, { status: 500 });
        await expect(manager.actions.remove("a")).rejects.toThrow(HttpError);
        await manager.actions.refetch();
        dispose();
        expect(warn).not.toHaveBeenCalled();
      } finally {
        configure({ enforceActions: "observed" });
      }
    });

    it("reads its own state without MobX's linting warnings (observableRequiresReaction, computedRequiresReaction)", async () => {
      const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
      configure({ observableRequiresReaction: true, computedRequiresReaction: true });
      try {
        const user = observable.box("u1");
        const backend = memoryBackend();
        const manager = createOptimisticStoreManager<Todo>(
          // The app's event filter reads its own observable (the signed-in user).
          { name: "todos", queryFn: backend.queryFn, mutations: backend.mutations, scope: () => user.get(), realtime: { eventType: "todos_update", shouldProcessEvent: (event) => event.user === user.get() } },
          createTestQueryClient(),
        );
        onCleanup(() => manager.destroy());
        // The socket's connection events, a change sent at once and one queued offline, a scope switch.
        const socket = createMockSocket();
        manager.realtime!.connect(socket);
        socket.emit("disconnect");
        socket.emit("connect");
        // An event applied at once, and one of the same burst that waits for its batch.
        socket.emit("todos_update", { type: "todos_update", event: "INSERT", data: { id: "e1", title: "E1" }, user: "u1" });
        socket.emit("todos_update", { type: "todos_update", event: "INSERT", data: { id: "e2", title: "E2" }, user: "u1" });
        await manager.actions.create({ title: "D" });
        onlineManager.setOnline(false);
        const queued = manager.actions.update({ id: "a", data: { title: "A2" } });
        onlineManager.setOnline(true);
        await queued;
        runInAction(() => user.set("u2"));
        manager.destroy();
        expect(warn).not.toHaveBeenCalled();
      } finally {
        configure({ observableRequiresReaction: false, computedRequiresReaction: false });
        onlineManager.setOnline(true);
      }
    });
  });

  describe("status tracking", () => {
    it("tracks loading state", async () => {
      const server = await startServer({ seed: makeTodos() });
      const gate = server.hold({ method: "GET" });
      const { manager } = await setupManager({ server });

      expect(manager.status.isLoading).toBe(true);
      expect(manager.status.isSyncing).toBe(true);
      await gate.arrived;
      await gate.release();

      await vi.waitFor(() => expect(manager.status.isLoading).toBe(false));
      expect(manager.status.isSyncing).toBe(false);
      expect(manager.store.count).toBe(3);
    });

    it("tracks loading state of a refetch() asked for while disabled, before any data", async () => {
      const server = await startServer({ seed: makeTodos() });
      const { manager } = await setupManager({ server, config: { enabled: () => false } });
      expect(manager.status).toMatchObject({ isLoading: false, isSyncing: false });

      const gate = server.hold({ method: "GET" });
      const refetch = manager.actions.refetch();
      expect(manager.status).toMatchObject({ isLoading: true, isSyncing: true });
      await gate.arrived;
      manager.enable();
      manager.disable();
      expect(manager.status).toMatchObject({ isLoading: true, isSyncing: true });
      await gate.release();
      await refetch;
      expect(manager.status).toMatchObject({ isLoading: false, isSyncing: false });
      expect(manager.store.count).toBe(3);

      // With data, a refetch is no load.
      void manager.actions.refetch();
      expect(manager.status).toMatchObject({ isLoading: false, isSyncing: true });
    });

    it("tracks syncing without loading during a background refetch", async () => {
      const { manager, server } = await setupManager({ seed: makeTodos() });
      await loaded(manager, 3);
      const gate = server.hold({ method: "GET" });

      const refetch = manager.actions.refetch();
      expect(manager.status).toMatchObject({ isSyncing: true, isLoading: false });
      await gate.release();
      await refetch;
      expect(manager.status).toMatchObject({ isSyncing: false, isLoading: false });
    });

    it("tracks error state on the first load", async () => {
      const server = await startServer({ seed: makeTodos() });
      server.intercept({ method: "GET" }, { status: 500, body: { error: "db down" } });
      const { manager } = await setupManager({ server });

      await vi.waitFor(() => expect(manager.status.isError).toBe(true));
      expect(manager.status.isLoading).toBe(false);
      expect(manager.status.error).toBeInstanceOf(HttpError);
      expect(manager.status.error?.message).toContain("db down");
      expect(manager.store.count).toBe(0);
    });

    it("tracks error state on a refetch and keeps the entities shown", async () => {
      const { manager, server } = await setupManager({ seed: makeTodos() });
      await loaded(manager, 3);
      server.intercept({ method: "GET" }, { status: 503 });

      await manager.actions.refetch();

      expect(manager.status.isError).toBe(true);
      expect((manager.status.error as HttpError).status).toBe(503);
      expect(titles(manager.store)).toEqual(["A", "B", "C"]);

      await manager.actions.refetch();
      expect(manager.status.isError).toBe(false);
      expect(manager.status.error).toBeNull();
    });

    it("gives status.error as an Error when queryFn rejects with something else (the one onError gets)", async () => {
      const onError = vi.fn();
      const rejection = { status: 503, message: "db down" };
      let reject: unknown = rejection;
      const manager = createOptimisticStoreManager({ name: "odd", ...memoryBackend(), queryFn: () => Promise.reject(reject), onError }, createTestQueryClient());
      onCleanup(() => manager.destroy());

      await vi.waitFor(() => expect(manager.status.isError).toBe(true));
      const first = manager.status.error;
      expect(first).toBeInstanceOf(Error);
      expect(first).toMatchObject({ message: "db down", cause: rejection });
      expect(onError).toHaveBeenCalledExactlyOnceWith(first, { name: "odd", source: "query" });
      // Written back while in error (a store write, disable()), the error stays the same object.
      manager.store.upsert({ id: "x", title: "X" });
      manager.disable();
      expect(manager.status.error).toBe(first);
      expect(onError).toHaveBeenCalledOnce();

      reject = "offline";
      await manager.actions.refetch();
      expect(manager.status.error).toMatchObject({ message: "offline", cause: "offline" });
    });

    it("reports a queryFn that does not resolve to an array as a query error", async () => {
      const onError = vi.fn();
      const api = memoryBackend();
      const manager = createOptimisticStoreManager(
        { name: "bad", ...api, queryFn: () => Promise.resolve({ items: [] } as unknown as Todo[]), onError },
        createTestQueryClient(),
      );
      onCleanup(() => manager.destroy());

      await vi.waitFor(() => expect(manager.status.isError).toBe(true));
      expect(manager.status.error).toBeInstanceOf(OptimisticConfigError);
      expect(manager.status.error?.message).toMatch(/queryFn of "bad" must resolve to an array of entities, got Object/);
      expect(onError).toHaveBeenCalledWith(manager.status.error, { name: "bad", source: "query" });
    });

    it("counts pending mutations per kind while several are in flight", async () => {
      const { manager, server } = await setupManager({ seed: makeTodos() });
      await loaded(manager, 3);
      const history: string[] = [];
      const dispose = autorun(() => {
        const s = manager.status;
        history.push(`${+s.createPending}${+s.updatePending}${+s.deletePending}${+s.hasPendingMutations}`);
      });

      const create1Gate = server.hold({ method: "POST" });
      const create1 = manager.actions.create({ title: "X" });
      await create1Gate.arrived;
      const create2Gate = server.hold({ method: "POST" });
      const create2 = manager.actions.create({ title: "Y" });
      await create2Gate.arrived;
      const updateGate = server.hold({ method: "PUT" });
      const update1 = manager.actions.update({ id: "a", data: { title: "A2" } });
      const update2Gate = server.hold({ method: "PUT" });
      const update2 = manager.actions.update({ id: "b", data: { title: "B2" } });
      const removeGate = server.hold({ method: "DELETE" });
      const remove = manager.actions.remove("c");
      await Promise.all([updateGate.arrived, update2Gate.arrived, removeGate.arrived]);
      expect(manager.status).toMatchObject({ createPending: true, updatePending: true, deletePending: true, hasPendingMutations: true });

      await create1Gate.release();
      await create1;
      expect(manager.status.createPending).toBe(true);
      await create2Gate.fail(500);
      await expect(create2).rejects.toThrow(HttpError);
      expect(manager.status.createPending).toBe(false);

      await updateGate.fail(500);
      await expect(update1).rejects.toThrow(HttpError);
      expect(manager.status.updatePending).toBe(true);
      await update2Gate.release();
      await update2;
      expect(manager.status).toMatchObject({ updatePending: false, deletePending: true, hasPendingMutations: true });

      await removeGate.release();
      await remove;
      expect(manager.status).toMatchObject({ createPending: false, updatePending: false, deletePending: false, hasPendingMutations: false });
      expect(history[0]).toBe("0000");
      expect(history.at(-1)).toBe("0000");
      expect(history.filter((h) => h === "0000")).toHaveLength(2);
      dispose();
    });
  });

  describe("mutations", () => {
    it("performs an optimistic create: visible synchronously, replaced in place by the server entity", async () => {
      const { manager, server } = await setupManager({ seed: makeTodos() });
      await loaded(manager, 3);
      const gate = server.hold({ method: "POST" });

      const pending = manager.actions.create({ title: "D" });
      const tempId = lastId(manager.store.list);
      expect(titles(manager.store)).toEqual(["A", "B", "C", "D"]);
      expect(manager.store.get(tempId)).toEqual({ id: tempId, title: "D" });
      expect(manager.store.isPending(tempId)).toBe(true);
      expect(manager.status.createPending).toBe(true);

      await gate.release();
      const created = await pending;

      expect(created).toEqual(server.row(created.id));
      expect(ids(manager.store.list)).toEqual(["a", "b", "c", created.id]);
      expect(manager.store.get(tempId)).toBeUndefined();
      expect(manager.store.isPending(created.id)).toBe(false);
      expect(manager.store.viewKey(created.id)).toBe(tempId);
      expect(manager.store.count).toBe(4);
    });

    it("performs an optimistic update: visible synchronously, resolved with the server's entity", async () => {
      const { manager, server } = await setupManager({ seed: makeTodos() });
      await loaded(manager, 3);
      const gate = server.hold({ method: "PUT" });

      const pending = manager.actions.update({ id: "b", data: { title: "B2" } });
      expect(manager.store.get("b")).toEqual({ id: "b", title: "B2", done: false });
      expect(manager.store.isPending("b")).toBe(true);

      await gate.release();
      await expect(pending).resolves.toEqual({ id: "b", title: "B2", done: false });
      expect(manager.store.isPending("b")).toBe(false);
      expect(titles(manager.store)).toEqual(["A", "B2", "C"]);
    });

    it("performs an optimistic delete: hidden synchronously, resolved with the server's answer", async () => {
      const { manager, server } = await setupManager({ seed: makeTodos() });
      await loaded(manager, 3);
      const gate = server.hold({ method: "DELETE" });

      const pending = manager.actions.remove("b");
      expect(manager.store.get("b")).toBeUndefined();
      expect(titles(manager.store)).toEqual(["A", "C"]);

      await gate.release();
      await expect(pending).resolves.toEqual({ id: "b" });
      expect(server.row("b")).toBeUndefined();
      expect(titles(manager.store)).toEqual(["A", "C"]);
    });

    it("rolls back a failed create and rejects with the server's error after the rollback", async () => {
      const { manager, server } = await setupManager({ seed: makeTodos() });
      await loaded(manager, 3);
      server.intercept({ method: "POST" }, { status: 422, body: { error: "title taken" } });

      const pending = manager.actions.create({ title: "D" });
      expect(manager.store.count).toBe(4);
      const error = await pending.catch((e: unknown) => ({ error: e, titles: titles(manager.store) }));

      expect(error).toMatchObject({ titles: ["A", "B", "C"] });
      expect((error as { error: HttpError }).error).toBeInstanceOf(HttpError);
      expect((error as { error: HttpError }).error).toMatchObject({ status: 422, message: expect.stringContaining("title taken") });
      expect(manager.status.hasPendingMutations).toBe(false);
    });

    it("rolls back a failed update and rejects after the rollback", async () => {
      const { manager, server } = await setupManager({ seed: makeTodos() });
      await loaded(manager, 3);
      const b = manager.store.get("b");
      server.intercept({ method: "PUT" }, { status: 409 });

      const outcome = await manager.actions.update({ id: "b", data: { title: "B2" } }).catch((e: unknown) => ({ e, b: manager.store.get("b") }));

      expect(outcome).toMatchObject({ e: { status: 409 } });
      expect((outcome as { b: Todo }).b).toBe(b);
    });

    it("rolls back a failed delete, bringing the entity back where it was", async () => {
      const { manager, server } = await setupManager({ seed: makeTodos() });
      await loaded(manager, 3);
      server.intercept({ method: "DELETE" }, { status: 500 });

      const outcome = await manager.actions.remove("b").catch((e: unknown) => ({ e, titles: titles(manager.store) }));

      expect(outcome).toMatchObject({ e: { status: 500 }, titles: ["A", "B", "C"] });
    });

    it("gives every create a unique temporary id, even two in the same millisecond", async () => {
      const { manager, server } = await setupManager();
      await loaded(manager, 0);
      const gate1 = server.hold({ method: "POST" });
      const gate2 = server.hold({ method: "POST" });
      vi.spyOn(Date, "now").mockReturnValue(1_700_000_000_000);

      const first = manager.actions.create({ title: "X" });
      const second = manager.actions.create({ title: "Y" });
      vi.restoreAllMocks();

      const [t1, t2] = ids(manager.store.list);
      expect(t1).not.toBe(t2);
      expect(titles(manager.store)).toEqual(["X", "Y"]);
      await Promise.all([gate1.release(), gate2.release()]);
      const [x, y] = await Promise.all([first, second]);
      expect(new Set(ids(manager.store.list))).toEqual(new Set([x.id, y.id]));
      expect(manager.store.count).toBe(2);
    });

    it("keeps ids unique when createOptimisticUiData returns the same id twice", async () => {
      const { manager, server } = await setupManager({
        seed: makeTodos(),
        config: { optimisticDefaults: { createOptimisticUiData: (input: { title: string }) => ({ id: "fixed", title: input.title, done: false }) } },
      });
      await loaded(manager, 3);
      const gate1 = server.hold({ method: "POST" });
      const first = manager.actions.create({ title: "X" });
      await gate1.arrived;
      const gate2 = server.hold({ method: "POST" });
      const second = manager.actions.create({ title: "Y" });
      await gate2.arrived;

      const [, , , t1, t2] = ids(manager.store.list);
      expect(t1).toBe("fixed");
      expect(t2).not.toBe("fixed");
      expect(titles(manager.store)).toEqual(["A", "B", "C", "X", "Y"]);

      await gate2.release();
      const y = await second;
      expect(ids(manager.store.list)).toEqual(["a", "b", "c", "fixed", y.id]);
      await gate1.release();
      const x = await first;
      expect(ids(manager.store.list)).toEqual(["a", "b", "c", x.id, y.id]);
      expect(manager.store.viewKey(x.id)).toBe("fixed");
      expect(manager.store.count).toBe(5);
    });

    it("never lets createOptimisticUiData's id overwrite an existing entity", async () => {
      const { manager, server } = await setupManager({
        seed: makeTodos(),
        config: { optimisticDefaults: { createOptimisticUiData: (input: { title: string }) => ({ id: "a", title: input.title }) } },
      });
      await loaded(manager, 3);
      const gate = server.hold({ method: "POST" });

      const pending = manager.actions.create({ title: "X" });
      expect(titles(manager.store)).toEqual(["A", "B", "C", "X"]);
      expect(manager.store.get("a")?.title).toBe("A");

      await gate.release();
      const x = await pending;
      expect(ids(manager.store.list)).toEqual(["a", "b", "c", x.id]);
    });

    it("replaces the temporary entity in place when createOptimisticUiData supplies its own id", async () => {
      const { manager, server } = await setupManager({
        seed: makeTodos(),
        config: { optimisticDefaults: { createOptimisticUiData: (input: { title: string }) => ({ id: `client-${input.title}`, title: input.title }) } },
      });
      await loaded(manager, 3);
      const gate = server.hold({ method: "POST" });
      const x = manager.actions.create({ title: "X" });
      await gate.arrived;
      const y = manager.actions.create({ title: "Y" });
      expect(ids(manager.store.list)).toEqual(["a", "b", "c", "client-X", "client-Y"]);

      const yRow = await y;
      await gate.release();
      const xRow = await x;

      expect(ids(manager.store.list)).toEqual(["a", "b", "c", xRow.id, yRow.id]);
      expect(manager.store.get("client-X")).toBeUndefined();
      expect(manager.store.count).toBe(5);
    });

    it("leaves no duplicate when a refetch brings the new entity before the create answers", async () => {
      const { manager, server } = await setupManager({ seed: makeTodos() });
      await loaded(manager, 3);
      const gate = server.hold({ method: "POST" }, { applyAt: "request" });
      const pending = manager.actions.create({ title: "D" });
      const tempId = lastId(manager.store.list);
      await gate.arrived;

      await manager.actions.refetch();
      expect(titles(manager.store)).toContain("D");

      await gate.release();
      const created = await pending;
      expect(ids(manager.store.list)).toEqual(["a", "b", "c", created.id]);
      expect(manager.store.get(tempId)).toBeUndefined();
      expect(manager.store.viewKey(created.id)).toBe(tempId);
    });

    it("rejects an update or remove without a valid id with OptimisticEntityError", async () => {
      const { manager } = await setupManager({ seed: makeTodos() });
      await loaded(manager, 3);

      await expect(manager.actions.update({ id: "", data: {} })).rejects.toThrow(OptimisticEntityError);
      await expect(manager.actions.update(undefined as unknown as { id: string; data: unknown })).rejects.toThrow(/update on "items" needs the entity's id/);
      await expect(manager.actions.remove(undefined as unknown as string)).rejects.toThrow(/remove on "items" needs the entity's id, got undefined/);
      expect(manager.status.hasPendingMutations).toBe(false);
    });

    it("rejects a create whose createOptimisticUiData returns no object", async () => {
      const { manager, server } = await setupManager({
        config: { optimisticDefaults: { createOptimisticUiData: () => null as unknown as Todo } },
      });

      await expect(manager.actions.create({ title: "x" })).rejects.toThrow(OptimisticEntityError);
      await expect(manager.actions.create({ title: "x" })).rejects.toThrow(/createOptimisticUiData of "items" must return an object, got null/);
      expect(countRequests(server, "POST")).toBe(0);
      expect(manager.store.count).toBe(0);
    });

    it("recomputes derived fields of createOptimisticUiData on update", async () => {
      const { manager, server } = await setupManager({
        seed: [{ id: "a", title: "a", slug: "A" }],
        config: {
          optimisticDefaults: {
            createOptimisticUiData: (input: { title: string; id?: string }) => ({ id: input.id ?? "", title: input.title, slug: input.title.toUpperCase() }),
          },
        },
      });
      await loaded(manager, 1);
      const gate = server.hold({ method: "PUT" });

      const pending = manager.actions.update({ id: "a", data: { title: "b" } });
      expect(manager.store.get("a")).toEqual({ id: "a", title: "b", slug: "B" });
      await gate.release();
      await pending;
    });

    it("ignores a non-object data argument of update", async () => {
      const { manager } = await setupManager({ seed: makeTodos() });
      await loaded(manager, 3);
      const a = manager.store.get("a");

      const pending = manager.actions.update({ id: "a", data: null });
      expect(manager.store.get("a")).toBe(a);
      await pending;
    });
  });

  describe("concurrent mutations (create X, update a, remove b) finishing and failing in every order", () => {
    type Op = "create" | "update" | "remove";
    const permutations = (items: Op[]): Op[][] =>
      items.length <= 1 ? [items] : items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
    const cases: [string, Op[], Record<Op, boolean>][] = [];
    for (const order of permutations(["create", "update", "remove"])) {
      for (let mask = 0; mask < 8; mask++) {
        const ok = { create: (mask & 1) === 0, update: (mask & 2) === 0, remove: (mask & 4) === 0 };
        const label = order.map((op) => `${op} ${ok[op] ? "ok" : "fails"}`).join(", then ");
        cases.push([label, order, ok]);
      }
    }
    let server: TestServer<Todo>;
    beforeAll(async () => {
      const { startTestServer } = await import("../__fixtures__");
      server = await startTestServer<Todo>();
    });
    afterAll(() => server.close());

    it.each(cases)("%s: exactly the successful ones stay applied", async (_label, order, ok) => {
      server.seed(makeTodos());
      server.clearIntercepts();
      const { manager } = await setupManager({ server });
      await loaded(manager, 3);
      const gates = {
        create: server.hold({ method: "POST" }),
        update: server.hold({ method: "PUT", path: "/items/a" }),
        remove: server.hold({ method: "DELETE", path: "/items/b" }),
      };
      const promises: Record<Op, Promise<unknown>> = {
        create: manager.actions.create({ title: "X" }),
        update: manager.actions.update({ id: "a", data: { title: "A!" } }),
        remove: manager.actions.remove("b"),
      };
      for (const promise of Object.values(promises)) promise.catch(() => undefined); // a failing assertion must not leave a rejection unhandled
      await Promise.all(Object.values(gates).map((gate) => gate.arrived));
      const state: Record<Op, "pending" | "ok" | "failed"> = { create: "pending", update: "pending", remove: "pending" };
      const expected = () => {
        const shown = (op: Op) => state[op] !== "failed";
        return [shown("update") ? "A!" : "A", ...(shown("remove") ? [] : ["B"]), "C", ...(shown("create") ? ["X"] : [])];
      };
      expect(titles(manager.store)).toEqual(expected());

      for (const op of order) {
        if (ok[op]) {
          await gates[op].release();
          await promises[op];
          state[op] = "ok";
        } else {
          await gates[op].fail(500);
          await expect(promises[op]).rejects.toThrow(HttpError);
          state[op] = "failed";
        }
        expect(titles(manager.store)).toEqual(expected());
      }

      expect(manager.store.list.slice()).toEqual(server.rows());
      expect(manager.status.hasPendingMutations).toBe(false);
      await manager.actions.refetch();
      expect(titles(manager.store)).toEqual(expected());
    });
  });

  describe("concurrent updates of one entity", () => {
    it.each([
      ["first answered first", ["u1", "u2"]],
      ["second answered first", ["u2", "u1"]],
    ] as const)("two updates of one field: the later-started one stands (%s)", async (_label, order) => {
      const { manager, server } = await setupManager({ seed: makeTodos() });
      await loaded(manager, 3);
      const gates = { u1: server.hold({ method: "PUT" }, { applyAt: "request" }), u2: server.hold({ method: "PUT" }, { applyAt: "request" }) };
      const u1 = manager.actions.update({ id: "a", data: { title: "first" } });
      await gates.u1.arrived;
      const u2 = manager.actions.update({ id: "a", data: { title: "second" } });
      await gates.u2.arrived;
      const promises = { u1, u2 };

      for (const name of order) {
        await gates[name].release();
        await promises[name];
        expect(manager.store.get("a")?.title).toBe("second");
      }
      expect(manager.store.get("a")).toEqual(server.row("a"));
    });

    it.each([
      [true, true, ["u1", "u2"]],
      [true, true, ["u2", "u1"]],
      [true, false, ["u1", "u2"]],
      [true, false, ["u2", "u1"]],
      [false, true, ["u1", "u2"]],
      [false, true, ["u2", "u1"]],
      [false, false, ["u1", "u2"]],
      [false, false, ["u2", "u1"]],
    ] as const)("updates of two fields compose (title ok: %s, done ok: %s, answered %j)", async (ok1, ok2, order) => {
      const { manager, server } = await setupManager({ seed: makeTodos() });
      await loaded(manager, 3);
      // A successful request writes when it arrives (the server processes in send order); a failing one never writes.
      const hold = (ok: boolean) => server.hold({ method: "PUT" }, { applyAt: ok ? "request" : "release" });
      const gates = { u1: hold(ok1), u2: undefined as unknown as ReturnType<typeof hold> };
      const u1 = manager.actions.update({ id: "a", data: { title: "A!" } });
      await gates.u1.arrived;
      gates.u2 = hold(ok2);
      const u2 = manager.actions.update({ id: "a", data: { done: true } });
      await gates.u2.arrived;
      expect(manager.store.get("a")).toEqual({ id: "a", title: "A!", done: true });
      const promises = { u1, u2 };
      for (const promise of [u1, u2]) promise.catch(() => undefined); // a failing assertion must not leave a rejection unhandled
      const outcome = { u1: ok1, u2: ok2 };
      const state = { u1: "pending", u2: "pending" };

      for (const name of order) {
        if (outcome[name]) {
          await gates[name].release();
          await promises[name];
          state[name] = "ok";
        } else {
          await gates[name].fail(500);
          await expect(promises[name]).rejects.toThrow(HttpError);
          state[name] = "failed";
        }
        expect(manager.store.get("a")).toEqual({
          id: "a",
          title: state.u1 === "failed" ? "A" : "A!",
          done: state.u2 !== "failed",
        });
      }
      expect(manager.store.get("a")).toEqual(server.row("a"));
    });

    it("removes exactly the failed update's fields when an update of another field succeeded first", async () => {
      const { manager, server } = await setupManager({ seed: makeTodos() });
      await loaded(manager, 3);
      const g1 = server.hold({ method: "PUT" });
      const u1 = manager.actions.update({ id: "a", data: { title: "A!" } });
      await g1.arrived;
      const g2 = server.hold({ method: "PUT" });
      const u2 = manager.actions.update({ id: "a", data: { done: true } });
      await g2.arrived;

      await g2.release();
      await u2;
      await g1.fail(500);
      await expect(u1).rejects.toThrow(HttpError);

      expect(manager.store.get("a")).toEqual({ id: "a", title: "A", done: true });
      expect(server.row("a")).toEqual({ id: "a", title: "A", done: true });
    });

    it("does not let an earlier update's answer overwrite a field a later pending update changed", async () => {
      const { manager, server } = await setupManager({ seed: makeTodos() });
      await loaded(manager, 3);
      const g1 = server.hold({ method: "PUT" }, { applyAt: "request" });
      const u1 = manager.actions.update({ id: "a", data: { title: "first", done: true } });
      await g1.arrived;
      const g2 = server.hold({ method: "PUT" }, { applyAt: "request" });
      const u2 = manager.actions.update({ id: "a", data: { title: "second" } });
      await g2.arrived;

      await g1.release();
      await u1;
      expect(manager.store.get("a")).toEqual({ id: "a", title: "second", done: true });

      await g2.release();
      await u2;
      expect(manager.store.get("a")).toEqual({ id: "a", title: "second", done: true });
    });

    it("keeps a successful earlier update's field when the server processed a later update of another field first", async () => {
      const { manager, server } = await setupManager({ seed: makeTodos() });
      await loaded(manager, 3);
      const g1 = server.hold({ method: "PUT" });
      const u1 = manager.actions.update({ id: "a", data: { title: "A!" } });
      await g1.arrived;
      const g2 = server.hold({ method: "PUT" });
      const u2 = manager.actions.update({ id: "a", data: { done: true } });
      await g2.arrived;

      // The server writes at release: first `done`, then `title`; both succeed.
      await g2.release();
      await u2;
      await g1.release();
      await u1;

      expect(server.row("a")).toEqual({ id: "a", title: "A!", done: true });
      expect(manager.store.get("a")).toEqual({ id: "a", title: "A!", done: true });
    });
  });

  describe("operations on a temporary id", () => {
    async function pendingCreate() {
      const setup = await setupManager({ seed: makeTodos() });
      await loaded(setup.manager, 3);
      const gate = setup.server.hold({ method: "POST" });
      const create = setup.manager.actions.create({ title: "X" });
      await gate.arrived;
      return { ...setup, gate, create, tempId: lastId(setup.manager.store.list) };
    }

    it("carries an update on the temporary id to the server id once the create succeeds", async () => {
      const { manager, server, gate, create, tempId } = await pendingCreate();

      const update = manager.actions.update({ id: tempId, data: { title: "X2" } });
      expect(manager.store.get(tempId)?.title).toBe("X2");
      await gate.release();
      const created = await create;
      await update;

      expect(server.requests.filter((r) => r.method === "PUT").map((r) => r.path)).toEqual([`/items/${created.id}`]);
      expect(server.row(created.id)?.title).toBe("X2");
      expect(ids(manager.store.list)).toEqual(["a", "b", "c", created.id]);
      expect(manager.store.get(created.id)?.title).toBe("X2");
    });

    it("keeps a queued update on top when the create answers first", async () => {
      const { manager, server, gate, create, tempId } = await pendingCreate();
      const putGate = server.hold({ method: "PUT" });

      const update = manager.actions.update({ id: tempId, data: { title: "X2" } });
      await gate.release();
      const created = await create;
      expect(manager.store.get(created.id)?.title).toBe("X2");
      expect(manager.store.isPending(created.id)).toBe(true);

      await putGate.release();
      await update;
      expect(manager.store.get(created.id)).toEqual(server.row(created.id));
      expect(manager.store.isPending(created.id)).toBe(false);
    });

    it("carries a remove on the temporary id to the server id once the create succeeds", async () => {
      const { manager, server, gate, create, tempId } = await pendingCreate();

      const remove = manager.actions.remove(tempId);
      expect(manager.store.get(tempId)).toBeUndefined();
      await gate.release();
      const created = await create;
      await remove;

      expect(server.requests.filter((r) => r.method === "DELETE").map((r) => r.path)).toEqual([`/items/${created.id}`]);
      expect(server.row(created.id)).toBeUndefined();
      expect(ids(manager.store.list)).toEqual(["a", "b", "c"]);
    });

    it("routes an update on the temporary id made after the create settled to the server id", async () => {
      const { manager, server, gate, create, tempId } = await pendingCreate();
      await gate.release();
      const created = await create;

      await manager.actions.update({ id: tempId, data: { title: "X3" } });

      expect(server.row(created.id)?.title).toBe("X3");
      expect(manager.store.get(created.id)?.title).toBe("X3");
      expect(manager.store.get(tempId)).toBeUndefined();
    });

    it("rejects a queued update with the create's error when the create fails, without calling the server", async () => {
      const { manager, server, gate, create, tempId } = await pendingCreate();

      const update = manager.actions.update({ id: tempId, data: { title: "X2" } });
      await gate.fail(422, { error: "invalid" });
      const createError = await create.catch((e: unknown) => e);
      const updateError = await update.catch((e: unknown) => e);

      expect(createError).toBeInstanceOf(HttpError);
      expect(updateError).toBe(createError);
      expect(countRequests(server, "PUT")).toBe(0);
      expect(ids(manager.store.list)).toEqual(["a", "b", "c"]);
      expect(manager.status.hasPendingMutations).toBe(false);
    });

    it("resolves a queued remove without calling the server when the create fails", async () => {
      const { manager, server, gate, create, tempId } = await pendingCreate();

      const remove = manager.actions.remove(tempId);
      await gate.fail(500);
      await expect(create).rejects.toThrow(HttpError);
      await expect(remove).resolves.toBeUndefined();

      expect(countRequests(server, "DELETE")).toBe(0);
      expect(ids(manager.store.list)).toEqual(["a", "b", "c"]);
      expect(manager.status.hasPendingMutations).toBe(false);
    });
  });

  describe("refetch during pending mutations", () => {
    it("applies a refetch beneath the pending mutations, losing nothing when they settle", async () => {
      const { manager, server } = await setupManager({ seed: makeTodos() });
      await loaded(manager, 3);
      const putGate = server.hold({ method: "PUT" });
      const postGate = server.hold({ method: "POST" });
      const deleteGate = server.hold({ method: "DELETE" });
      const update = manager.actions.update({ id: "a", data: { title: "A!" } });
      const create = manager.actions.create({ title: "X" });
      const remove = manager.actions.remove("c");
      await Promise.all([putGate.arrived, postGate.arrived, deleteGate.arrived]);

      server.serverUpdate("a", { done: true });
      server.serverUpdate("b", { title: "B2" });
      server.serverUpdate("c", { title: "C2" });
      server.serverInsert({ title: "N" });
      await manager.actions.refetch();

      expect(manager.store.get("a")).toEqual({ id: "a", title: "A!", done: true });
      expect(titles(manager.store)).toEqual(["A!", "B2", "N", "X"]);

      await Promise.all([putGate.release(), postGate.release(), deleteGate.release()]);
      await Promise.all([update, create, remove]);
      expect(manager.store.list.slice()).toEqual(server.rows());
      expect(titles(manager.store)).toEqual(["A!", "B2", "N", "X"]);
    });

    it("does not let a fetch that started before a mutation answered undo the answer", async () => {
      const { manager, server } = await setupManager({ seed: makeTodos() });
      await loaded(manager, 3);
      const getGate = server.hold({ method: "GET" }, { applyAt: "request" });
      const refetch = manager.actions.refetch();
      await getGate.arrived;

      await manager.actions.update({ id: "a", data: { title: "A2" } });
      const created = await manager.actions.create({ title: "D" });
      await manager.actions.remove("b");
      await getGate.release();
      await refetch;

      expect(titles(manager.store)).toEqual(["A2", "C", "D"]);
      expect(manager.store.get(created.id)).toBeDefined();
      await manager.actions.refetch();
      expect(manager.store.list.slice()).toEqual(server.rows());
    });

    it("applies direct store writes to the confirmed layer, beneath a pending change", async () => {
      const { manager, server } = await setupManager({ seed: makeTodos() });
      await loaded(manager, 3);
      const gate = server.hold({ method: "PUT" });
      const update = manager.actions.update({ id: "a", data: { title: "A!" } });
      await gate.arrived;

      manager.store.upsert({ id: "a", title: "A", done: true });
      expect(manager.store.get("a")).toEqual({ id: "a", title: "A!", done: true });

      await gate.fail(500);
      await expect(update).rejects.toThrow(HttpError);
      expect(manager.store.get("a")).toEqual({ id: "a", title: "A", done: true });
    });
  });

  describe("edge cases", () => {
    it("forgets the changes in flight on store.clear(): their late answers and failures change nothing", async () => {
      const { manager, server } = await setupManager({ seed: makeTodos() });
      await loaded(manager, 3);
      const postGate = server.hold({ method: "POST" });
      const putGate = server.hold({ method: "PUT" });
      const deleteGate = server.hold({ method: "DELETE" });
      const create = manager.actions.create({ title: "X" });
      const update = manager.actions.update({ id: "a", data: { title: "A!" } });
      const remove = manager.actions.remove("b");
      await Promise.all([postGate.arrived, putGate.arrived, deleteGate.arrived]);

      manager.store.clear();
      expect(manager.store.count).toBe(0);

      await postGate.release();
      await create;
      await putGate.release();
      await update;
      await deleteGate.fail(500);
      await expect(remove).rejects.toThrow(HttpError);

      expect(manager.store.count).toBe(0);
      expect(manager.status.hasPendingMutations).toBe(false);
      await manager.actions.refetch();
      expect(manager.store.list.slice()).toEqual(server.rows());
    });

    it("an update answered with another entity keeps its own patch, leaves the other entity alone and reports the answer", async () => {
      const backend = memoryBackend();
      const update = () => Promise.resolve({ id: "b", title: "B?", done: true });
      const errors: string[] = [];
      const manager = createOptimisticStoreManager(
        { name: "m", ...backend, mutations: { ...backend.mutations, update }, transformer: false, onError: (error) => void errors.push(error.message) },
        createTestQueryClient(),
      );
      onCleanup(() => manager.destroy());
      await vi.waitFor(() => expect(manager.store.count).toBe(3));
      const before = manager.store.get("b");

      await manager.actions.update({ id: "a", data: { title: "A2" } });

      expect(manager.store.list.map((todo) => todo.id)).toEqual(["a", "b", "c"]);
      expect(manager.store.get("a")).toEqual({ id: "a", title: "A2", done: false });
      expect(manager.store.get("b")).toBe(before);
      expect(manager.store.isPending("a")).toBe(false);
      expect(errors).toEqual(['the answer to an update of "a" on "m" is entity "b"; it was ignored.']);
    });

    it("keeps an update's patch as the confirmed value when the server answers without an entity", async () => {
      const backend = memoryBackend();
      const update = () => Promise.resolve(undefined as unknown as Todo);
      const manager = createOptimisticStoreManager({ name: "m", ...backend, mutations: { ...backend.mutations, update }, transformer: false }, createTestQueryClient());
      onCleanup(() => manager.destroy());
      await vi.waitFor(() => expect(manager.store.count).toBe(3));

      await manager.actions.update({ id: "a", data: { title: "A2" } });

      expect(manager.store.get("a")).toEqual({ id: "a", title: "A2", done: false });
      expect(manager.store.isPending("a")).toBe(false);
    });

    it("keeps a created entity under its client-generated id when the server accepts that id", async () => {
      const backend = memoryBackend([]);
      // A server that accepts the id the client made (the fake backend always assigns its own).
      const create = (data: Partial<Todo>) => Promise.resolve({ title: "", ...data, id: String(data.id) });
      const manager = createOptimisticStoreManager(
        {
          name: "m",
          ...backend,
          mutations: { ...backend.mutations, create },
          transformer: false,
          optimisticDefaults: { createOptimisticUiData: (input: Todo) => ({ ...input }) },
        },
        createTestQueryClient(),
      );
      onCleanup(() => manager.destroy());
      await vi.waitFor(() => expect(manager.status.isLoading).toBe(false));

      const created = await manager.actions.create({ id: "client-1", title: "X" });

      expect(created.id).toBe("client-1");
      expect(manager.store.list.slice()).toEqual([{ id: "client-1", title: "X" }]);
      expect(manager.store.isPending("client-1")).toBe(false);
      expect(manager.store.viewKey("client-1")).toBe("client-1");
    });

    it("hides both rows when the entity a refetch brought is removed before its create answers", async () => {
      const { manager, server } = await setupManager({ seed: makeTodos() });
      await loaded(manager, 3);
      const postGate = server.hold({ method: "POST" }, { applyAt: "request" });
      const create = manager.actions.create({ title: "X" });
      await postGate.arrived;
      await manager.actions.refetch();
      const serverId = server.rows()[3]!.id;
      expect(titles(manager.store)).toEqual(["A", "B", "C", "X", "X"]);

      const deleteGate = server.hold({ method: "DELETE" });
      const remove = manager.actions.remove(serverId);
      await deleteGate.arrived;
      await postGate.release();
      await create;
      expect(titles(manager.store)).toEqual(["A", "B", "C"]);

      await deleteGate.release();
      await remove;
      expect(ids(manager.store.list)).toEqual(["a", "b", "c"]);
      expect(server.rows()).toEqual(makeTodos());
    });

    it("works without crypto.randomUUID", async () => {
      vi.stubGlobal("crypto", undefined);
      try {
        const backend = memoryBackend();
        const manager = createOptimisticStoreManager({ name: "m", ...backend, transformer: false }, createTestQueryClient());
        onCleanup(() => manager.destroy());
        await manager.actions.create({ title: "x" });

        expect(receipts(backend)[0]!.originId).toMatch(/^[a-z0-9]+$/);
      } finally {
        vi.unstubAllGlobals();
      }
    });

    it("turns a non-Error query rejection into an Error for onError", async () => {
      const onError = vi.fn();
      const manager = createOptimisticStoreManager(
        { name: "m", ...memoryBackend(), queryFn: () => Promise.reject("offline"), onError },
        createTestQueryClient(),
      );
      onCleanup(() => manager.destroy());

      await vi.waitFor(() => expect(onError).toHaveBeenCalledTimes(1));
      expect(onError.mock.calls[0]![0]).toBeInstanceOf(Error);
      expect(onError.mock.calls[0]![0].message).toBe("offline");
      expect(manager.status.isError).toBe(true);
    });

    it.each([
      ["undefined", undefined],
      ["null", null],
    ])("shows and reports each fetch that rejects with %s as an Error", async (label, value) => {
      const onError = vi.fn();
      const manager = createOptimisticStoreManager(
        { name: "m", ...memoryBackend(), queryFn: () => Promise.reject(value), onError },
        createTestQueryClient(),
      );
      onCleanup(() => manager.destroy());

      await manager.actions.refetch();
      expect(manager.status.isError).toBe(true);
      expect(manager.status.error).toBeInstanceOf(Error);
      expect(manager.status.error!.message).toBe(label);
      expect(manager.status.error!.cause).toBe(value);
      expect(onError).toHaveBeenCalledTimes(1);
      expect(onError.mock.calls[0]![0]).toBe(manager.status.error);
      expect(onError.mock.calls[0]![1]).toMatchObject({ source: "query", name: "m" });

      await manager.actions.refetch(); // fails again: a new failure, reported again
      expect(onError).toHaveBeenCalledTimes(2);
      expect(manager.status.error).toBe(onError.mock.calls[1]![0]);
    });

    it.each([
      ["null", null, "null"],
      ["a number", 42, "number"],
      ["an object without prototype", Object.create(null) as object, "object"],
    ])("reports a queryFn resolving to %s as a query error", async (_label, value, described) => {
      const onError = vi.fn();
      const manager = createOptimisticStoreManager(
        { name: "m", ...memoryBackend(), queryFn: () => Promise.resolve(value as unknown as Todo[]), onError },
        createTestQueryClient(),
      );
      onCleanup(() => manager.destroy());

      await vi.waitFor(() => expect(onError).toHaveBeenCalledTimes(1));
      expect(onError.mock.calls[0]![0].message).toBe(`queryFn of "m" must resolve to an array of entities, got ${described}.`);
    });
  });

  describe("destroy()", () => {
    it("leaves no query observer and no cache listener", async () => {
      const server = await startServer({ seed: makeTodos() });
      const client = createTestQueryClient();
      expect(client.getQueryCache().hasListeners()).toBe(false);
      const { manager } = await setupManager({ server, client });
      await loaded(manager, 3);
      await manager.actions.create({ title: "D" });
      const query = client.getQueryCache().find({ queryKey: ["items"], exact: true })!;
      expect(query.getObserversCount()).toBe(1);
      expect(focusManager.hasListeners()).toBe(true);

      manager.destroy();

      expect(query.getObserversCount()).toBe(0);
      expect(client.getQueryCache().hasListeners()).toBe(false);
      expect(focusManager.hasListeners()).toBe(false); // the client was unmounted
      expect(onlineManager.hasListeners()).toBe(false);
      expect(client.getMutationCache().getAll().every((mutation) => mutation.state.status !== "pending")).toBe(true);
    });

    it("clears its timers (checked with fake timers)", async () => {
      vi.useFakeTimers();
      const backend = memoryBackend();
      const client = createTestQueryClient();
      client.setDefaultOptions({ queries: { retry: false, gcTime: Infinity } });
      const manager = createOptimisticStoreManager({ name: "timers", ...backend, transformer: false }, client);
      await vi.runAllTimersAsync();
      expect(manager.store.count).toBe(3);
      expect(vi.getTimerCount()).toBe(0);

      const updating = manager.actions.update({ id: "a", data: { title: "A2" } }); // one query-core mutation, gc'd by a timer
      manager.store.upsert({ id: "d", title: "D" }); // written to the cache at once: no timer
      expect((client.getQueryData(["timers"]) as Todo[]).map((row) => row.id)).toEqual(["a", "b", "c", "d"]);
      await vi.runAllTimersAsync();
      await updating;

      manager.destroy();

      expect(vi.getTimerCount()).toBe(0);
      expect((client.getQueryData(["timers"]) as Todo[]).map((row) => row.title)).toEqual(["A2", "B", "C", "D"]);
    });

    it("sends the updates and removes made just before destroy() (save and close), two of one entity included, and writes their answers to the cache", async () => {
      const backend = createFakeBackend<Todo>({ initial: makeTodos() });
      const client = createTestQueryClient();
      const manager = createOptimisticStoreManager<Todo>({ name: "closing", ...backend, transformer: false }, client);
      await loaded(manager, 3);
      const saving = [manager.actions.update({ id: "a", data: { title: "A2" } }), manager.actions.update({ id: "a", data: { done: true } }), manager.actions.remove("c")];
      manager.destroy();
      await Promise.all(saving);
      expect(backend.items().map(({ id, title, done }) => ({ id, title, done }))).toEqual([
        { id: "a", title: "A2", done: true },
        { id: "b", title: "B", done: false },
      ]);
      expect((client.getQueryData(["closing"]) as Todo[]).map((todo) => todo.id)).toEqual(["a", "b"]);
    });

    it("drops, unsent, a change made before destroy() that waits for the create of its entity", async () => {
      const backend = createFakeBackend<Todo>({ initial: makeTodos(), manual: true });
      const manager = createOptimisticStoreManager<Todo>({ name: "closing", ...backend, transformer: false }, createTestQueryClient());
      (await backend.nextRequest("query")).resolve();
      await loaded(manager, 3);
      const creating = manager.actions.create({ title: "D" });
      const tempId = manager.store.list[3]!.id;
      const create = await backend.nextRequest("create");
      const editing = manager.actions.update({ id: tempId, data: { title: "D2" } });
      manager.destroy();
      create.resolve();
      await creating;
      await expect(editing).rejects.toThrow(/destroy/);
      expect(backend.requests.filter((request) => request.kind === "update")).toHaveLength(0);
    });

    it("makes a mutation answer that lands after destroy() a no-op", async () => {
      const { manager, server } = await setupManager({ seed: makeTodos() });
      await loaded(manager, 3);
      const gate = server.hold({ method: "POST" });
      const create = manager.actions.create({ title: "D" });
      await gate.arrived;
      const before = manager.store.list.slice();

      manager.destroy();
      await gate.release();
      await create;

      expect(manager.store.list.slice()).toEqual(before);
    });

    it("makes a query result that lands after destroy() a no-op", async () => {
      const { manager, server } = await setupManager({ seed: makeTodos() });
      await loaded(manager, 3);
      const gate = server.hold({ method: "GET" });
      const refetch = manager.actions.refetch();
      await gate.arrived;

      manager.destroy();
      expect(manager.status.isSyncing).toBe(false);
      server.serverUpdate("a", { title: "A2" });
      await gate.release();
      await refetch;

      expect(titles(manager.store)).toEqual(["A", "B", "C"]);
      expect(manager.status.isSyncing).toBe(false);
    });

    it("rejects actions after destroy() with OptimisticLifecycleError and ignores the rest", async () => {
      const { manager, server } = await setupManager({ seed: makeTodos() });
      await loaded(manager, 3);
      manager.destroy();
      manager.destroy();

      await expect(manager.actions.create({ title: "x" })).rejects.toThrow(OptimisticLifecycleError);
      await expect(manager.actions.update({ id: "a", data: {} })).rejects.toThrow(/update on "items" after destroy\(\)/);
      await expect(manager.actions.remove("a")).rejects.toThrow(/Create a new manager/);
      await expect(manager.actions.refetch()).resolves.toBeUndefined();
      manager.actions.triggerQuery();
      manager.enable();
      manager.disable();
      manager.updateOptions();
      await roundTrip(server);

      expect(countRequests(server, "GET", "/items")).toBe(1);
      expect(countRequests(server, "POST") + countRequests(server, "PUT") + countRequests(server, "DELETE")).toBe(0);
      expect(manager.store.count).toBe(3);
    });
  });

  describe("error hook", () => {
    it("hands query errors to onError with source query and the manager's name", async () => {
      const server = await startServer({ seed: makeTodos() });
      server.intercept({ method: "GET" }, { status: 500, body: { error: "boom" } });
      const onError = vi.fn();
      const { manager } = await setupManager({ server, config: { onError } });

      await vi.waitFor(() => expect(onError).toHaveBeenCalledTimes(1));
      expect(onError).toHaveBeenCalledWith(manager.status.error, { source: "query", name: "items" });
      expect(onError.mock.calls[0]![0]).toBeInstanceOf(HttpError);
    });

    it("hands query errors to logger.error when there is no onError", async () => {
      const server = await startServer({ seed: makeTodos() });
      server.intercept({ method: "GET" }, { status: 500, body: { error: "boom" } });
      const logger = { error: vi.fn(), warn: vi.fn(), debug: vi.fn() };
      await setupManager({ server, config: { logger } });

      await vi.waitFor(() => expect(logger.error).toHaveBeenCalledTimes(1));
      expect(logger.error).toHaveBeenCalledWith(
        expect.stringContaining("[items] GET /items failed: 500 boom"),
        expect.objectContaining({ source: "query", name: "items", error: expect.any(HttpError) }),
      );
    });

    it("skips a server item without a string id (none, or a number, or not an object), reports it and applies the rest", async () => {
      const server = await startServer({ seed: makeTodos() });
      const { createTestApi } = await import("../__fixtures__");
      const api = createTestApi<Todo>(server);
      const onError = vi.fn();
      const bad = { title: "no id" };
      const numeric = { id: 2, title: "a number for an id" };
      const { manager } = await setupManager({
        server,
        config: { onError, queryFn: async () => [...(await api.queryFn()), bad as Todo, null as unknown as Todo, numeric as unknown as Todo] },
      });

      await loaded(manager, 3);
      expect(titles(manager.store)).toEqual(["A", "B", "C"]);
      expect(onError).toHaveBeenCalledWith(expect.any(OptimisticEntityError), { source: "query", name: "items", payload: bad });
      expect(onError).toHaveBeenCalledWith(expect.any(OptimisticEntityError), { source: "query", name: "items", payload: numeric });
      expect(onError).toHaveBeenCalledWith(expect.any(OptimisticEntityError), { source: "query", name: "items", payload: null });
      expect(onError).toHaveBeenCalledTimes(3);
      expect(onError.mock.calls[0]![0].message).toMatch(/query data of "items" has no valid id; it was ignored/);
    });

    it("reports a create answer without an id, keeps the optimistic entity until a refetch shows the server's", async () => {
      const onError = vi.fn();
      const backend = createFakeBackend<Todo>({ initial: makeTodos(), manual: true });
      // The server creates the todo but answers without its id.
      const create = async (data: unknown) => {
        const { id: _id, ...answer } = await backend.mutations.create(data);
        return answer as Todo;
      };
      const manager = createOptimisticStoreManager({ name: "m", ...backend, mutations: { ...backend.mutations, create }, transformer: false, onError }, createTestQueryClient());
      onCleanup(() => manager.destroy());
      (await backend.nextRequest("query")).resolve();
      await vi.waitFor(() => expect(manager.store.count).toBe(3));

      const creating = manager.actions.create({ title: "X", done: false });
      (await backend.nextRequest("create")).resolve();
      await expect(creating).resolves.toEqual({ title: "X", done: false });

      expect(onError).toHaveBeenCalledWith(expect.any(OptimisticEntityError), { source: "mutation", name: "m", payload: { title: "X", done: false } });
      expect(titles(manager.store)).toEqual(["A", "B", "C", "X"]);
      expect(manager.status.hasPendingMutations).toBe(false);
      const refetch = await backend.nextRequest("query"); // to learn the new todo's id
      refetch.resolve();
      await vi.waitFor(() => expect(manager.store.list.map((todo) => todo.id)).toEqual(["a", "b", "c", "srv-1"]));
    });

    it("reports a throwing transformer as a callback error and skips the item", async () => {
      const onError = vi.fn();
      const failure = new Error("toUi failed");
      const transformer: DataTransformer<Todo, Todo> = {
        toUi: (item) => {
          if (item.id === "b") throw failure;
          return item;
        },
        toApi: (item) => item,
      };
      const manager = createOptimisticStoreManager({ name: "t", ...memoryBackend(), transformer, onError }, createTestQueryClient());
      onCleanup(() => manager.destroy());

      await vi.waitFor(() => expect(manager.store.count).toBe(2));
      expect(onError).toHaveBeenCalledWith(failure, { source: "callback", name: "t", payload: { id: "b", title: "B", done: false } });
    });

    it("re-raises a throwing transformer asynchronously when no hook is set", async () => {
      vi.useFakeTimers();
      const transformer: DataTransformer<Todo, Todo> = {
        toUi: () => {
          throw new Error("toUi failed");
        },
        toApi: (item) => item,
      };
      const manager = createOptimisticStoreManager({ name: "t", ...memoryBackend(), transformer }, createTestQueryClient());
      onCleanup(() => manager.destroy());

      await expect(vi.runAllTimersAsync()).rejects.toThrow("toUi failed");
      expect(manager.store.count).toBe(0);
    });

    it("re-raises a throwing onError hook asynchronously without breaking the store", async () => {
      vi.useFakeTimers();
      const backend = memoryBackend();
      const manager = createOptimisticStoreManager(
        {
          name: "t",
          ...backend,
          transformer: false,
          queryFn: () => Promise.resolve([{ id: "a", title: "A" }, { title: "bad" } as Todo]),
          onError: () => {
            throw new Error("hook failed");
          },
        },
        createTestQueryClient(),
      );
      onCleanup(() => manager.destroy());

      await expect(vi.runAllTimersAsync()).rejects.toThrow("hook failed");
      expect(titles(manager.store)).toEqual(["A"]);
    });

    it("is silent without a hook: a failing query is reported nowhere", async () => {
      const server = await startServer({ seed: makeTodos() });
      server.intercept({ method: "GET" }, { status: 500 });
      const { manager } = await setupManager({ server, config: { logger: {} } });

      await vi.waitFor(() => expect(manager.status.isError).toBe(true));
      await nextMacrotask();
    });
  });
});
