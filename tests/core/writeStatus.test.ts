/**
 * Per-entity write status (`store.writeStatus(id)`, `store.isPending(id)`, `status.failedCount`) and
 * failed changes kept visible with `keepFailed`, against the real HTTP test server.
 */
import { environmentManager, onlineManager } from "@tanstack/query-core";
import { autorun, reaction } from "mobx";
import { afterEach, describe, expect, it, vi } from "vitest";
import { OptimisticEntityError, OptimisticLifecycleError, type WriteStatus } from "../../src";
import { connectClient, createTestApi, HttpError } from "../__fixtures__";
import { makeTodos, type Todo } from "../__fixtures__/mockData";
import { cleanup, loaded, onCleanup, setupManager, startServer, titles } from "../__fixtures__/testHelpers";

environmentManager.setIsServer(() => false);
afterEach(cleanup);

/** An update of `id` the server refuses (kept failed with keepFailed). */
async function refuseUpdate({ manager, server }: Awaited<ReturnType<typeof setupManager>>, id: string, data: Partial<Todo>): Promise<void> {
  const refusal = server.intercept({ method: "PUT" }, { status: 500, body: { error: "refused" } });
  await expect(manager.actions.update({ id, data })).rejects.toThrow("refused");
  refusal.remove();
}

/** A manager with keepFailed over A, B, C, and a create of "new" the server refused, kept under `tempId`. */
async function keptFailedCreate() {
  const setup = await setupManager({ seed: makeTodos(), config: { keepFailed: true } });
  await loaded(setup.manager, 3);
  setup.server.intercept({ method: "POST" }, { status: 500 });
  await expect(setup.manager.actions.create({ title: "new" })).rejects.toThrow();
  return { ...setup, tempId: setup.manager.store.list.at(-1)!.id };
}

/** The data parts of a write status, for comparing. */
const shape = (status: WriteStatus | undefined) =>
  status && { pending: [...status.pending], fields: [...status.fields].sort(), failed: status.failed, error: status.error?.message };

describe("write status", () => {
  it("follows two overlapping updates of one entity, one of which fails and is kept, then retried", async () => {
    const { manager, server } = await setupManager({ seed: makeTodos(), config: { keepFailed: true } });
    await loaded(manager, 3);
    const { store } = manager;
    expect(store.writeStatus("a")).toBeUndefined();

    const titleGate = server.hold({ method: "PUT" });
    const doneGate = server.hold({ method: "PUT" });
    const title = manager.actions.update({ id: "a", data: { title: "A2" } });
    const done = manager.actions.update({ id: "a", data: { done: true } });
    expect(shape(store.writeStatus("a"))).toEqual({ pending: ["update", "update"], fields: ["done", "title"], failed: false, error: undefined });
    expect(store.isPending("a")).toBe(true);

    await Promise.all([titleGate.arrived, doneGate.arrived]);
    await titleGate.fail(500, { error: "title refused" });
    await expect(title).rejects.toThrow(HttpError);
    expect(shape(store.writeStatus("a"))).toEqual({ pending: ["update"], fields: ["done", "title"], failed: true, error: "PUT /items/a failed: 500 title refused" });
    expect(store.get("a")).toMatchObject({ title: "A2", done: true }); // the failed change stays visible
    expect(manager.status.failedCount).toBe(1);
    expect(manager.status.updatePending).toBe(true);

    await doneGate.release();
    await done;
    expect(shape(store.writeStatus("a"))).toEqual({ pending: [], fields: ["title"], failed: true, error: "PUT /items/a failed: 500 title refused" });
    expect(store.isPending("a")).toBe(false);
    expect(manager.status.hasPendingMutations).toBe(false);

    const retrying = store.writeStatus("a")!.retry();
    expect(shape(store.writeStatus("a"))).toEqual({ pending: ["update"], fields: ["title"], failed: false, error: undefined });
    expect(manager.status.failedCount).toBe(0);
    await retrying;
    expect(store.writeStatus("a")).toBeUndefined();
    expect(server.row("a")).toMatchObject({ title: "A2", done: true });
    expect(store.get("a")).toMatchObject({ title: "A2", done: true });
  });

  it("discard() removes exactly the failed change; a discarded remove brings the entity back in its place", async () => {
    const { manager, server } = await setupManager({ seed: makeTodos(), config: { keepFailed: true } });
    await loaded(manager, 3);
    server.intercept({ method: "PUT" }, { status: 500 });
    await expect(manager.actions.update({ id: "a", data: { title: "A2" } })).rejects.toThrow();
    await manager.actions.update({ id: "a", data: { done: true } });
    server.intercept({ method: "DELETE" }, { status: 500 });
    await expect(manager.actions.remove("b")).rejects.toThrow();
    expect(titles(manager.store)).toEqual(["A2", "C"]);
    expect(manager.status.failedCount).toBe(2);

    manager.store.writeStatus("a")!.discard();
    manager.store.writeStatus("b")!.discard();

    expect(manager.store.list.slice()).toEqual([
      { id: "a", title: "A", done: true },
      { id: "b", title: "B", done: false },
      { id: "c", title: "C", done: true },
    ]);
    expect(manager.status.failedCount).toBe(0);
    expect(manager.store.writeStatus("a")).toBeUndefined();
  });

  it("a retry that fails again rejects and stays failed; refetches land beneath kept failed changes", async () => {
    const { manager, server } = await setupManager({ seed: makeTodos(), config: { keepFailed: true } });
    await loaded(manager, 3);
    server.intercept({ method: "PUT", times: 2 }, { status: 500 });
    await expect(manager.actions.update({ id: "a", data: { title: "A2" } })).rejects.toThrow();
    server.serverUpdate("a", { done: true });
    await manager.actions.refetch();
    expect(manager.store.get("a")).toEqual({ id: "a", title: "A2", done: true });

    await expect(manager.store.writeStatus("a")!.retry()).rejects.toThrow(HttpError);
    expect(manager.store.writeStatus("a")?.failed).toBe(true);
    await manager.store.writeStatus("a")!.retry();
    expect(server.row("a")).toMatchObject({ title: "A2", done: true });
  });

  it("keeps a failed create with its queued update, retries both in order, and reads the temporary id after the answer", async () => {
    const { manager, server } = await setupManager({ seed: makeTodos(), config: { keepFailed: true } });
    await loaded(manager, 3);
    server.intercept({ method: "POST" }, { status: 500 });
    const creating = manager.actions.create({ title: "new" });
    const tempId = manager.store.list.at(-1)!.id;
    const updating = manager.actions.update({ id: tempId, data: { done: true } });
    await expect(creating).rejects.toThrow();
    await expect(updating).rejects.toThrow();
    expect(shape(manager.store.writeStatus(tempId))).toMatchObject({ pending: [], fields: ["done"], failed: true });
    expect(manager.store.get(tempId)).toEqual({ id: tempId, title: "new", done: true });

    await manager.store.writeStatus(tempId)!.retry();

    const created = server.rows().at(-1)!;
    expect(created).toMatchObject({ title: "new", done: true });
    expect(manager.store.writeStatus(tempId)).toBeUndefined();
    expect(manager.store.get(created.id)).toEqual(created);
    expect(manager.store.viewKey(created.id)).toBe(tempId);
  });

  it("a change made on a kept failed create's row before retry() sent the create again waits for it and goes with the server id", async () => {
    const { manager, server, tempId } = await keptFailedCreate();

    // Edited and retried in one handler: the update's call is made after the retry started.
    const updating = manager.actions.update({ id: tempId, data: { done: true } });
    const retrying = manager.store.writeStatus(tempId)!.retry();
    await Promise.all([updating, retrying]);

    const created = server.rows().at(-1)!;
    expect(created).toMatchObject({ title: "new", done: true });
    expect(server.requests.map((request) => `${request.method} ${request.path}`).filter((line) => line.includes("temp-"))).toEqual([]);
    expect(manager.store.get(created.id)).toEqual(created);
    expect(manager.store.writeStatus(tempId)).toBeUndefined();

    // A remove made so, when the create fails again, needs no server call: the entity and its failed create go.
    server.intercept({ method: "POST" }, { status: 500 });
    await expect(manager.actions.create({ title: "other" })).rejects.toThrow();
    const otherId = manager.store.list.at(-1)!.id;
    server.intercept({ method: "POST" }, { status: 500 });
    const removing = manager.actions.remove(otherId);
    await expect(manager.store.writeStatus(otherId)!.retry()).rejects.toThrow();
    await expect(removing).resolves.toBeUndefined();
    expect(titles(manager.store)).toEqual(["A", "B", "C", "new"]);
    expect(manager.status.failedCount).toBe(0);
    expect(server.requests.filter((request) => request.method === "DELETE" || request.path.includes("temp-"))).toEqual([]);
  });

  it("a change queued offline on a kept failed create's row, then retry() offline: back online the create goes first, then the change with the server id", async () => {
    const { manager, server, tempId } = await keptFailedCreate();
    onlineManager.setOnline(false);
    onCleanup(() => onlineManager.setOnline(true));
    const updating = manager.actions.update({ id: tempId, data: { done: true } });
    const retrying = manager.store.writeStatus(tempId)!.retry();
    expect(manager.status.queuedCount).toBe(2);

    onlineManager.setOnline(true);
    await Promise.all([updating, retrying]);
    expect(server.rows().at(-1)).toMatchObject({ title: "new", done: true });
    expect(server.requests.filter((request) => request.path.includes("temp-"))).toEqual([]);
    expect(manager.status.hasPendingMutations).toBe(false);
  });

  it("a change queued on a kept failed create's row is not sent once discard() dropped the create", async () => {
    const { manager, server, tempId } = await keptFailedCreate();
    onlineManager.setOnline(false);
    onCleanup(() => onlineManager.setOnline(true));
    const updating = manager.actions.update({ id: tempId, data: { done: true } }); // queued for the network
    const removing = manager.actions.remove(tempId);
    manager.store.writeStatus(tempId)!.discard();
    expect(titles(manager.store)).toEqual(["A", "B", "C"]);

    onlineManager.setOnline(true);
    await expect(updating).rejects.toThrow(OptimisticEntityError);
    await expect(removing).resolves.toBeUndefined();
    expect(server.requests.filter((request) => request.method !== "GET")).toHaveLength(1); // the refused POST
    expect(titles(manager.store)).toEqual(["A", "B", "C"]);
    expect(manager.store.writeStatus(tempId)).toBeUndefined();
    expect(manager.status.failedCount).toBe(0);
    expect(manager.status.hasPendingMutations).toBe(false);
  });

  it("with an id the client picked, a change queued on a kept failed create's row is not sent once discard() dropped the create, and a new create of that id is edited as usual", async () => {
    const { manager, server } = await setupManager({
      seed: makeTodos(),
      config: { keepFailed: true, optimisticDefaults: { createOptimisticUiData: (input: { title: string }) => ({ id: "mine", title: input.title, done: false }) } },
    });
    await loaded(manager, 3);
    const refusal = server.intercept({ method: "POST" }, { status: 500 });
    await expect(manager.actions.create({ title: "new" })).rejects.toThrow();
    onlineManager.setOnline(false);
    onCleanup(() => onlineManager.setOnline(true));
    const updating = manager.actions.update({ id: "mine", data: { done: true } }); // queued for the network
    manager.store.writeStatus("mine")!.discard();

    onlineManager.setOnline(true);
    await expect(updating).rejects.toThrow(OptimisticEntityError);
    expect(server.requests.filter((request) => request.method !== "GET")).toHaveLength(1); // the refused POST
    expect(titles(manager.store)).toEqual(["A", "B", "C"]);
    expect(manager.status.failedCount).toBe(0);

    refusal.remove();
    // Edited before its answer, on the id it was created with: it waits for the create, as any.
    await Promise.all([manager.actions.create({ title: "again" }), manager.actions.update({ id: "mine", data: { done: true } })]);
    expect(server.rows().at(-1)).toMatchObject({ title: "again", done: true });
    expect(manager.status.failedCount).toBe(0);
  });

  it("removing a created entity whose create failed and was kept drops it without a server call", async () => {
    const { manager, server, tempId } = await keptFailedCreate();

    await manager.actions.remove(tempId);

    expect(titles(manager.store)).toEqual(["A", "B", "C"]);
    expect(manager.status.failedCount).toBe(0);
    expect(server.requests.filter((request) => request.method === "DELETE")).toEqual([]);
  });

  it("with an id the client picked, a change that failed because its create did is not kept once removing the entity dropped the create", async () => {
    const { manager, server } = await setupManager({
      seed: makeTodos(),
      config: { keepFailed: true, optimisticDefaults: { createOptimisticUiData: (input: { title: string }) => ({ id: "mine", title: input.title, done: false }) } },
    });
    await loaded(manager, 3);
    const gate = server.hold({ method: "POST" });
    const creating = manager.actions.create({ title: "new" });
    // Both wait for the create: the remove needs no server call once it failed, the update fails with it.
    const removing = manager.actions.remove("mine");
    const updating = manager.actions.update({ id: "mine", data: { done: true } });
    await gate.arrived;
    await gate.fail(500, { error: "create refused" });

    await expect(creating).rejects.toThrow("create refused");
    await expect(removing).resolves.toBeUndefined();
    await expect(updating).rejects.toThrow("create refused");
    expect(manager.store.writeStatus("mine")).toBeUndefined();
    expect(manager.status.failedCount).toBe(0);
    expect(titles(manager.store)).toEqual(["A", "B", "C"]);
    expect(server.requests.filter((request) => request.method !== "GET" && request.method !== "POST")).toEqual([]);
  });

  it("removing an entity drops the failed changes kept of it: failedCount counts no entity that is gone", async () => {
    const { manager, server } = await setupManager({ seed: makeTodos(), config: { keepFailed: true } });
    await loaded(manager, 3);
    server.intercept({ method: "PUT" }, { status: 500, body: { error: "refused" } });
    await expect(manager.actions.update({ id: "a", data: { title: "A2" } })).rejects.toThrow("refused");
    expect(manager.status.failedCount).toBe(1);

    await manager.actions.remove("a");

    expect(manager.store.writeStatus("a")).toBeUndefined();
    expect(manager.status.failedCount).toBe(0);
    expect(titles(manager.store)).toEqual(["B", "C"]);
  });

  it("a change that fails after its entity's remove was answered is not kept", async () => {
    const { manager, server } = await setupManager({ seed: makeTodos(), config: { keepFailed: true } });
    await loaded(manager, 3);
    const updateGate = server.hold({ method: "PUT" });
    const updating = manager.actions.update({ id: "a", data: { title: "A2" } });
    await updateGate.arrived;
    await manager.actions.remove("a"); // sent once the update was sent; answered first

    await updateGate.fail(500, { error: "refused" });

    await expect(updating).rejects.toThrow("refused");
    expect(manager.store.writeStatus("a")).toBeUndefined();
    expect(manager.status.failedCount).toBe(0);
    expect(titles(manager.store)).toEqual(["B", "C"]);
  });

  it.each([
    ["update", (id: string) => ({ method: "PUT", path: `/items/${id}` })],
    ["remove", (id: string) => ({ method: "DELETE", path: `/items/${id}` })],
  ] as const)("a failed %s kept of an entity another client then deletes goes with it", async (kind, request) => {
    const server = await startServer({ seed: makeTodos() });
    const { manager } = await setupManager({ server, config: { keepFailed: true, realtime: { eventType: server.eventType } } });
    await loaded(manager, 3);
    manager.realtime!.connect(await connectClient(server));
    await vi.waitFor(() => expect(manager.realtime!.isConnected).toBe(true));
    server.intercept(request("a"), { status: 500, body: { error: "refused" } });
    const change = kind === "update" ? manager.actions.update({ id: "a", data: { title: "A2" } }) : manager.actions.remove("a");
    await expect(change).rejects.toThrow("refused");
    expect(manager.status.failedCount).toBe(1);

    server.serverDelete("a"); // another client, broadcast

    await vi.waitFor(() => expect(manager.status.failedCount).toBe(0));
    expect(manager.store.writeStatus("a")).toBeUndefined();
    expect(titles(manager.store)).toEqual(["B", "C"]);
  });

  it("a write status read before its failed change was discarded retries and discards nothing", async () => {
    const { manager, server } = await setupManager({ seed: makeTodos(), config: { keepFailed: true } });
    await loaded(manager, 3);
    const refusal = server.intercept({ method: "PUT" }, { status: 500, body: { error: "refused" } });
    await expect(manager.actions.update({ id: "a", data: { title: "A2" } })).rejects.toThrow("refused");
    const stale = manager.store.writeStatus("a")!;
    refusal.remove();
    manager.store.writeStatus("a")!.discard();
    const puts = () => server.requests.filter((request) => request.method === "PUT").length;
    const sent = puts();

    await stale.retry();
    stale.discard();

    expect(puts()).toBe(sent);
    expect(manager.store.get("a")?.title).toBe("A");
    expect(manager.store.writeStatus("a")).toBeUndefined();
  });

  it("retry() of a failed update after a later update of the same field was saved: the retried value stands on screen and on the server", async () => {
    const setup = await setupManager({ seed: makeTodos(), config: { keepFailed: true } });
    const { manager, server } = setup;
    await loaded(manager, 3);
    await refuseUpdate(setup, "a", { title: "X", done: true });
    await manager.actions.update({ id: "a", data: { title: "Y" } });
    // The later title is saved; the failed change's other field is still not.
    expect(manager.store.get("a")).toMatchObject({ title: "Y", done: true });
    expect(manager.store.writeStatus("a")?.failed).toBe(true);

    await manager.store.writeStatus("a")!.retry();

    // Sent after the later update, the retried one is the newest: the server and the store agree.
    expect(server.row("a")).toMatchObject({ title: "X", done: true });
    expect(manager.store.get("a")).toMatchObject({ title: "X", done: true });
    expect(manager.store.writeStatus("a")).toBeUndefined();
  });

  it("retry() of a failed update while a later update of the same field is in flight shows and keeps the retried value", async () => {
    const setup = await setupManager({ seed: makeTodos(), config: { keepFailed: true } });
    const { manager, server } = setup;
    await loaded(manager, 3);
    await refuseUpdate(setup, "a", { title: "X" });
    const gate = server.hold({ method: "PUT" });
    const later = manager.actions.update({ id: "a", data: { title: "Y" } });
    await gate.arrived;
    expect(manager.store.get("a")?.title).toBe("Y");

    const retried = manager.store.writeStatus("a")!.retry();
    expect(manager.store.get("a")?.title).toBe("X");
    await gate.release();
    await Promise.all([later, retried]);

    expect(server.row("a")?.title).toBe("X");
    expect(manager.store.get("a")?.title).toBe("X");
  });

  it("drops a failed update once a later saved update has set every field of it: nothing is marked failed or left to retry", async () => {
    const setup = await setupManager({ seed: makeTodos(), config: { keepFailed: true } });
    const { manager, server } = setup;
    await loaded(manager, 3);
    await refuseUpdate(setup, "a", { title: "X" });
    expect(manager.status.failedCount).toBe(1);

    await manager.actions.update({ id: "a", data: { title: "Y" } });

    expect(manager.store.writeStatus("a")).toBeUndefined();
    expect(manager.status.failedCount).toBe(0);
    expect(manager.store.get("a")?.title).toBe("Y");
    expect(server.row("a")?.title).toBe("Y");
  });

  it("does not keep a failed update whose every field a later update saved before it failed: nothing is marked failed, retry() cannot undo the later edit", async () => {
    const { manager, server } = await setupManager({ seed: makeTodos(), config: { keepFailed: true } });
    await loaded(manager, 3);
    const gate = server.hold({ method: "PUT" });
    const first = manager.actions.update({ id: "a", data: { title: "X" } });
    first.catch(() => undefined);
    await gate.arrived;
    await manager.actions.update({ id: "a", data: { title: "Y" } });
    await gate.fail(500);
    await expect(first).rejects.toThrow(HttpError);

    expect(manager.store.writeStatus("a")).toBeUndefined();
    expect(manager.status.failedCount).toBe(0);
    expect(manager.store.get("a")?.title).toBe("Y");
    expect(server.row("a")?.title).toBe("Y");
  });

  it("shows the error of a failed change still kept: once a later saved update drops one failed change, its error goes with it", async () => {
    const { manager, server } = await setupManager({ seed: makeTodos(), config: { keepFailed: true } });
    await loaded(manager, 3);
    server.intercept({ method: "PUT" }, { status: 500, body: { error: "title refused" } });
    await expect(manager.actions.update({ id: "a", data: { title: "X" } })).rejects.toThrow("title refused");
    server.intercept({ method: "PUT" }, { status: 500, body: { error: "done refused" } });
    await expect(manager.actions.update({ id: "a", data: { done: true } })).rejects.toThrow("done refused");
    expect(shape(manager.store.writeStatus("a"))).toEqual({ pending: [], fields: ["done", "title"], failed: true, error: "PUT /items/a failed: 500 done refused" });
    await manager.actions.update({ id: "a", data: { done: false } }); // sets every field of the second failed change
    expect(shape(manager.store.writeStatus("a"))).toEqual({ pending: [], fields: ["title"], failed: true, error: "PUT /items/a failed: 500 title refused" });
  });

  it("retry() after destroy() rejects with the lifecycle error that says what to do, and sends nothing", async () => {
    const setup = await setupManager({ seed: makeTodos(), config: { keepFailed: true } });
    const { manager, server } = setup;
    await loaded(manager, 3);
    await refuseUpdate(setup, "a", { title: "A2" });
    const status = manager.store.writeStatus("a")!;
    const puts = server.requests.filter((request) => request.method === "PUT").length;
    manager.destroy();

    await expect(status.retry()).rejects.toThrow(OptimisticLifecycleError);
    await expect(status.retry()).rejects.toThrow('retry() on "items" after destroy(): the manager is destroyed. Create a new manager instead of reusing this one.');
    expect(server.requests.filter((request) => request.method === "PUT").length).toBe(puts);
  });

  it("retry() twice on one status (a double click) sends the failed change once", async () => {
    const setup = await setupManager({ seed: makeTodos(), config: { keepFailed: true } });
    const { manager, server } = setup;
    await loaded(manager, 3);
    await refuseUpdate(setup, "a", { title: "A2" });
    const status = manager.store.writeStatus("a")!;
    const puts = () => server.requests.filter((request) => request.method === "PUT").length;
    const sent = puts();

    await Promise.all([status.retry(), status.retry()]);

    expect(puts()).toBe(sent + 1);
    expect(manager.store.get("a")?.title).toBe("A2");
    expect(manager.store.writeStatus("a")).toBeUndefined();
  });

  it("a change refused with a plain object (not an Error) shows its message, or its JSON, as the status's error; the action rejects with the object itself", async () => {
    const refusals: unknown[] = [{ status: 422, message: "title taken" }, { status: 500, body: "down" }];
    const { manager } = await setupManager({
      seed: makeTodos(),
      config: { keepFailed: true, mutations: { create: async () => ({}) as Todo, remove: async () => undefined, update: () => Promise.reject(refusals.shift()) } },
    });
    await loaded(manager, 3);
    const first = refusals[0];
    await expect(manager.actions.update({ id: "a", data: { title: "A2" } })).rejects.toBe(first);
    expect(manager.store.writeStatus("a")?.error?.message).toBe("title taken");
    expect(manager.store.writeStatus("a")?.error?.cause).toBe(first);
    await expect(manager.actions.update({ id: "b", data: { title: "B2" } })).rejects.toEqual({ status: 500, body: "down" });
    expect(manager.store.writeStatus("b")?.error?.message).toBe('{"status":500,"body":"down"}');
  });

  it("observers of a created entity's status and isPending run when its create is answered without an entity", async () => {
    const server = await startServer({ seed: makeTodos() });
    const api = createTestApi<Todo>(server);
    const { manager } = await setupManager({
      server,
      config: { onError: () => undefined, mutations: { ...api.mutations, create: async (data, receipt) => (await api.mutations.create(data, receipt), undefined as unknown as Todo) } },
    });
    await loaded(manager, 3);
    const refetch = server.hold({ method: "GET" }); // the refetch the answer asks for stays out
    const creating = manager.actions.create({ title: "D" });
    const tempId = manager.store.list[3]!.id;
    const seen: unknown[] = [];
    const dispose = autorun(() => seen.push([manager.store.writeStatus(tempId)?.pending.slice(), manager.store.isPending(tempId)]));

    await creating;
    await refetch.arrived;
    expect(seen).toEqual([
      [["create"], true],
      [undefined, false],
    ]);
    dispose();
    await refetch.release();
  });

  it("keepFailed: changes queued on a create answered without an entity are not kept, so none is sent with the temporary id", async () => {
    const server = await startServer({ seed: makeTodos() });
    const api = createTestApi<Todo>(server);
    const { manager } = await setupManager({
      server,
      config: { keepFailed: true, onError: () => undefined, mutations: { ...api.mutations, create: async (data, receipt) => (await api.mutations.create(data, receipt), undefined as unknown as Todo) } },
    });
    await loaded(manager, 3);
    const refetch = server.hold({ method: "GET" }); // the refetch the answer asks for
    const creating = manager.actions.create({ title: "D" });
    const tempId = manager.store.list[3]!.id;
    const updating = manager.actions.update({ id: tempId, data: { done: true } });

    await creating;
    await expect(updating).rejects.toThrow("answered without an entity");
    expect(manager.store.writeStatus(tempId)).toBeUndefined(); // nothing to retry: its server id is unknown
    expect(manager.status.failedCount).toBe(0);
    expect(manager.store.get(tempId)).toEqual({ id: tempId, title: "D" }); // rolled back

    await refetch.arrived;
    await refetch.release();
    await vi.waitFor(() => expect(titles(manager.store)).toEqual(["A", "B", "C", "D"]));
    expect(manager.store.writeStatus(tempId)).toBeUndefined();
    expect(manager.status.failedCount).toBe(0);
    expect(server.requests.filter((request) => request.method === "PUT")).toEqual([]);
  });

  it("without keepFailed, a failed change rolls back at once and failed is never true", async () => {
    const { manager, server } = await setupManager({ seed: makeTodos() });
    await loaded(manager, 3);
    server.intercept({ method: "PUT" }, { status: 500 });
    const seen: (WriteStatus | undefined)[] = [];
    const dispose = autorun(() => seen.push(manager.store.writeStatus("a")));

    await expect(manager.actions.update({ id: "a", data: { title: "A2" } })).rejects.toThrow();
    dispose();

    expect(seen.map(shape)).toEqual([undefined, { pending: ["update"], fields: ["title"], failed: false, error: undefined }, undefined]);
    expect(manager.store.get("a")?.title).toBe("A");
    expect(manager.status.failedCount).toBe(0);
  });

  it("is observed per entity: a reaction on one entity's status runs only when that status changes", async () => {
    const { manager } = await setupManager({ seed: makeTodos() });
    await loaded(manager, 3);
    let runsA = 0;
    let runsPendingB = 0;
    const disposeA = reaction(
      () => manager.store.writeStatus("a")?.pending.length ?? 0,
      () => runsA++,
    );
    const disposeB = reaction(
      () => manager.store.isPending("b"),
      () => runsPendingB++,
    );

    await manager.actions.update({ id: "c", data: { title: "C2" } });
    expect([runsA, runsPendingB]).toEqual([0, 0]);
    await manager.actions.update({ id: "b", data: { title: "B2" } });
    expect([runsA, runsPendingB]).toEqual([0, 2]);
    disposeA();
    disposeB();
  });

  it("an observer of a pending entity's status does not run again for a confirmed write beneath it, only when the status changes", async () => {
    const { manager, server } = await setupManager({ seed: makeTodos() });
    await loaded(manager, 3);
    const gate = server.hold({ method: "PUT" });
    const update = manager.actions.update({ id: "a", data: { title: "A2" } });
    const seen: unknown[] = [];
    const dispose = autorun(() => seen.push(shape(manager.store.writeStatus("a"))));
    expect(seen).toEqual([{ pending: ["update"], fields: ["title"], failed: false, error: undefined }]);

    manager.store.upsert({ ...server.row("a")!, done: true }); // another field confirmed under the change
    expect(manager.store.get("a")).toMatchObject({ title: "A2", done: true });
    expect(seen).toHaveLength(1);

    await gate.arrived;
    await gate.release();
    await update;
    expect(seen).toEqual([{ pending: ["update"], fields: ["title"], failed: false, error: undefined }, undefined]);
    dispose();
  });
});
