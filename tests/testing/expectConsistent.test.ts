import { environmentManager, type QueryClient } from "@tanstack/query-core";
import { observable, runInAction } from "mobx";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createOptimisticStoreManager, getGlobalQueryClient, type DataTransformer, type OptimisticStoreManager } from "../../src";
import { createFakeBackend, expectConsistent } from "../../src/testing";
import { makeTodos, type Todo } from "../__fixtures__/mockData";
import { cleanup, createTestQueryClient, onCleanup } from "../__fixtures__/testHelpers";

environmentManager.setIsServer(() => false);
afterEach(async () => {
  vi.useRealTimers();
  await cleanup();
});

/** A loaded manager on a fake backend (`transformer: false` unless given). */
async function setup(options: { manual?: boolean; transformer?: DataTransformer<Todo, Todo> | false; initial?: Todo[] } = {}) {
  const backend = createFakeBackend<Todo>({ initial: options.initial ?? makeTodos(), manual: options.manual });
  const client = createTestQueryClient();
  const config = { name: "todos", ...backend, transformer: "transformer" in options ? options.transformer : false };
  const manager = createOptimisticStoreManager<Todo>(config, client);
  onCleanup(() => manager.destroy());
  await backend.settleAll();
  return { backend, client, manager, check: () => expectConsistent(manager, { ...config, queryClient: client }) };
}

/**
 * The array the query cache holds for `["todos"]`, to break by hand: changed in place, no one is
 * notified (replace items rather than change them: without a transformer they are the store's own).
 */
function cached(client: QueryClient): Todo[] {
  return client.getQueryData<Todo[]>(["todos"])!;
}

describe("expectConsistent with a scoped manager", () => {
  it("compares the cache of the scope shown, given the manager's config or the scope itself", async () => {
    const backend = createFakeBackend<Todo>({ initial: makeTodos() });
    const client = createTestQueryClient();
    const user = observable.box("alice");
    const config = { name: "todos", ...backend, transformer: false as const, scope: () => user.get() };
    const manager = createOptimisticStoreManager<Todo>(config, client);
    onCleanup(() => manager.destroy());
    await backend.settleAll();
    await manager.actions.update({ id: "a", data: { title: "A2" } });

    expectConsistent(manager, { ...config, queryClient: client });
    expectConsistent(manager, { name: "todos", scope: "alice", queryClient: client, transformer: false });
    expect(() => expectConsistent(manager, { name: "todos", scope: "bob", queryClient: client, transformer: false })).toThrow(/not in the query cache|cache/);
  });
});

describe("expectConsistent on healthy managers", () => {
  it("passes right after the last await, leaving no observer behind", async () => {
    const { manager, client, check } = await setup();
    const query = client.getQueryCache().find({ queryKey: ["todos"] })!;

    await manager.actions.create({ title: "D" });
    await manager.actions.update({ id: "a", data: { title: "A2" } });
    await manager.actions.remove("b");

    check();

    expect(cached(client).map((row) => row.title)).toEqual(["A2", "C", "D"]);
    expect(query.getObserversCount()).toBe(1);
  });

  it("passes after answers in any order, failures included", async () => {
    const { backend, manager, check } = await setup({ manual: true });

    const create = manager.actions.create({ title: "D" });
    const rename = manager.actions.update({ id: "a", data: { title: "A2" } });
    const complete = manager.actions.update({ id: "a", data: { done: true } });
    const remove = manager.actions.remove("c");
    const [createRequest, renameRequest, completeRequest, removeRequest] = [
      await backend.nextRequest("create"),
      await backend.nextRequest("update"),
      await backend.nextRequest("update"),
      await backend.nextRequest("remove"),
    ];
    removeRequest.reject(new Error("locked"));
    completeRequest.resolve();
    renameRequest.reject();
    createRequest.resolve();
    await backend.settleAll();
    await Promise.allSettled([create, rename, complete, remove]);

    check();
    expect(manager.store.list.map((todo) => [todo.id, todo.title, todo.done])).toEqual([
      ["a", "A", true],
      ["b", "B", false],
      ["c", "C", true],
      ["srv-1", "D", undefined],
    ]);
  });

  it("compares through the transformer, which may drop fields the cache keeps", async () => {
    type Stored = Todo & { due?: Date };
    const transformer: DataTransformer<Todo, Stored> = {
      toUi: ({ secret: _secret, due, ...todo }) => ({ ...todo, ...(typeof due === "string" && { due: new Date(due) }) }),
      toApi: ({ due, ...todo }) => ({ ...todo, ...(due && { due: due.toISOString() }) }),
    };
    const backend = createFakeBackend<Todo>({ initial: [{ id: "a", title: "A", secret: "s", due: "2024-05-01T10:00:00.000Z" }] });
    const client = createTestQueryClient();
    const manager = createOptimisticStoreManager<Todo, Stored>({ name: "todos", ...backend, transformer }, client);
    onCleanup(() => manager.destroy());
    await backend.settleAll();

    await manager.actions.update({ id: "a", data: { title: "A2" } });

    expect(manager.store.get("a")).toEqual({ id: "a", title: "A2", due: new Date("2024-05-01T10:00:00.000Z") });
    expectConsistent(manager, { name: "todos", queryClient: client, transformer });
  });

  it("uses the default transformer when none is given, as the manager does", async () => {
    const backend = createFakeBackend<Todo>({ initial: [{ id: "a", title: "A", createdAt: "2024-05-01T10:00:00.000Z" }] });
    const client = createTestQueryClient();
    const manager = createOptimisticStoreManager<Todo>({ name: "todos", ...backend }, client);
    onCleanup(() => manager.destroy());
    await backend.settleAll();

    expect(manager.store.get("a")?.createdAt).toBeInstanceOf(Date);
    expectConsistent(manager, { name: "todos", queryClient: client });
    expect(() => expectConsistent(manager, { name: "todos", queryClient: client, transformer: false })).toThrow(/"a" differs between the store and the query cache \(createdAt: store "2024-05-01T10:00:00.000Z", cache "2024-05-01T10:00:00.000Z"\)/);
  });

  it("reads the global QueryClient when none is given", async () => {
    const backend = createFakeBackend<Todo>({ initial: makeTodos() });
    const manager = createOptimisticStoreManager<Todo>({ name: "expect-consistent-global", ...backend, transformer: false });
    onCleanup(() => {
      manager.destroy();
      getGlobalQueryClient().removeQueries({ queryKey: ["expect-consistent-global"] });
    });
    await backend.settleAll();
    await manager.actions.update({ id: "a", data: { title: "A2" } });

    expectConsistent(manager, { name: "expect-consistent-global", transformer: false });
    const rows = getGlobalQueryClient().getQueryData<Todo[]>(["expect-consistent-global"])!;
    rows[0] = { ...rows[0]!, title: "changed" };
    expect(() => expectConsistent(manager, { name: "expect-consistent-global", transformer: false })).toThrow(/"a" differs/);
  });

  it("passes on an empty manager that never fetched, and on a destroyed one", async () => {
    const backend = createFakeBackend<Todo>({ initial: makeTodos() });
    const client = createTestQueryClient();
    const manager = createOptimisticStoreManager<Todo>({ name: "todos", ...backend, transformer: false, enabled: () => false }, client);
    onCleanup(() => manager.destroy());

    expectConsistent(manager, { name: "todos", queryClient: client });
    expectConsistent(manager, { name: "never-created", queryClient: client });
    manager.enable();
    await backend.settleAll();
    manager.destroy();
    expectConsistent(manager, { name: "todos", queryClient: client, transformer: false });
  });

  it("leaves no timer behind (fake timers)", async () => {
    vi.useFakeTimers();
    const { manager, client, check } = await setup();
    manager.store.upsert({ id: "d", title: "D" }); // schedules a coalesced write-back
    const before = vi.getTimerCount();

    check();

    expect(cached(client).map((row) => row.id)).toEqual(["a", "b", "c", "d"]);
    expect(vi.getTimerCount()).toBeLessThanOrEqual(before);
  });

  it("does not compare the cache without a name", async () => {
    const { manager, client } = await setup();
    const rows = cached(client);
    rows[0] = { ...rows[0]!, title: "changed" };

    expect(() => expectConsistent(manager)).not.toThrow();
  });
});

describe("expectConsistent on broken states", () => {
  it("names the changes still in flight", async () => {
    const { backend, manager, check } = await setup({ manual: true });
    void manager.actions.update({ id: "a", data: { title: "A2" } });
    void manager.actions.remove("b");
    await backend.nextRequest("remove");

    expect(check).toThrow(/- changes are still in flight: status\.hasPendingMutations is true \(updatePending, deletePending\)\./);
    expect(check).toThrow(/- store\.isPending\(id\) is true for "a", "b"\./);

    await backend.settleAll();
    check();
  });

  it("names a fetch still in flight", async () => {
    const { backend, manager, check } = await setup({ manual: true });
    void manager.actions.refetch();

    expect(check).toThrow(/- a fetch is still in flight: status\.isSyncing is true, status\.isLoading is false\./);
    (await backend.nextRequest("query")).resolve();
    await backend.settleAll();
    check();
  });

  it("finds a temporary row left without its create", async () => {
    const { manager, check } = await setup();
    manager.store.upsert({ id: "temp-orphan", title: "never saved" });

    expect(check).toThrow(/- temporary id "temp-orphan" is in the store without a create in flight or kept failed \(an orphaned optimistic row\)\./);
  });

  it("finds a query cache that differs from the store: a changed, a missing, an extra and a repeated item", async () => {
    const { client, check } = await setup();
    const rows = cached(client);
    rows[0] = { ...rows[0]!, title: "changed" };
    rows.splice(1, 1);
    rows.push({ id: "z", title: "Z" }, { ...rows[1]! });

    expect(check).toThrow(
      [
        "expectConsistent: the manager is not consistent:",
        '- the query cache holds "c" more than once.',
        '- "a" differs between the store and the query cache (title: store "A", cache "changed").',
        '- "b" is in the store but not in the query cache.',
        '- "z" is in the query cache but not in the store.',
      ].join("\n"),
    );
  });

  it("finds a cache that is not a list, or holds an item without an id", async () => {
    const { manager, client, check } = await setup();
    cached(client).push({ title: "no id" } as Todo);
    expect(check).toThrow(/- the query cache holds an item without a string id: \{"title":"no id"\}\./);

    manager.destroy();
    const query = client.getQueryCache().find({ queryKey: ["todos"] })!;
    query.setState({ data: { items: [] } as unknown as Todo[] });
    expect(check).toThrow(/- the query cache under \["todos"\] holds object, not an array\./);
  });

  it("names a QueryClient (or name) that has no query of the manager's key, instead of every entity as missing from the cache", async () => {
    const { manager } = await setup();
    expect(() => expectConsistent(manager, { name: "todos" })).toThrow(
      /^expectConsistent: the manager is not consistent:\n- the query cache has no query \["todos"\]: pass the manager's queryClient, name and scope\.$/,
    );
    expect(() => expectConsistent(manager, { name: "todo", queryClient: createTestQueryClient() })).toThrow(/- the query cache has no query \["todo"\]/);
  });

  it("reports a transformer that throws on a cached item", async () => {
    const { manager, client } = await setup();
    const throwing: DataTransformer<Todo, Todo> = {
      toUi: () => {
        throw new Error("cannot convert");
      },
      toApi: (todo) => todo,
    };

    expect(() => expectConsistent(manager, { name: "todos", queryClient: client, transformer: throwing })).toThrow(
      /- the transformer's toUi threw on a cached item: cannot convert\./,
    );
  });

  it("finds store.list and store.entities out of step", async () => {
    const { manager, check } = await setup();
    const [first] = manager.store.list;
    runInAction(() => manager.store.list.push(first!));
    expect(check).toThrow(/- store\.list holds "a" more than once\.\n- sizes differ: store\.list has 4, store\.entities 3, store\.count 3\./);

    runInAction(() => manager.store.list.splice(0, 4, { ...first! }, { id: "ghost", title: "?" }));
    expect(check).toThrow(
      /- store\.list holds "ghost" that store\.entities does not\.\n- store\.list and store\.entities hold different objects for "a"\.\n- store\.entities holds "b", "c" that store\.list does not\./,
    );
  });

  it("finds an entity stored under another key than its id", async () => {
    const { manager } = await setup({ initial: [] });
    const broken = { ...manager, store: { ...pickStore(manager), entities: new Map([["x", { id: "y", title: "?" }]]), list: [{ id: "y", title: "?" }], count: 1 } };

    expect(() => expectConsistent(broken as unknown as typeof manager)).toThrow(
      /- store\.list holds "y" that store\.entities does not\.\n- store\.entities holds "x" that store\.list does not\.\n- store\.entities holds entities under another key than their id: "x"\./,
    );
  });
});

/** The parts of a store expectConsistent reads, as a plain object to break by hand. */
function pickStore(manager: OptimisticStoreManager<Todo>) {
  return { isPending: (id: string) => manager.store.isPending(id) };
}

describe("expectConsistent and kept failed changes (keepFailed)", () => {
  /** A manager whose update of "a" failed and is kept (the store shows it, the cache does not). */
  async function managerWithFailedUpdate() {
    const backend = createFakeBackend<Todo>({ initial: makeTodos(), manual: true });
    const client = createTestQueryClient();
    const config = { name: "todos", ...backend, transformer: false as const, keepFailed: true };
    const manager = createOptimisticStoreManager<Todo>(config, client);
    onCleanup(() => manager.destroy());
    await backend.settleAll();
    const updating = manager.actions.update({ id: "a", data: { title: "A2" } });
    (await backend.nextRequest("update")).reject(new Error("refused"));
    await expect(updating).rejects.toThrow("refused");
    return { manager, backend, check: (target = manager) => expectConsistent(target, { ...config, queryClient: client }) };
  }

  it("allows a kept failed change that is marked failed and counted, and nothing failed after retry() or discard()", async () => {
    const { manager, backend, check } = await managerWithFailedUpdate();
    expect(manager.store.writeStatus("a")?.failed).toBe(true);
    check();

    const retrying = manager.store.writeStatus("a")!.retry();
    (await backend.nextRequest("update")).reject(new Error("refused again"));
    await expect(retrying).rejects.toThrow("refused again");
    check();

    manager.store.writeStatus("a")!.discard();
    expect(manager.status.failedCount).toBe(0);
    check();
  });

  it("without a name, passes on a kept failed remove (the entity it hides is only in the cache)", async () => {
    const backend = createFakeBackend<Todo>({ initial: makeTodos(), manual: true });
    const client = createTestQueryClient();
    const manager = createOptimisticStoreManager<Todo>({ name: "todos", ...backend, transformer: false, keepFailed: true }, client);
    onCleanup(() => manager.destroy());
    await backend.settleAll();
    const removing = manager.actions.remove("b");
    (await backend.nextRequest("remove")).reject(new Error("refused"));
    await expect(removing).rejects.toThrow("refused");
    expect(manager.status.failedCount).toBe(1);

    expect(() => expectConsistent(manager, { queryClient: client })).not.toThrow();
    expect(() => expectConsistent(manager, { name: "todos", queryClient: client, transformer: false })).not.toThrow();
    const miscounted = { ...manager, status: { ...toPlain(manager.status), failedCount: 0 } };
    expect(() => expectConsistent(miscounted as typeof manager, { name: "todos", queryClient: client, transformer: false })).toThrow(/failedCount is 0 but 1 entities/);
  });

  it("finds a failed change that status.failedCount does not count", async () => {
    const { manager, check } = await managerWithFailedUpdate();
    const miscounted = { ...manager, status: { ...toPlain(manager.status), failedCount: 0 } };

    expect(() => check(miscounted as typeof manager)).toThrow(/- status\.failedCount is 0 but 1 entities have kept failed changes \("a"\)\./);
  });

  it("finds a changed entity that is not marked failed, and write statuses that contradict themselves", async () => {
    const { manager, check } = await managerWithFailedUpdate();
    const statuses = new Map<string, unknown>([
      ["b", { pending: [], fields: [], failed: false, error: new Error("stale") }],
      ["c", { pending: [], fields: [], failed: true, error: undefined }],
    ]);
    const store = manager.store;
    const forged = {
      ...manager,
      store: { ...pickStore(manager), list: store.list, entities: store.entities, count: store.count, writeStatus: (id: string) => statuses.get(id) },
    };

    expect(() => check(forged as unknown as typeof manager)).toThrow(
      [
        "expectConsistent: the manager is not consistent:",
        '- writeStatus("b").error is set but failed is false.',
        '- writeStatus("b") is not undefined although nothing is in flight or failed for it.',
        '- writeStatus("c").failed is true but its error is undefined.',
        '- "a" differs between the store and the query cache (title: store "A2", cache "A").',
      ].join("\n"),
    );
  });
});

/** A plain copy of the manager's observable status. */
function toPlain(status: OptimisticStoreManager<Todo>["status"]) {
  return {
    isLoading: status.isLoading,
    isError: status.isError,
    error: status.error,
    isSyncing: status.isSyncing,
    createPending: status.createPending,
    updatePending: status.updatePending,
    deletePending: status.deletePending,
    hasPendingMutations: status.hasPendingMutations,
    failedCount: status.failedCount,
  };
}
