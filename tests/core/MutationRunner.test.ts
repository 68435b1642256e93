/**
 * The mutation path: what reaches the server, in which order, and with which id.
 */
import { environmentManager, onlineManager } from "@tanstack/query-core";
import { autorun } from "mobx";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  createOptimisticStoreManager,
  OptimisticEntityError,
  OptimisticLifecycleError,
  type OptimisticErrorInfo,
} from "../../src";
import { connectClient } from "../__fixtures__";
import { createManualApi } from "../__fixtures__/manualApi";
import { makeTodos, type Todo } from "../__fixtures__/mockData";
import { cleanup, createTestQueryClient, loaded, nextMacrotask, onCleanup, setupManager, startServer, titles } from "../__fixtures__/testHelpers";

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
  it.each([
    ["destroy()", (manager: { destroy(): void }) => manager.destroy()],
    ["store.clear()", (manager: { store: { clear(): void } }) => manager.store.clear()],
  ])("are dropped, never sent with the temporary id, after %s", async (_label, end) => {
    const server = await startServer({ seed: makeTodos() });
    const { manager } = await setupManager({ server });
    await loaded(manager, 3);
    const post = server.hold({ method: "POST" });
    const creating = manager.actions.create({ title: "new" });
    const tempId = manager.store.list.at(-1)!.id;
    const updating = manager.actions.update({ id: tempId, data: { title: "edit" } });
    const removing = manager.actions.remove(tempId);
    await post.arrived;

    end(manager as never);
    await post.release();
    await creating;

    await expect(updating).rejects.toThrow(OptimisticLifecycleError);
    await expect(removing).rejects.toThrow(OptimisticLifecycleError);
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
