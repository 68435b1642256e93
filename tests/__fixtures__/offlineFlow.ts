/**
 * The offline flow of issue 12, run on any `PersistStorage` against the real test server: changes
 * made offline are queued (not sent), survive a "reload" (destroy, then a new manager on a fresh
 * QueryClient with the same storage), show before any network answer, and are sent in order with
 * their original mutation ids once back online; one refused by the server rolls back alone.
 */
import { onlineManager } from "@tanstack/query-core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createOptimisticStoreManager, OptimisticLifecycleError, type OptimisticErrorInfo, type OptimisticStoreConfig } from "../../src";
import { createMemoryStorage, type PersistStorage } from "../../src/persist";
import { createFakeBackend, expectConsistent, type FakeRequest } from "../../src/testing";
import { makeTodos, type Todo } from "./mockData";
import { createTestApi } from "./testApi";
import { cleanup, createTestQueryClient, loaded, onCleanup, replaysAtCleanup, startServer, titles } from "./testHelpers";

/**
 * A manual fake backend, a memory storage and one `QueryClient`: `make()` makes a manager of the
 * backend's items persisted on `key` of that storage (a remount makes another one on the same client).
 */
export function persistedOnOneClient(key: string) {
  const backend = createFakeBackend<Todo>({ initial: makeTodos(), manual: true });
  const storage = createMemoryStorage();
  const client = createTestQueryClient();
  const make = () => {
    const manager = createOptimisticStoreManager<Todo>({ name: "items", ...backend, transformer: false, persist: { storage, key } }, client);
    onCleanup(() => manager.destroy());
    return manager;
  };
  return { backend, storage, client, make };
}

/**
 * `second`, a remount's manager, restored the create of "D" whose call `request` the first one sent
 * and joined it: once the call is answered, the create was sent once and "D" is shown once.
 */
export async function expectJoinedCreate(second: ReturnType<ReturnType<typeof persistedOnOneClient>["make"]>, request: FakeRequest, { backend, client }: ReturnType<typeof persistedOnOneClient>): Promise<void> {
  await second.ready;
  expect(titles(second.store)).toEqual(["A", "B", "C", "D"]);
  request.resolve();
  await backend.settleAll();
  await vi.waitFor(() => expect(second.status.hasPendingMutations || second.status.isSyncing).toBe(false));
  expect(backend.requests.filter((r) => r.kind === "create")).toHaveLength(1);
  expect(second.store.list.map((todo) => `${todo.id} ${todo.title}`)).toEqual(["a A", "b B", "c C", "srv-1 D"]);
  expectConsistent(second, { name: "items", queryClient: client, transformer: false });
}

/** The stored value, parsed (the tests read what a reload would read). */
export async function readStored(storage: PersistStorage, key: string): Promise<{ schemaVersion: number; fetchedAt: number; entities: Todo[]; changes: { kind: string; id: string; data?: unknown; mutationId: string }[] } | null> {
  const raw = await storage.getItem(key);
  return raw === null ? null : JSON.parse(raw);
}

export function describeOfflineFlow(label: string, makeStorage: () => PersistStorage): void {
  describe(`offline queue and persistence with ${label}`, () => {
    afterEach(async () => {
      onlineManager.setOnline(true);
      await cleanup();
    });

    it("queues changes made offline, restores them after a reload before any network answer, and sends them in order with their mutation ids", async () => {
      const server = await startServer({ seed: makeTodos() });
      const api = createTestApi<Todo>(server);
      const storage = makeStorage();
      const key = "offline-flow";
      const reports: [Error, OptimisticErrorInfo][] = [];
      const config: OptimisticStoreConfig<Todo> = {
        name: "items",
        queryFn: api.queryFn,
        mutations: api.mutations,
        transformer: false,
        persist: { storage, key },
        onError: (error, info) => reports.push([error, info]),
      };
      const first = createOptimisticStoreManager<Todo>(config, createTestQueryClient());
      onCleanup(() => first.destroy());
      await first.ready;
      await loaded(first, 3);

      // Offline: every change shows at once, none is sent.
      onlineManager.setOnline(false);
      const sentBefore = server.requests.length;
      const created = first.actions.create({ title: "D" });
      const tempId = first.store.list.at(-1)!.id;
      const actions = [
        created,
        first.actions.update({ id: tempId, data: { title: "D2" } }),
        first.actions.update({ id: "b", data: { title: "B2" } }),
        first.actions.remove("c"),
      ];
      expect(titles(first.store)).toEqual(["A", "B2", "D2"]);
      expect(first.status.queuedCount).toBe(4);
      expect(first.status.isOnline).toBe(false);
      expect(first.status.hasPendingMutations).toBe(true);

      // Stored, coalesced: the four changes in order, each with its mutation id.
      await vi.waitFor(async () => expect((await readStored(storage, key))?.changes).toHaveLength(4));
      const stored = (await readStored(storage, key))!;
      expect(stored.schemaVersion).toBe(1);
      expect(stored.entities).toEqual(makeTodos());
      expect(stored.changes.map(({ kind, id }) => `${kind} ${id}`)).toEqual([`create ${tempId}`, `update ${tempId}`, "update b", "remove c"]);
      expect(stored.changes[0]!.data).toEqual({ title: "D" });
      const mutationIds = stored.changes.map((change) => change.mutationId);
      expect(new Set(mutationIds).size).toBe(4);
      expect(server.requests.length).toBe(sentBefore);

      // "Reload": the page goes away; its queued changes are not sent by it.
      first.destroy();
      for (const action of actions) await expect(action).rejects.toBeInstanceOf(OptimisticLifecycleError);
      const second = createOptimisticStoreManager<Todo>(config, createTestQueryClient());
      onCleanup(() => second.destroy());
      replaysAtCleanup(second);
      await second.ready;
      expect(titles(second.store)).toEqual(["A", "B2", "D2"]);
      expect(second.store.list.at(-1)!.id).toBe(tempId);
      expect(second.status.queuedCount).toBe(4);
      expect(server.requests.length).toBe(sentBefore);

      // Back online: sent one after another in the order they were made; the refused one rolls back alone.
      server.intercept({ method: "PUT", path: "/items/b" }, { status: 409, body: { error: "conflict" } });
      onlineManager.setOnline(true);
      await vi.waitFor(() => expect(second.status.hasPendingMutations).toBe(false));
      expect(second.status.queuedCount).toBe(0);
      const writes = server.requests.slice(sentBefore).filter((request) => request.method !== "GET");
      const serverId = server.rows().at(-1)!.id;
      expect(writes.map((request) => `${request.method} ${request.path}`)).toEqual(["POST /items", `PUT /items/${serverId}`, "PUT /items/b", "DELETE /items/c"]);
      expect(writes.map((request) => request.headers["x-mutation-id"])).toEqual(mutationIds);
      expect(server.rows()).toEqual([
        { id: "a", title: "A", done: false },
        { id: "b", title: "B", done: false },
        { id: serverId, title: "D2" },
      ]);
      await vi.waitFor(() => expect(second.store.list.slice()).toEqual(server.rows()));
      expect(second.store.viewKey(serverId)).toBe(tempId);
      await vi.waitFor(async () => expect(await readStored(storage, key)).toMatchObject({ entities: server.rows(), changes: [] }));

      // The only report: the refusal of the restored update (it has no caller to reject).
      expect(reports.map(([error, info]) => [error.message, info.source, info.id])).toEqual([["PUT /items/b failed: 409 conflict", "mutation", "b"]]);
    });
  });
}
