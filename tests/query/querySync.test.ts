/**
 * The query side of a manager: what a fetch may show and when, and what the query cache holds.
 * Real HTTP test server; held requests make the orderings.
 */
import { environmentManager } from "@tanstack/query-core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createDefaultTransformer, createOptimisticStoreManager, type DataTransformer } from "../../src";
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
