/**
 * This client's own echoes and deletions against its changes in flight: an echo settles only the
 * change its receipt names, and only with what it can answer (a DELETE answers a remove; data
 * without an id answers nothing); a deletion of a created entity orphans the changes queued on it.
 * A socket-shaped object and a manual API make the arrival order exact.
 */
import { environmentManager } from "@tanstack/query-core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createOptimisticStoreManager, type OptimisticErrorInfo } from "../../src";
import { createManualApi } from "../__fixtures__/manualApi";
import { makeTodos, type Todo } from "../__fixtures__/mockData";
import { cleanup, createMockSocket, createTestQueryClient, nextMacrotask, onCleanup } from "../__fixtures__/testHelpers";

environmentManager.setIsServer(() => false);
afterEach(cleanup);

const EV = "todo_update";

async function setup(config: Record<string, unknown> = {}) {
  const api = createManualApi();
  const client = createTestQueryClient();
  const errors: Array<{ error: Error; info: OptimisticErrorInfo }> = [];
  const manager = createOptimisticStoreManager<Todo>(
    { name: "todos", ...api, transformer: false, realtime: { eventType: EV }, onError: (error: Error, info: OptimisticErrorInfo) => void errors.push({ error, info }), ...config },
    client,
  );
  onCleanup(() => manager.destroy());
  const socket = createMockSocket();
  manager.realtime!.connect(socket);
  (await api.next("query")).resolve(makeTodos());
  await vi.waitFor(() => expect(manager.store.count).toBe(3));
  await nextMacrotask();
  const emit = (event: Record<string, unknown>) => socket.emit(EV, { type: EV, ...event });
  return { api, client, manager, socket, emit, errors, store: manager.store };
}

describe("receipts", () => {
  it("a malformed echo (no id) carrying a pending create's receipt is dropped: it does not settle the create, fail the changes queued on it, or refetch", async () => {
    const { api, manager, emit, errors, store } = await setup();
    const creating = manager.actions.create({ title: "new" });
    const tempId = store.list[3]!.id;
    const call = await api.next("create");
    const editing = manager.actions.update({ id: tempId, data: { title: "new 2" } });
    editing.catch(() => undefined);
    await nextMacrotask();
    // The echo is broken: its data has no id. It is reported and dropped.
    emit({ event: "INSERT", data: { title: "new" }, mutationId: call.receipt!.mutationId, originId: call.receipt!.originId });
    expect(errors.length).toBeGreaterThan(0);
    // The create is still pending: nothing settled it.
    expect(store.isPending(tempId)).toBe(true);
    call.resolve({ id: "s1", title: "new" });
    await creating;
    // No refetch was asked for (the create was answered with its entity).
    const refetched = api.calls.filter((c) => c.kind === "query").length;
    const update = await Promise.race([api.next("update"), editing.then(() => null, (error: Error) => error)]);
    expect(update).not.toBeInstanceOf(Error);
    if (!update || update instanceof Error) return;
    expect(refetched).toBe(0);
    expect(update.id).toBe("s1");
    update.resolve({ id: "s1", title: "new 2" });
    await expect(editing).resolves.toEqual({ id: "s1", title: "new 2" });
    expect(store.get("s1")?.title).toBe("new 2");
  });

  it("a malformed echo (no id) carrying a pending update's receipt is dropped: the HTTP answer still becomes confirmed", async () => {
    const { api, manager, emit, store } = await setup();
    const updating = manager.actions.update({ id: "a", data: { title: "mine" } });
    const call = await api.next("update");
    emit({ event: "UPDATE", data: { title: "mine" }, mutationId: call.receipt!.mutationId, originId: call.receipt!.originId });
    // The server's answer carries a field the server computed.
    call.resolve({ id: "a", title: "mine", done: false, rev: 7 });
    await updating;
    expect(store.get("a")).toEqual({ id: "a", title: "mine", done: false, rev: 7 });
  });

  it("a DELETE event carrying a pending update's receipt deletes the entity (it is not written as the update's answer)", async () => {
    const { api, manager, emit, store } = await setup();
    const updating = manager.actions.update({ id: "a", data: { title: "archive me" } });
    updating.catch(() => undefined);
    const call = await api.next("update");
    // The server handled the request by deleting the row, and broadcast that with the receipt.
    emit({ event: "DELETE", data: { id: "a" }, mutationId: call.receipt!.mutationId, originId: call.receipt!.originId });
    expect(store.get("a")).toBeUndefined();
  });
});

describe("browserId + receipts", () => {
  for (const browserId of [undefined, "tab-1"]) {
    it(`${browserId ? "with" : "without"} a browserId, this client's own DELETE echo removes an entity an older event brought back after the remove was answered`, async () => {
      const { api, manager, emit, store } = await setup({ realtime: { eventType: EV, ...(browserId && { browserId }) } });
      const removing = manager.actions.remove("a");
      const call = await api.next("remove");
      call.resolve({ id: "a" });
      await removing;
      expect(store.get("a")).toBeUndefined();
      await nextMacrotask();
      // Another client's edit, committed before the delete, arrives late.
      emit({ event: "UPDATE", data: { id: "a", title: "other", done: false }, browserId: "tab-2" });
      await nextMacrotask();
      // Then the server's DELETE, this client's own (it carries its receipt and, with one, its browserId).
      emit({ event: "DELETE", data: { id: "a" }, mutationId: call.receipt!.mutationId, originId: call.receipt!.originId, ...(browserId && { browserId }) });
      await nextMacrotask();
      expect(store.get("a")).toBeUndefined();
    });
  }
});

describe("keepFailed", () => {
  it("a realtime DELETE of an entity with a kept failed update drops it: failedCount back to 0", async () => {
    const { api, manager, emit, store } = await setup({ keepFailed: true });
    const updating = manager.actions.update({ id: "a", data: { title: "mine" } });
    updating.catch(() => undefined);
    (await api.next("update")).reject(new Error("500"));
    await updating.catch(() => undefined);
    expect(manager.status.failedCount).toBe(1);
    emit({ event: "DELETE", data: { id: "a" } });
    await nextMacrotask();
    expect(store.get("a")).toBeUndefined();
    expect(manager.status.failedCount).toBe(0);
    expect(store.writeStatus("a")).toBeUndefined();
  });

  it("an edit of a created row whose server entity another client deleted meanwhile leaves no ghost failed change", async () => {
    const { api, manager, emit, store } = await setup({ keepFailed: true, realtime: { eventType: EV, browserId: "tab-1" } });
    const creating = manager.actions.create({ title: "new" });
    const tempId = store.list[3]!.id;
    const create = await api.next("create");
    // The server created s1; another client deleted it at once. Events: own INSERT (ignored), DELETE s1.
    emit({ event: "INSERT", data: { id: "s1", title: "new" }, browserId: "tab-1" });
    emit({ event: "DELETE", data: { id: "s1" }, browserId: "tab-2" });
    await nextMacrotask();
    // The user edits the row still shown (the create is not answered).
    const editing = manager.actions.update({ id: tempId, data: { title: "edited" } });
    editing.catch(() => undefined);
    create.resolve({ id: "s1", title: "new" });
    await creating;
    expect(store.get(tempId)).toBeUndefined();
    expect(store.get("s1")).toBeUndefined();
    const update = await api.next("update");
    update.reject(new Error("404 not found"));
    await editing.catch(() => undefined);
    await nextMacrotask();
    expect(store.list.map((t) => t.id)).toEqual(["a", "b", "c"]);
    // Nothing failed that the user can see, retry or discard.
    expect(manager.status.failedCount).toBe(0);
    expect(store.writeStatus("s1")).toBeUndefined();
  });
});
