/**
 * This client's own echoes and deletions against its changes in flight: an echo settles only the
 * change its receipt names, and only with what it can answer (a DELETE answers a remove; data
 * without an id answers nothing); a deletion of a created entity orphans the changes queued on it.
 * A socket-shaped object and a manual API make the arrival order exact.
 */
import { environmentManager, QueryClient } from "@tanstack/query-core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createOptimisticStoreManager, type OptimisticErrorInfo, type OptimisticEvent } from "../../src";
import { recordEvents, replayEvents } from "../../src/devtools";
import { createManualApi } from "../__fixtures__/manualApi";
import { makeTodos, type Todo } from "../__fixtures__/mockData";
import { cleanup, createMockSocket, createTestQueryClient, nextMacrotask, onCleanup } from "../__fixtures__/testHelpers";

environmentManager.setIsServer(() => false);
afterEach(cleanup);

const EV = "todo_update";

async function setup(config: Record<string, unknown> = {}, client: QueryClient = createTestQueryClient()) {
  const api = createManualApi();
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

describe("an echo that settles a change before it is sent again", () => {
  it("with a mutation retry, the echo of a call that failed but was carried out, arriving in the retry delay, resolves the action: not sent again", async () => {
    const { api, manager, socket } = await setup({}, new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: 1, retryDelay: 50 } } }));
    const saving = manager.actions.update({ id: "a", data: { title: "mine" } });
    const call = await api.next("update");
    call.reject(new Error("504 gateway timeout"));
    await nextMacrotask();
    socket.emit(EV, { type: EV, event: "UPDATE", data: { ...makeTodos()[0], title: "mine" }, mutationId: call.receipt!.mutationId, originId: call.receipt!.originId });
    await expect(saving).resolves.toEqual({ ...makeTodos()[0], title: "mine" });
    expect(api.calls.filter((other) => other.kind === "update")).toHaveLength(0);
    expect(manager.store.get("a")?.title).toBe("mine");
    expect(manager.status.hasPendingMutations).toBe(false);
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

describe("the echo of a change whose HTTP call failed", () => {
  // A proxy or a timeout can fail a call the server carried out: its echo is the server's word.
  const gatewayTimeout = () => new Error("504 Gateway Timeout");

  for (const browserId of [undefined, "tab-1"]) {
    it(`${browserId ? "with" : "without"} a browserId, an update's echo arriving after its call failed is applied: the store and the cache show the server's value`, async () => {
      const { api, client, manager, emit, store } = await setup({ realtime: { eventType: EV, ...(browserId && { browserId }) } });
      const updating = manager.actions.update({ id: "a", data: { title: "mine" } });
      const call = await api.next("update");
      call.reject(gatewayTimeout());
      await expect(updating).rejects.toThrow("504");
      expect(store.get("a")?.title).not.toBe("mine");
      emit({ event: "UPDATE", data: { ...store.get("a"), title: "mine" }, mutationId: call.receipt!.mutationId, originId: call.receipt!.originId, ...(browserId && { browserId }) });
      await nextMacrotask();
      expect(store.get("a")?.title).toBe("mine");
      expect((client.getQueryData(["todos"]) as Todo[]).find((todo) => todo.id === "a")?.title).toBe("mine");
    });
  }

  it("a create's echo arriving after its call failed shows the server's entity once", async () => {
    const { api, manager, emit, store } = await setup();
    const creating = manager.actions.create({ title: "new", completed: false });
    const call = await api.next("create");
    call.reject(gatewayTimeout());
    await expect(creating).rejects.toThrow("504");
    expect(store.count).toBe(3);
    emit({ event: "INSERT", data: { id: "s9", title: "new", completed: false }, mutationId: call.receipt!.mutationId, originId: call.receipt!.originId });
    await nextMacrotask();
    expect(store.count).toBe(4);
    expect(store.get("s9")?.title).toBe("new");
  });

  it("a failed update's late echo does not undo a newer change of the entity that was answered before it", async () => {
    const { api, manager, emit, store } = await setup();
    const first = manager.actions.update({ id: "a", data: { title: "first" } });
    const firstCall = await api.next("update");
    firstCall.reject(gatewayTimeout());
    await expect(first).rejects.toThrow("504");
    const second = manager.actions.update({ id: "a", data: { title: "second" } });
    const secondCall = await api.next("update");
    secondCall.resolve({ ...store.get("a")!, title: "second" });
    await second;
    emit({ event: "UPDATE", data: { ...store.get("a"), title: "first" }, mutationId: firstCall.receipt!.mutationId, originId: firstCall.receipt!.originId });
    await nextMacrotask();
    expect(store.get("a")?.title).toBe("second");
  });

  it("with keepFailed, the echo settles the kept failed update: no longer failed, its value confirmed", async () => {
    const { api, manager, emit, store } = await setup({ keepFailed: true });
    const updating = manager.actions.update({ id: "a", data: { title: "mine" } });
    const call = await api.next("update");
    call.reject(gatewayTimeout());
    await expect(updating).rejects.toThrow("504");
    expect(store.writeStatus("a")?.failed ?? false).toBe(true);
    emit({ event: "UPDATE", data: { ...store.get("a"), title: "mine" }, mutationId: call.receipt!.mutationId, originId: call.receipt!.originId });
    await nextMacrotask();
    expect(store.writeStatus("a")?.failed ?? false).toBe(false);
    expect(manager.status.failedCount).toBe(0);
    expect(store.get("a")?.title).toBe("mine");
  });

  it("with version and keepFailed, the echo that settles a kept failed update is the base of the entity's next change", async () => {
    const { api, manager, emit, store } = await setup({ keepFailed: true, version: "version" });
    store.upsert({ ...store.get("a")!, version: 1 });
    const updating = manager.actions.update({ id: "a", data: { title: "mine" } });
    const call = await api.next("update");
    expect(call.receipt?.baseVersion).toBe(1);
    call.reject(gatewayTimeout());
    await expect(updating).rejects.toThrow("504");
    emit({ event: "UPDATE", data: { ...store.get("a"), title: "mine", version: 2 }, mutationId: call.receipt!.mutationId, originId: call.receipt!.originId });
    await nextMacrotask();
    expect(store.writeStatus("a")).toBeUndefined();

    const next = manager.actions.update({ id: "a", data: { done: true } });
    const nextCall = await api.next("update");
    expect(nextCall.receipt?.baseVersion).toBe(2);
    nextCall.resolve({ id: "a", title: "mine", done: true, version: 3 });
    await next;
  });

  it("with keepFailed, a failed create's echo settles the kept failed create: its row takes the server's entity, once", async () => {
    const { api, manager, emit, store } = await setup({ keepFailed: true });
    const creating = manager.actions.create({ title: "new", completed: false });
    const tempId = store.list[3]!.id;
    const call = await api.next("create");
    call.reject(gatewayTimeout());
    await expect(creating).rejects.toThrow("504");
    expect(store.writeStatus(tempId)?.failed).toBe(true);
    emit({ event: "INSERT", data: { id: "s9", title: "new", completed: false }, mutationId: call.receipt!.mutationId, originId: call.receipt!.originId });
    await nextMacrotask();
    expect(store.list.map((todo) => todo.title).filter((title) => title === "new")).toHaveLength(1);
    expect(store.get("s9")?.title).toBe("new");
    expect(manager.status.failedCount).toBe(0);
  });

  it("a recording of refused changes' echoes replays after every event: applied, settling a kept update and a kept create", async () => {
    const shown: unknown[] = [];
    const live: { list?: () => unknown } = {};
    const { api, manager, emit, store } = await setup({ keepFailed: true, onEvent: () => shown.push(live.list?.()) });
    // Recorded from here: a snapshot of the loaded store, then each event with what the store showed after it.
    live.list = () => store.list.map((todo) => ({ ...todo }));
    const recording = recordEvents(manager);
    shown.length = 0;
    shown.push(live.list());
    const echo = (call: Awaited<ReturnType<typeof api.next>>, event: string, data: Record<string, unknown>) =>
      emit({ event, data, mutationId: call.receipt!.mutationId, originId: call.receipt!.originId });
    const updating = manager.actions.update({ id: "a", data: { title: "kept" } });
    const update = await api.next("update");
    update.reject(gatewayTimeout());
    await updating.catch(() => undefined);
    const creating = manager.actions.create({ title: "new", completed: false });
    const create = await api.next("create");
    create.reject(gatewayTimeout());
    await creating.catch(() => undefined);
    echo(update, "UPDATE", { ...store.get("a"), title: "kept" });
    echo(create, "INSERT", { id: "s9", title: "new", completed: false });
    await nextMacrotask();
    const replayed = JSON.parse(JSON.stringify(recording.events)) as OptimisticEvent[];
    expect(replayed).toHaveLength(shown.length);
    for (let n = 1; n <= replayed.length; n++) {
      expect(replayEvents(replayed.slice(0, n)).list.map((todo) => ({ ...todo })), `after event ${n}: ${JSON.stringify(replayed[n - 1])}`).toEqual(shown[n - 1]);
    }
    expect(store.get("a")?.title).toBe("kept");
    expect(store.get("s9")).toBeDefined();
  });
});

describe("the echo of an update answered before it", () => {
  it("is applied after another client's older event also when 64 answers of other entities came between it and an earlier answered update of its entity", async () => {
    const { api, manager, emit, store } = await setup();
    const others = Array.from({ length: 64 }, (_, n) => `x${n}`);
    for (const id of others) emit({ event: "INSERT", data: { id, title: id, completed: false } });
    await nextMacrotask();
    expect(store.count).toBe(3 + others.length);
    const answer = async (id: string, title: string) => {
      const updating = manager.actions.update({ id, data: { title } });
      const call = await api.next("update");
      call.resolve({ ...store.get(id)!, title });
      await updating;
      return call;
    };
    const echo = (call: Awaited<ReturnType<typeof answer>>, data: Record<string, unknown>) =>
      emit({ event: "UPDATE", data, mutationId: call.receipt!.mutationId, originId: call.receipt!.originId });
    // Updates answered before their echoes: "a", 63 other entities, "a" again (the first is now
    // the oldest of 65 and forgotten), one more entity.
    const first = await answer("a", "one");
    for (const id of others.slice(0, 63)) await answer(id, `${id}!`);
    const second = await answer("a", "two");
    await answer(others[63]!, "last");
    // Another client's event the server wrote before the second update of "a", then that update's echo.
    emit({ event: "UPDATE", data: { ...store.get("a"), title: "theirs" } });
    await nextMacrotask();
    expect(store.get("a")?.title).toBe("theirs");
    echo(second, { ...store.get("a"), title: "two" });
    await nextMacrotask();
    expect(store.get("a")?.title).toBe("two");
    // The forgotten first update's echo, late: this client's own, not applied.
    echo(first, { ...store.get("a"), title: "one" });
    await nextMacrotask();
    expect(store.get("a")?.title).toBe("two");
  });
});
