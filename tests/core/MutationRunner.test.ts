/**
 * The mutation path: what reaches the server, in which order, and with which id.
 */
import { environmentManager, onlineManager, QueryClient } from "@tanstack/query-core";
import { autorun, observable, runInAction } from "mobx";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  createOptimisticStoreManager,
  OptimisticEntityError,
  OptimisticLifecycleError,
  type OptimisticErrorInfo,
} from "../../src";
import { connectClient, createTestApi } from "../__fixtures__";
import { createManualApi } from "../__fixtures__/manualApi";
import { makeTodos, type Todo } from "../__fixtures__/mockData";
import { cleanup, createTestQueryClient, loaded, nextMacrotask, onCleanup, setupManager, startServer, titles, waitForMs } from "../__fixtures__/testHelpers";

environmentManager.setIsServer(() => false);
afterEach(cleanup);

const writes = (server: Awaited<ReturnType<typeof startServer>>) =>
  server.requests.filter((request) => request.method !== "GET").map((request) => `${request.method} ${request.path}`);

describe("changes of one entity reach the server in the order they were made", () => {
  it("sends an update queued on a temporary id before a later update made with the server id the echo gave", async () => {
    const server = await startServer({ seed: makeTodos() });
    const { manager } = await setupManager({ server, config: { realtime: { eventType: server.eventType } } });
    await loaded(manager, 3);
    manager.realtime!.connect(await connectClient(server));
    const post = server.hold({ method: "POST" }, { applyAt: "request" }); // written and echoed, answer held

    const creating = manager.actions.create({ title: "new" });
    const tempId = manager.store.list.at(-1)!.id;
    const first = manager.actions.update({ id: tempId, data: { title: "first edit" } });
    await post.arrived;
    const serverId = server.rows().at(-1)!.id;
    await vi.waitFor(() => expect(manager.store.get(serverId)).toBeDefined()); // the echo told the server id
    const second = manager.actions.update({ id: serverId, data: { title: "second edit" } });
    await post.release();
    await Promise.all([creating, first, second]);

    expect(writes(server)).toEqual(["POST /items", `PUT /items/${serverId}`, `PUT /items/${serverId}`]);
    expect(server.row(serverId)?.title).toBe("second edit");
    expect(manager.store.get(serverId)?.title).toBe("second edit");
  });
});

describe("changes queued on a temporary id", () => {
  /** A create held at the server, and an update and a remove made on its temporary id. */
  async function queuedOnACreate() {
    const server = await startServer({ seed: makeTodos() });
    const { manager } = await setupManager({ server });
    await loaded(manager, 3);
    const post = server.hold({ method: "POST" });
    const creating = manager.actions.create({ title: "new" });
    const tempId = manager.store.list.at(-1)!.id;
    const updating = manager.actions.update({ id: tempId, data: { title: "edit" } });
    const removing = manager.actions.remove(tempId);
    await post.arrived;
    return { server, manager, post, creating, tempId, updating, removing };
  }

  it.each([
    ["destroy()", (manager: { destroy(): void }) => manager.destroy()],
    ["store.clear()", (manager: { store: { clear(): void } }) => manager.store.clear()],
  ])("are dropped, never sent with the temporary id, after %s", async (_label, end) => {
    const { server, manager, post, creating, updating, removing } = await queuedOnACreate();
    // Handled from the start: store.clear() rejects them at once, before the create is answered.
    const outcomes = [updating, removing].map((action) => action.then(() => undefined, (error: unknown) => error));

    end(manager as never);
    await post.release();
    await creating;

    for (const outcome of await Promise.all(outcomes)) expect(outcome).toBeInstanceOf(OptimisticLifecycleError);
    expect(writes(server)).toEqual(["POST /items"]);
  });

  it("after store.clear() (a sign-out) no longer count as pending: their actions reject at once, before the create is answered", async () => {
    const { server, manager, post, creating, tempId, updating, removing } = await queuedOnACreate();
    expect([manager.status.updatePending, manager.status.deletePending]).toEqual([true, true]);
    const settled: unknown[] = [];
    for (const action of [updating, removing]) action.then((value) => settled.push(value), (error: unknown) => settled.push(error));

    manager.store.clear();
    await nextMacrotask();

    expect(settled.map((outcome) => outcome instanceof OptimisticLifecycleError)).toEqual([true, true]);
    expect([manager.status.updatePending, manager.status.deletePending]).toEqual([false, false]);
    expect(manager.store.isPending(tempId)).toBe(false);
    expect(manager.store.writeStatus(tempId)).toBeUndefined();
    // The create itself is on the network: it counts until the server answers it.
    expect(manager.status.createPending).toBe(true);
    await post.release();
    await creating;
    expect(manager.status.hasPendingMutations).toBe(false);
    expect(manager.store.count).toBe(0);
    expect(writes(server)).toEqual(["POST /items"]);
  });

  it("after store.clear(), a refused create leaves no unhandled rejection behind the changes that waited for it", async () => {
    const { server, manager, post, creating, updating, removing } = await queuedOnACreate();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    onCleanup(() => process.off("unhandledRejection", onUnhandled));

    manager.store.clear();
    for (const change of [updating, removing]) await expect(change).rejects.toBeInstanceOf(OptimisticLifecycleError);
    await post.fail(500);
    await creating.catch(() => undefined);
    await nextMacrotask();
    await nextMacrotask();

    expect(unhandled).toEqual([]);
    expect(writes(server)).toEqual(["POST /items"]);
  });
});

describe("a create answered without an entity", () => {
  it.each([
    ["undefined", undefined],
    ["{}", {}],
  ])("(%s) is reported, keeps no temporary row in the cache, sends no temporary id, and refetches to show the server's entity", async (_label, answer) => {
    const api = createManualApi();
    const client = createTestQueryClient();
    const errors: Array<{ error: Error; info: OptimisticErrorInfo }> = [];
    const manager = createOptimisticStoreManager<Todo>(
      { name: "todos", ...api, transformer: false, onError: (error, info) => void errors.push({ error, info }) },
      client,
    );
    onCleanup(() => manager.destroy());
    (await api.next("query")).resolve(makeTodos());
    await vi.waitFor(() => expect(manager.store.count).toBe(3));

    const creating = manager.actions.create({ title: "new" });
    const tempId = manager.store.list.at(-1)!.id;
    const updating = manager.actions.update({ id: tempId, data: { title: "edit" } });
    (await api.next("create")).resolve(answer);
    await creating;

    await expect(updating).rejects.toThrow(OptimisticEntityError);
    await expect(manager.actions.update({ id: tempId, data: { title: "again" } })).rejects.toThrow(OptimisticEntityError);
    expect(errors.map(({ error, info }) => [error.name, info.source])).toEqual([["OptimisticEntityError", "mutation"]]);
    expect(titles(manager.store)).toEqual(["A", "B", "C", "new"]);
    await nextMacrotask();
    expect(client.getQueryData<Todo[]>(["todos"])?.map((row) => row.id)).toEqual(["a", "b", "c"]);

    (await api.next("query")).resolve([...makeTodos(), { id: "s1", title: "new" }]);
    await vi.waitFor(() => expect(manager.store.list.map((todo) => todo.id)).toEqual(["a", "b", "c", "s1"]));
    expect(api.calls.filter((call) => call.kind === "update")).toEqual([]);
  });
});

describe("a remove queued on a created entity", () => {
  it("whose create is answered without an entity rejects with the OptimisticEntityError and brings the row back: it was not sent, the entity exists", async () => {
    const api = createManualApi();
    const manager = createOptimisticStoreManager<Todo>({ name: "todos", ...api, transformer: false, onError: () => undefined }, createTestQueryClient());
    onCleanup(() => manager.destroy());
    (await api.next("query")).resolve(makeTodos());
    await vi.waitFor(() => expect(manager.store.count).toBe(3));
    const creating = manager.actions.create({ title: "new" });
    const tempId = manager.store.list.at(-1)!.id;
    const removing = manager.actions.remove(tempId);
    expect(titles(manager.store)).toEqual(["A", "B", "C"]);
    (await api.next("create")).resolve(undefined);
    await creating;
    await expect(removing).rejects.toThrow(OptimisticEntityError);
    expect(titles(manager.store)).toEqual(["A", "B", "C", "new"]);
    (await api.next("query")).resolve([...makeTodos(), { id: "s1", title: "new" }]);
    await vi.waitFor(() => expect(manager.store.list.map((todo) => todo.id)).toEqual(["a", "b", "c", "s1"]));
    expect(api.calls.filter((call) => call.kind === "remove")).toEqual([]);
  });
});

describe("offline queue (query-core's paused mutations)", () => {
  afterEach(() => onlineManager.setOnline(true));

  it("status.isOnline follows onlineManager while the manager lives", async () => {
    const { manager } = await setupManager({ seed: makeTodos() });
    const seen: boolean[] = [];
    const dispose = autorun(() => seen.push(manager.status.isOnline));
    onlineManager.setOnline(false);
    onlineManager.setOnline(true);
    manager.destroy();
    onlineManager.setOnline(false);
    dispose();
    expect(seen).toEqual([true, false, true]);
  });

  it("counts nothing as queued for changes made online: queuedCount never moves", async () => {
    const { manager } = await setupManager({ seed: makeTodos() });
    await loaded(manager, 3);
    const seen: number[] = [];
    const dispose = autorun(() => seen.push(manager.status.queuedCount));
    await Promise.all([manager.actions.update({ id: "a", data: { title: "A2" } }), manager.actions.create({ title: "D" })]);
    dispose();
    expect(seen).toEqual([0]);
  });

  it("sends a change made online while the queue drains after the queued ones", async () => {
    const server = await startServer({ seed: makeTodos() });
    const { manager } = await setupManager({ server });
    await loaded(manager, 3);
    onlineManager.setOnline(false);
    const first = manager.actions.update({ id: "a", data: { title: "A2" } });
    const second = manager.actions.update({ id: "b", data: { title: "B2" } });
    const gate = server.hold({ method: "PUT", path: "/items/a" });
    onlineManager.setOnline(true);
    await gate.arrived;
    expect(manager.status.queuedCount).toBe(1);
    const later = manager.actions.update({ id: "c", data: { title: "C2" } });
    expect(manager.status.queuedCount).toBe(2);
    await gate.release();
    await Promise.all([first, second, later]);
    expect(writes(server)).toEqual(["PUT /items/a", "PUT /items/b", "PUT /items/c"]);
    expect(manager.status.queuedCount).toBe(0);
  });

  it("store.clear() drops the queued changes: never sent, their actions reject, queuedCount is 0", async () => {
    const server = await startServer({ seed: makeTodos() });
    const { manager, client } = await setupManager({ server });
    await loaded(manager, 3);
    onlineManager.setOnline(false);
    const changes = [manager.actions.create({ title: "D" }), manager.actions.update({ id: "a", data: { title: "A2" } }), manager.actions.remove("b")];
    expect(manager.status.queuedCount).toBe(3);
    manager.store.clear();
    expect(manager.status.queuedCount).toBe(0);
    for (const change of changes) await expect(change).rejects.toThrow(/was not sent: store\.clear\(\) ran while it was queued/);
    expect(client.getMutationCache().getAll()).toEqual([]);
    onlineManager.setOnline(true);
    await nextMacrotask();
    expect(writes(server)).toEqual([]);
    // The ids are free again: a change of "a" made now is not held behind the dropped one.
    await loaded(manager, 3);
    await manager.actions.update({ id: "a", data: { title: "A3" } });
    expect(writes(server)).toEqual(["PUT /items/a"]);
  });

  it("destroy() leaves no queued mutation behind and sends nothing when back online", async () => {
    const server = await startServer({ seed: makeTodos() });
    const { manager, client } = await setupManager({ server });
    await loaded(manager, 3);
    onlineManager.setOnline(false);
    const changes = [manager.actions.create({ title: "D" }), manager.actions.update({ id: "a", data: { title: "A2" } })];
    manager.destroy();
    for (const change of changes) await expect(change).rejects.toBeInstanceOf(OptimisticLifecycleError);
    expect(client.getMutationCache().getAll()).toEqual([]);
    onlineManager.setOnline(true);
    await nextMacrotask();
    expect(writes(server)).toEqual([]);
  });

  it("a change waiting offline arms no timer while it waits", async () => {
    const { manager } = await setupManager({ seed: makeTodos() });
    await loaded(manager, 3);
    const wait = setTimeout;
    onlineManager.setOnline(false);
    const timers = vi.spyOn(globalThis, "setTimeout");
    const change = manager.actions.update({ id: "a", data: { title: "A2" } });
    expect(manager.status.queuedCount).toBe(1);
    await new Promise((resolve) => wait(resolve, 50));
    // query-core's garbage collection re-armed a 0 ms timer every macrotask while the mutation was pending.
    const armed = timers.mock.calls.length;
    timers.mockRestore();
    expect(armed).toBeLessThanOrEqual(1); // the write-back of the optimistic change, at most
    onlineManager.setOnline(true);
    await change;
    expect(manager.store.get("a")?.title).toBe("A2");
  });

  it("a settled change leaves the mutation cache at once: isMutating() and getAll() see only changes in flight", async () => {
    const { manager, client } = await setupManager({ seed: makeTodos() });
    await loaded(manager, 3);
    const update = manager.actions.update({ id: "a", data: { title: "A2" } });
    expect(client.isMutating()).toBe(1);
    expect(client.getMutationCache().getAll().map((mutation) => mutation.options.mutationKey)).toEqual([[expect.any(String), "update"]]);
    await update;
    expect(client.isMutating()).toBe(0);
    expect(client.getMutationCache().getAll()).toEqual([]);
  });

  it("back online, then at once store.clear(): the dropped create is not sent, and the pending counts and send order stay right", async () => {
    const { manager, server } = await setupManager({ seed: makeTodos() });
    await loaded(manager, 3);
    onlineManager.setOnline(false);
    const creating = manager.actions.create({ title: "D" });
    onlineManager.setOnline(true); // query-core starts sending it in a microtask
    manager.store.clear();
    await expect(creating).rejects.toBeInstanceOf(OptimisticLifecycleError);
    await nextMacrotask();
    expect(writes(server)).toEqual([]);
    expect(manager.status.createPending).toBe(false);
    // Changes made now are counted, and still go one at a time behind changes queued offline.
    await manager.actions.refetch();
    const gate = server.hold({ method: "POST" });
    onlineManager.setOnline(false);
    const next = manager.actions.create({ title: "E" });
    const removing = manager.actions.remove("a");
    onlineManager.setOnline(true);
    await gate.arrived;
    expect(manager.status.createPending).toBe(true);
    await nextMacrotask();
    expect(writes(server)).toEqual(["POST /items"]);
    await gate.release();
    await Promise.all([next, removing]);
    expect(writes(server)).toEqual(["POST /items", "DELETE /items/a"]);
    expect(manager.status.createPending).toBe(false);
  });

  it("gives each receipt an id of its own instance: a reload with the same browserId repeats none", async () => {
    const server = await startServer({ seed: makeTodos() });
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const { manager } = await setupManager({ server, client: createTestQueryClient(), config: { realtime: { eventType: server.eventType, browserId: "browser-1" } } });
      await loaded(manager, 3);
      await manager.actions.update({ id: "a", data: { title: `A${i}` } });
      manager.destroy();
    }
    for (const request of server.requests) if (request.method === "PUT") ids.push(String(request.headers["x-mutation-id"]));
    expect(ids).toHaveLength(2);
    expect(ids[0]).not.toBe(ids[1]);
    expect(server.requests.filter((request) => request.method === "PUT").map((request) => request.headers["x-origin-id"])).toEqual(["browser-1", "browser-1"]);
  });
});

describe("query-core's mutation retries (a client with `mutations: { retry }`)", () => {
  afterEach(() => onlineManager.setOnline(true));

  /** A client whose mutations are retried once after `delay` ms. */
  const retryingClient = (retry = 1, delay = 40) => new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry, retryDelay: delay } } });

  /** A per-user server (alice: a1; bob: `bobRows`) and a manager scoped by the signed-in user, alice, loaded; mutations go with the user signed in when sent. */
  async function signedInAlice(client: QueryClient, bobRows: Partial<Todo>[]) {
    const server = await startServer({ perUser: true });
    server.seed([{ id: "a1", title: "Alice 1" }], "alice");
    server.seed(bobRows, "bob");
    const auth = observable.box("alice");
    const api = createTestApi<Todo>(server, { user: () => auth.get() });
    const manager = createOptimisticStoreManager<Todo>(
      {
        name: "items",
        transformer: false,
        queryFn: async ({ queryKey }) => (await (await fetch(`${server.url}/items`, { headers: { "x-user": String(queryKey[1]) } })).json()) as Todo[],
        mutations: api.mutations,
        scope: () => auth.get(),
      },
      client,
    );
    onCleanup(() => manager.destroy());
    await loaded(manager, 1);
    return { server, client, api, manager, auth };
  }

  /** An update whose first attempt fails, with the network dropping before the retry delay ends: query-core pauses the retry. */
  async function pausedBetweenAttempts(setup: Awaited<ReturnType<typeof setupManager>>, id = "a") {
    const { manager, server, client } = setup;
    const first = server.hold({ method: "PUT" });
    const updating = manager.actions.update({ id, data: { title: "edited" } });
    updating.catch(() => undefined);
    await first.arrived;
    await first.fail(503);
    onlineManager.setOnline(false);
    await waitForMs(120);
    expect(writes(server)).toEqual([`PUT /items/${id}`]);
    expect(client.getMutationCache().getAll()[0]?.state.isPaused).toBe(true);
    return { updating }; // (not the promise itself: the caller would await it)
  }

  it("a change paused between two attempts waits for the network: counted in queuedCount, and sent once back online", async () => {
    const setup = await setupManager({ seed: makeTodos(), client: retryingClient() });
    await loaded(setup.manager, 3);
    const { updating } = await pausedBetweenAttempts(setup);
    expect(setup.manager.store.get("a")?.title).toBe("edited");
    expect(setup.manager.status.queuedCount).toBe(1);
    onlineManager.setOnline(true);
    await updating;
    expect(setup.manager.status.queuedCount).toBe(0);
    expect(writes(setup.server)).toEqual(["PUT /items/a", "PUT /items/a"]);
  });

  it("destroy() drops a change paused between two attempts: its action rejects, it is never sent again, and no mutation is left", async () => {
    const setup = await setupManager({ seed: makeTodos(), client: retryingClient() });
    await loaded(setup.manager, 3);
    const { updating } = await pausedBetweenAttempts(setup);
    setup.manager.destroy();
    await expect(updating).rejects.toThrow(/was not sent: the manager was destroyed while it was queued/);
    expect(setup.client.getMutationCache().getAll()).toEqual([]);
    expect(setup.client.isMutating()).toBe(0);
    onlineManager.setOnline(true);
    await waitForMs(100);
    expect(writes(setup.server)).toEqual(["PUT /items/a"]);
  });

  it("store.clear() drops a change paused between two attempts, and says it was queued", async () => {
    const setup = await setupManager({ seed: makeTodos(), client: retryingClient() });
    await loaded(setup.manager, 3);
    const { updating } = await pausedBetweenAttempts(setup);
    setup.manager.store.clear();
    await expect(updating).rejects.toThrow(/^update of "a" on "items" was not sent: store\.clear\(\) ran while it was queued\.$/);
    onlineManager.setOnline(true);
    await waitForMs(100);
    expect(writes(setup.server)).toEqual(["PUT /items/a"]);
  });

  it("store.clear() during the retry delay (online): the change is not sent again, and the rejection does not speak of a create", async () => {
    const setup = await setupManager({ seed: makeTodos(), client: retryingClient(1, 150) });
    await loaded(setup.manager, 3);
    const first = setup.server.hold({ method: "PUT" });
    const updating = setup.manager.actions.update({ id: "a", data: { title: "edited" } });
    updating.catch(() => undefined);
    await first.arrived;
    await first.fail(503);
    await waitForMs(20);
    setup.manager.store.clear();
    await expect(updating).rejects.toThrow(/^update of "a" on "items" was not sent: store\.clear\(\) ran before its next attempt\.$/);
    expect(writes(setup.server)).toEqual(["PUT /items/a"]);
  });

  it("store.clear() during the retry delay of a change whose first attempt never reached a server: the rejection does not say it was sent", async () => {
    const server = await startServer({ seed: makeTodos() });
    // A server that is gone: the first attempt's connection is refused.
    const gone = await startServer();
    await gone.close();
    const api = createTestApi<Todo>(server);
    const unreachable = createTestApi<Todo>(gone);
    let calls = 0;
    const setup = await setupManager({
      server,
      client: retryingClient(1, 150),
      config: { mutations: { ...api.mutations, update: (params, receipt) => (++calls === 1 ? unreachable : api).mutations.update(params, receipt) } },
    });
    await loaded(setup.manager, 3);
    const updating = setup.manager.actions.update({ id: "a", data: { title: "edited" } });
    updating.catch(() => undefined);
    await vi.waitFor(() => expect(calls).toBe(1));
    await waitForMs(20);
    setup.manager.store.clear();
    const error = await updating.then(() => undefined, (caught: unknown) => caught as Error);
    expect(error).toBeInstanceOf(OptimisticLifecycleError);
    expect(error?.message).not.toMatch(/sent again/);
    expect(error?.message).toBe('update of "a" on "items" was not sent: store.clear() ran before its next attempt.');
    expect(writes(server)).toEqual([]);
  });

  it("a scope change drops a change of the previous user paused between two attempts: back online, it is not sent with the next user's credentials", async () => {
    const { server, client, api, manager, auth } = await signedInAlice(retryingClient(), [{ id: "b1", title: "Bob 1" }]);
    const { updating } = await pausedBetweenAttempts({ manager, server, client, api }, "a1");
    runInAction(() => auth.set("bob")); // sign-out and sign-in while the network is down
    await expect(updating).rejects.toThrow(/was not sent: the scope changed while it was queued/);
    onlineManager.setOnline(true);
    await loaded(manager, 1);
    await nextMacrotask();
    expect(server.requests.filter((request) => request.method === "PUT").map((request) => request.headers["x-user"])).toEqual(["alice"]);
  });

  it("a scope change during the retry delay (online): the previous user's change is not retried with the next user's credentials", async () => {
    const { server, manager, auth } = await signedInAlice(retryingClient(1, 150), [{ id: "a1", title: "Bob's a1" }]);
    const first = server.hold({ method: "PUT" });
    const u1 = manager.actions.update({ id: "a1", data: { title: "Alice's edit" } });
    u1.catch(() => undefined);
    await first.arrived;
    await first.fail(503);
    await waitForMs(20); // in the retry delay
    runInAction(() => auth.set("bob"));
    await Promise.allSettled([u1]);
    await waitForMs(50);
    expect(server.row("a1", "bob")?.title).toBe("Bob's a1"); // Bob's entity did not get Alice's edit
    expect(server.requests.filter((r) => r.method === "PUT").map((r) => r.headers["x-user"])).toEqual(["alice"]);
  });

  it("once a create failed for good, the update queued on its temporary id settles at once with its error (not retried by the client)", async () => {
    const { manager, server } = await setupManager({ seed: makeTodos(), client: retryingClient(2, 300) });
    await loaded(manager, 3);
    server.intercept({ method: "POST", times: 3 }, { status: 500, body: { error: "create refused" } });
    const creating = manager.actions.create({ title: "new" });
    const tempId = manager.store.list.at(-1)!.id;
    const updating = manager.actions.update({ id: tempId, data: { done: true } });
    const updateOutcome = updating.then(() => "resolved", (error: Error) => error.message);
    await expect(creating).rejects.toThrow("create refused");
    await waitForMs(30);
    expect(manager.store.get(tempId)).toBeUndefined();
    expect({
      writeStatus: manager.store.writeStatus(tempId),
      isPending: manager.store.isPending(tempId),
      updatePending: manager.status.updatePending,
      update: await Promise.race([updateOutcome, waitForMs(10).then(() => "still pending")]),
    }).toEqual({ writeStatus: undefined, isPending: false, updatePending: false, update: expect.stringContaining("create refused") });
    expect(writes(server)).toEqual(["POST /items", "POST /items", "POST /items"]);
  });
});
