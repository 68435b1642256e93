/**
 * The client's mutation retries (`mutations: { retry }`) with the offline queue, persistence,
 * store.clear(), destroy(), a scope change and queryClient.clear(): a change is sent in its
 * entity's order, at most once per attempt the server may see, and always settles.
 */
import { environmentManager, focusManager, onlineManager, QueryClient } from "@tanstack/query-core";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createOptimisticStoreManager, type OptimisticStoreConfig } from "../../src";
import { createMemoryStorage } from "../../src/persist";
import { readStored } from "../__fixtures__/offlineFlow";
import { makeTodos, type Todo } from "../__fixtures__/mockData";
import { createTestApi } from "../__fixtures__/testApi";
import { cleanup, loaded, onCleanup, setupManager, startServer, waitForMs } from "../__fixtures__/testHelpers";

environmentManager.setIsServer(() => false);

const consoleCalls: unknown[][] = [];
beforeEach(() => {
  consoleCalls.length = 0;
  for (const method of ["log", "warn", "error", "info", "debug"] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void consoleCalls.push([method, ...args]));
  }
});
afterEach(async () => {
  onlineManager.setOnline(true);
  focusManager.setFocused(undefined);
  await cleanup();
  vi.restoreAllMocks();
  expect(consoleCalls).toEqual([]);
});

const retryingClient = (retry = 1, delay = 40) => new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry, retryDelay: delay } } });
const writes = (server: Awaited<ReturnType<typeof startServer>>) => server.requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`);
const race = <T,>(p: Promise<T>, ms = 300) => Promise.race([p.then(() => "resolved", (e: Error) => `rejected: ${e.message}`), waitForMs(ms).then(() => "still pending")]);

/** A manager whose update of "a" (`u1`, title "first") failed its first attempt with a 503: the client retries it once after `delay` ms. */
async function firstAttemptFailed(delay: number) {
  const setup = await setupManager({ seed: makeTodos(), client: retryingClient(1, delay) });
  await loaded(setup.manager, 3);
  const first = setup.server.hold({ method: "PUT" });
  const u1 = setup.manager.actions.update({ id: "a", data: { title: "first" } });
  u1.catch(() => undefined);
  await first.arrived;
  await first.fail(503);
  return { ...setup, u1 };
}

/** Once both settle: "first" was sent, retried, then "second" after it; the store and the server end with "second". */
async function expectRetriedInOrder({ manager, server }: Awaited<ReturnType<typeof firstAttemptFailed>>, u1: Promise<unknown>, u2: Promise<unknown>) {
  await Promise.allSettled([u1, u2]);
  await waitForMs(50);
  expect({ store: manager.store.get("a")?.title, server: server.row("a")?.title }).toEqual({ store: "second", server: "second" });
  const bodies = server.requests.filter((r) => r.method === "PUT").map((r) => (r.body as { title: string }).title);
  expect(bodies).toEqual(["first", "first", "second"]);
}

describe("send order of one entity with a client retry", () => {
  it("a later update made during the earlier one's retry delay (online) does not overtake its retry", async () => {
    const setup = await firstAttemptFailed(200);
    const { manager, u1 } = setup;
    await waitForMs(20); // in the retry delay
    const u2 = manager.actions.update({ id: "a", data: { title: "second" } });
    await expectRetriedInOrder(setup, u1, u2);
  });

  it("a later update made offline while the earlier one is paused between attempts does not overtake its retry", async () => {
    const setup = await firstAttemptFailed(40);
    const { manager, u1 } = setup;
    onlineManager.setOnline(false);
    await waitForMs(120);
    const u2 = manager.actions.update({ id: "a", data: { title: "second" } });
    expect(manager.status.queuedCount).toBe(2);
    onlineManager.setOnline(true);
    await expectRetriedInOrder(setup, u1, u2);
    expect(manager.status.queuedCount).toBe(0);
  });
});

describe("persist × retries", () => {
  async function persisted(retry = 1, delay = 40) {
    const server = await startServer({ seed: makeTodos() });
    const api = createTestApi<Todo>(server);
    const storage = createMemoryStorage();
    const reports: string[] = [];
    const config: OptimisticStoreConfig<Todo> = {
      name: "items",
      queryFn: api.queryFn,
      mutations: api.mutations,
      transformer: false,
      persist: { storage, key: "k" },
      onError: (error) => reports.push(error.message),
    };
    const make = (client = retryingClient(retry, delay)) => {
      const manager = createOptimisticStoreManager<Todo>(config, client);
      onCleanup(() => manager.destroy());
      return { manager, client };
    };
    return { server, storage, config, make, reports };
  }
  /** A persisted manager loaded, whose update of "a" (`u1`, "first") failed its first attempt with a 503. */
  async function persistedAttemptFailed(retry?: number, delay?: number) {
    const made = await persisted(retry, delay);
    const { manager: m1, client: c1 } = made.make();
    await m1.ready;
    await loaded(m1, 3);
    const first = made.server.hold({ method: "PUT" });
    const u1 = m1.actions.update({ id: "a", data: { title: "first" } });
    u1.catch(() => undefined);
    await first.arrived;
    await first.fail(503);
    return { ...made, m1, c1, u1 };
  }


  it("a change paused offline between attempts, then a reload: stored, and sent exactly once more with its receipt", async () => {
    const { server, storage, make, m1, u1 } = await persistedAttemptFailed();
    onlineManager.setOnline(false);
    await waitForMs(120);
    expect(m1.status.queuedCount).toBe(1);
    await vi.waitFor(async () => expect((await readStored(storage, "k"))?.changes).toHaveLength(1));
    m1.destroy();
    expect(await race(u1)).toMatch(/rejected/);
    await waitForMs(150);
    const stored = await readStored(storage, "k");
    expect(stored?.changes.map((c) => c.kind)).toEqual(["update"]);
    const { manager: m2, client: c2 } = make();
    await m2.ready;
    expect(m2.store.get("a")?.title).toBe("first");
    expect(m2.status.queuedCount).toBe(1);
    onlineManager.setOnline(true);
    await vi.waitFor(() => expect(m2.status.hasPendingMutations).toBe(false));
    await waitForMs(100);
    const puts = server.requests.filter((r) => r.method === "PUT");
    expect(puts.map((r) => r.headers["x-mutation-id"])).toEqual([stored!.changes[0]!.mutationId, stored!.changes[0]!.mutationId]);
    expect(server.row("a")?.title).toBe("first");
    expect(m2.status.queuedCount).toBe(0);
    expect(c2.isMutating()).toBe(0);
    await vi.waitFor(async () => expect((await readStored(storage, "k"))?.changes).toEqual([]));
  });

  it("destroy() during the retry delay (online): the old manager does not send it again; the next one sends it once", async () => {
    const { server, storage, make, m1, c1, u1 } = await persistedAttemptFailed(1, 150);
    await waitForMs(20);
    m1.destroy();
    await waitForMs(250);
    expect(await race(u1, 10)).toMatch(/rejected/);
    expect(c1.getMutationCache().getAll()).toEqual([]);
    const stored = await readStored(storage, "k");
    expect(stored?.changes).toHaveLength(1);
    const { manager: m2 } = make();
    await m2.ready;
    await vi.waitFor(() => expect(m2.status.hasPendingMutations).toBe(false));
    await waitForMs(100);
    expect(server.requests.filter((r) => r.method === "PUT").length).toBe(2);
    expect(server.row("a")?.title).toBe("first");
  });

  it("queryClient.clear() with a change queued offline (persisted): the action rejects, counts go to zero", async () => {
    const { storage, make } = await persisted();
    const { manager: m1, client } = make();
    await m1.ready;
    await loaded(m1, 3);
    onlineManager.setOnline(false);
    const u1 = m1.actions.update({ id: "a", data: { title: "first" } });
    u1.catch(() => undefined);
    await vi.waitFor(async () => expect((await readStored(storage, "k"))?.changes).toHaveLength(1));
    client.clear();
    expect(await race(u1)).toMatch(/rejected/);
    expect(m1.status.queuedCount).toBe(0);
    expect(m1.status.hasPendingMutations).toBe(false);
    expect(client.isMutating()).toBe(0);
    onlineManager.setOnline(true);
    await waitForMs(150);
  });
});

describe("unfocused window × retry", () => {
  it("destroy() while a retry is held back by an unfocused window: the action settles", async () => {
    const { manager, client, u1 } = await firstAttemptFailed(40);
    focusManager.setFocused(false);
    await waitForMs(120);
    expect(client.getMutationCache().getAll()[0]?.state.isPaused).toBe(true);
    manager.destroy();
    focusManager.setFocused(true); // the window is back: still nothing settles it (the client was unmounted)
    expect({
      action: await race(u1),
      isMutating: client.isMutating(),
      mutations: client.getMutationCache().getAll().length,
      cacheListeners: client.getMutationCache().hasListeners(),
    }).toEqual({ action: expect.stringMatching(/^rejected/), isMutating: 0, mutations: 0, cacheListeners: false });
  });

  it("queryClient.clear() while a retry is held back by an unfocused window: the action settles", async () => {
    const { manager, client, u1 } = await firstAttemptFailed(40);
    focusManager.setFocused(false);
    await waitForMs(120);
    client.clear();
    focusManager.setFocused(true);
    expect({ action: await race(u1), pending: manager.status.hasPendingMutations, updatePending: manager.status.updatePending }).toEqual({
      action: expect.stringMatching(/^rejected/),
      pending: false,
      updatePending: false,
    });
  });
});

describe("clear(), toggling, keepFailed", () => {
  it("queryClient.clear() during the retry delay, then offline before it ends: the change is not left queued for good", async () => {
    const { manager, client, u1 } = await firstAttemptFailed(100);
    await waitForMs(10);
    client.clear();
    onlineManager.setOnline(false);
    await waitForMs(200);
    onlineManager.setOnline(true);
    expect({ action: await race(u1), queued: manager.status.queuedCount, pending: manager.status.hasPendingMutations }).toEqual({
      action: expect.stringMatching(/^rejected|^resolved/),
      queued: 0,
      pending: false,
    });
  });

  it("rapid online/offline toggling: each queued change is sent exactly once, counts return to zero", async () => {
    const setup = await setupManager({ seed: makeTodos(), client: retryingClient(2, 20) });
    const { manager, server, client } = setup;
    await loaded(manager, 3);
    onlineManager.setOnline(false);
    const actions = [
      manager.actions.update({ id: "a", data: { title: "a1" } }),
      manager.actions.update({ id: "b", data: { title: "b1" } }),
      manager.actions.update({ id: "a", data: { title: "a2" } }),
      manager.actions.remove("c"),
    ];
    for (const a of actions) a.catch(() => undefined);
    for (let i = 0; i < 10; i++) {
      onlineManager.setOnline(true);
      if (i % 2) await Promise.resolve();
      else await waitForMs(1);
      onlineManager.setOnline(false);
    }
    onlineManager.setOnline(true);
    const outcomes = await Promise.all(actions.map((a) => race(a, 2000)));
    expect(outcomes).toEqual(["resolved", "resolved", "resolved", "resolved"]);
    expect(writes(server).sort()).toEqual(["DELETE /items/c", "PUT /items/a", "PUT /items/a", "PUT /items/b"]);
    expect(server.row("a")?.title).toBe("a2");
    expect(manager.status.queuedCount).toBe(0);
    expect(manager.status.hasPendingMutations).toBe(false);
    expect(client.isMutating()).toBe(0);
  });

  it("keepFailed + retry() while offline with client retries: queued, sent once back online, failedCount back to zero", async () => {
    const setup = await setupManager({ seed: makeTodos(), client: retryingClient(1, 20), config: { keepFailed: true } });
    const { manager, server, client } = setup;
    await loaded(manager, 3);
    server.intercept({ method: "PUT", times: 2 }, { status: 503, body: { error: "down" } });
    await expect(manager.actions.update({ id: "a", data: { title: "first" } })).rejects.toThrow();
    expect(manager.status.failedCount).toBe(1);
    onlineManager.setOnline(false);
    const retried = manager.store.writeStatus("a")!.retry();
    expect(manager.status.queuedCount).toBe(1);
    expect(server.requests.filter((r) => r.method === "PUT")).toHaveLength(2);
    onlineManager.setOnline(true);
    expect(await race(retried, 2000)).toBe("resolved");
    expect(server.requests.filter((r) => r.method === "PUT")).toHaveLength(3);
    expect(manager.status.failedCount).toBe(0);
    expect(manager.status.queuedCount).toBe(0);
    expect(manager.store.writeStatus("a")?.pending ?? []).toEqual([]);
    expect(client.isMutating()).toBe(0);
  });

});

describe("store.clear() / removeQueries × retries", () => {
  it("store.clear() during the retry delay, the network dropping before it ends: the change is not counted as queued, its action rejects", async () => {
    const { manager, u1 } = await firstAttemptFailed(100);
    await waitForMs(10);
    manager.store.clear();
    onlineManager.setOnline(false);
    await waitForMs(200);
    expect({ queued: manager.status.queuedCount, pending: manager.status.hasPendingMutations, action: await race(u1, 10) }).toEqual({
      queued: 0,
      pending: false,
      action: expect.stringMatching(/^rejected/),
    });
  });

  it("removeQueries() with a persisted change queued offline: sent once back online, stored changes empty", async () => {
    const server = await startServer({ seed: makeTodos() });
    const api = createTestApi<Todo>(server);
    const storage = createMemoryStorage();
    const client = retryingClient(1, 20);
    const manager = createOptimisticStoreManager<Todo>({ name: "items", queryFn: api.queryFn, mutations: api.mutations, transformer: false, persist: { storage, key: "k" } }, client);
    onCleanup(() => manager.destroy());
    await manager.ready;
    await loaded(manager, 3);
    onlineManager.setOnline(false);
    const u1 = manager.actions.update({ id: "a", data: { title: "first" } });
    await vi.waitFor(async () => expect((await readStored(storage, "k"))?.changes).toHaveLength(1));
    client.removeQueries({ queryKey: ["items"] });
    await waitForMs(20);
    expect(manager.store.get("a")?.title).toBe("first");
    onlineManager.setOnline(true);
    expect(await race(u1, 2000)).toBe("resolved");
    await vi.waitFor(async () => expect((await readStored(storage, "k"))?.changes).toEqual([]));
    expect(server.requests.filter((r) => r.method === "PUT")).toHaveLength(1);
    expect(manager.store.get("a")?.title).toBe("first");
    expect(client.getQueryData<Todo[]>(["items"])?.find((t) => t.id === "a")?.title).toBe("first");
  });
});
