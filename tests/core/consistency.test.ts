/**
 * Glitch audit: every MobX reaction sees the public state in step. An autorun reads, on every run,
 * the store (list, entities, count, get, viewKey, writeStatus, isPending) and the whole `status`
 * together, and checks what must hold in each reaction; the scenarios drive every public moment
 * through real parts (the test HTTP and socket.io servers).
 */
import { environmentManager, onlineManager } from "@tanstack/query-core";
import { autorun, observable, runInAction } from "mobx";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { OptimisticStore, OptimisticStoreManager } from "../../src";
import { createMemoryStorage } from "../../src/persist";
import { makeTodos, type Todo } from "../__fixtures__/mockData";
import { connectClient, drainSocket } from "../__fixtures__/socketClient";
import { createTestApi } from "../__fixtures__/testApi";
import { cleanup, loaded, nextMacrotask, onCleanup, setupManager, startServer } from "../__fixtures__/testHelpers";

environmentManager.setIsServer(() => false);
afterEach(async () => {
  onlineManager.setOnline(true);
  await cleanup();
});

type Manager = OptimisticStoreManager<Todo, Todo, OptimisticStore<Todo>>;

/** What one reaction saw. */
interface Seen {
  ids: string[];
  isLoading: boolean;
  isSyncing: boolean;
  isError: boolean;
  pending: boolean;
  queued: number;
  failed: number;
  online: boolean;
  connected: boolean | undefined;
  /** Per id watched or shown: its write status, as `kinds|failed`. */
  writes: Record<string, string>;
}

/**
 * Runs an autorun over the whole public state of `manager`; every run is checked against the
 * invariants that hold in any reaction, and kept (`seen`) for the scenario's own checks. `watch`:
 * ids whose write status is read also while they are not shown (a removed row, a temporary id).
 */
function probe(manager: Manager, watch: string[] = []) {
  const seen: Seen[] = [];
  const broken: string[] = [];
  const stop = autorun(() => {
    const { store, status } = manager;
    const ids = store.list.map((todo) => todo.id);
    const keys = [...store.entities.keys()];
    const problems: string[] = [];
    if (new Set(ids).size !== ids.length) problems.push(`list holds an id twice: ${ids.join(",")}`);
    if (ids.length !== keys.length || store.count !== ids.length || keys.some((id) => !ids.includes(id))) problems.push(`list ${ids.join(",")} vs entities ${keys.join(",")} (count ${store.count})`);
    for (const todo of store.list) if (store.get(todo.id) !== todo || store.entities.get(todo.id) !== todo) problems.push(`get(${todo.id}) is not the listed entity`);
    const viewKeys = ids.map((id) => store.viewKey(id));
    if (new Set(viewKeys).size !== viewKeys.length) problems.push(`a row shows twice (view keys ${viewKeys.join(",")})`);
    const writes: Record<string, string> = {};
    let failedShown = 0;
    for (const id of new Set([...ids, ...watch])) {
      const write = store.writeStatus(id);
      if (!write) {
        if (store.isPending(id)) problems.push(`${id} is pending without a write status`);
        continue;
      }
      writes[id] = `${write.pending.join("+")}|${write.failed ? "failed" : ""}`;
      if (store.isPending(id) !== write.pending.length > 0) problems.push(`isPending(${id}) disagrees with its write status`);
      for (const kind of write.pending) {
        const counted = kind === "create" ? status.createPending : kind === "update" ? status.updatePending : status.deletePending;
        if (!counted) problems.push(`${id} shows a pending ${kind} that status does not count`);
      }
      if (write.failed) failedShown++;
      if (write.failed !== (write.error !== undefined)) problems.push(`${id}: failed ${write.failed} with error ${String(write.error)}`);
    }
    if (failedShown > status.failedCount) problems.push(`${failedShown} rows shown failed, failedCount ${status.failedCount}`);
    if (status.hasPendingMutations !== (status.createPending || status.updatePending || status.deletePending)) problems.push("hasPendingMutations disagrees with the *Pending flags");
    if (status.queuedCount > 0 && !status.hasPendingMutations) problems.push(`queuedCount ${status.queuedCount} with nothing pending`);
    if (status.isError !== (status.error !== null)) problems.push("isError disagrees with error");
    const state: Seen = {
      ids,
      isLoading: status.isLoading,
      isSyncing: status.isSyncing,
      isError: status.isError,
      pending: status.hasPendingMutations,
      queued: status.queuedCount,
      failed: status.failedCount,
      online: status.isOnline,
      connected: manager.realtime?.isConnected,
      writes,
    };
    seen.push(state);
    for (const problem of problems) broken.push(`reaction ${seen.length}: ${problem}`);
  });
  onCleanup(stop);
  return {
    seen,
    /** Every reaction so far saw the state in step. */
    expectInStep: () => expect(broken).toEqual([]),
    /** The reactions from now on. */
    from: () => {
      const start = seen.length;
      return () => seen.slice(start);
    },
  };
}

/** A loaded manager of the test server's todos, listening to its events on a real socket. */
async function withRealtime() {
  const server = await startServer({ seed: makeTodos() });
  const { manager } = await setupManager({ server, config: { realtime: { eventType: server.eventType } } });
  await loaded(manager, 3);
  const socket = await connectClient(server);
  manager.realtime!.connect(socket as never);
  return { server, manager, socket };
}

const row = (s: Seen) => `${s.ids.join(",")}${s.isLoading ? " loading" : ""}${s.isSyncing ? " syncing" : ""}${s.isError ? " error" : ""}`;

describe("no reaction sees the store out of step", () => {
  it("through changes applied, answered and refused, a temporary id replaced and a refetch landing under pending changes", async () => {
    const { manager, server } = await setupManager({ seed: makeTodos() });
    await loaded(manager, 3);
    const p = probe(manager, ["b"]);
    const gate = server.hold({ method: "POST" });
    const create = manager.actions.create({ title: "D" });
    const temp = manager.store.list.at(-1)!.id;
    const update = manager.actions.update({ id: "a", data: { title: "A2" } });
    server.intercept({ method: "DELETE" }, { status: 500 });
    const remove = manager.actions.remove("b").catch(() => undefined);
    const afterTemp = p.from();
    await manager.actions.refetch();
    await update;
    await remove;
    await gate.arrived;
    await gate.release();
    await create;
    await nextMacrotask();
    p.expectInStep();
    // The created row shows in every reaction from its create on, under one view key.
    expect(afterTemp().every((s) => s.ids.some((id) => manager.store.viewKey(id) === temp))).toBe(true);
    expect(row(p.seen.at(-1)!)).toBe("a,b,c,1");
  });

  it("through kept failed changes, their retry and their discard", async () => {
    const { manager, server } = await setupManager({ seed: makeTodos(), config: { keepFailed: true } });
    await loaded(manager, 3);
    const p = probe(manager, ["b"]);
    for (const method of ["PUT", "PATCH", "DELETE", "POST"]) server.intercept({ method }, { status: 500 });
    await manager.actions.update({ id: "a", data: { title: "A2" } }).catch(() => undefined);
    await manager.actions.remove("b").catch(() => undefined);
    await manager.actions.create({ title: "D" }).catch(() => undefined);
    expect(manager.status.failedCount).toBe(3);
    server.clearIntercepts();
    await manager.store.writeStatus("a")!.retry();
    manager.store.writeStatus("b")!.discard();
    const temp = manager.store.list.find((todo) => todo.title === "D")!.id;
    await manager.store.writeStatus(temp)!.retry();
    await nextMacrotask();
    p.expectInStep();
    expect(manager.status.failedCount).toBe(0);
  });

  it("through realtime events alone and in a burst, echoes of this client's changes", async () => {
    const { server, manager, socket } = await withRealtime();
    const p = probe(manager);
    server.serverInsert({ id: "x", title: "X" });
    server.serverUpdate("a", { title: "A9" });
    server.serverDelete("b");
    server.emitBurst(20, (i) => ({ type: server.eventType, event: "INSERT", data: { id: `y${i}`, title: `Y${i}` } }));
    await manager.actions.create({ title: "D" });
    await manager.actions.update({ id: "a", data: { title: "A10" } });
    await manager.actions.remove("c");
    await drainSocket(server, socket);
    p.expectInStep();
  });

  it("through clear(), disable(), enable(), a refetch and destroy()", async () => {
    const { manager } = await setupManager({ seed: makeTodos() });
    await loaded(manager, 3);
    const p = probe(manager);
    void manager.actions.update({ id: "a", data: { title: "A2" } }).catch(() => undefined);
    manager.store.clear();
    await manager.actions.refetch();
    manager.disable();
    manager.enable();
    await manager.actions.refetch();
    manager.destroy();
    await nextMacrotask();
    p.expectInStep();
  });
});

describe("no reaction sees the first load over before it started", () => {
  it("no reaction sees the store loaded and empty when the storage could not be read (persist)", async () => {
    const server = await startServer({ seed: makeTodos() });
    const unreadable = { ...createMemoryStorage(), getItem: () => Promise.reject(new Error("storage unavailable")) };
    const { manager } = await setupManager({ server, config: { persist: { storage: unreadable, key: "todos" }, onError: () => undefined } });
    const p = probe(manager);
    await manager.ready;
    await loaded(manager, 3);
    p.expectInStep();
    // A "No todos yet" between the spinner of the stored state and the spinner of the first load.
    expect(p.seen.map(row).filter((state) => !state.includes("loading"))).toEqual(["a,b,c"]);
  });
});

describe("no reaction sees a change made offline as sent", () => {
  it("no reaction sees a change made offline pending but not counted in queuedCount", async () => {
    const { manager } = await setupManager({ seed: makeTodos() });
    await loaded(manager, 3);
    onlineManager.setOnline(false);
    const p = probe(manager);
    const made = [manager.actions.create({ title: "D" }), manager.actions.update({ id: "a", data: { title: "A2" } }), manager.actions.remove("b")];
    for (const change of made) change.catch(() => undefined);
    // Each change shows already queued: "3 changes will be sent when you are back online", never "saving".
    expect(p.seen.map((s) => `${s.ids.length} rows, ${Object.keys(s.writes).length} pending, ${s.queued} queued`)).toEqual([
      "3 rows, 0 pending, 0 queued",
      "4 rows, 1 pending, 1 queued",
      "4 rows, 2 pending, 2 queued",
      "3 rows, 2 pending, 3 queued",
    ]);
    onlineManager.setOnline(true);
    await Promise.all(made);
    await nextMacrotask();
    p.expectInStep();
    expect(manager.status.queuedCount).toBe(0);
  });
});

describe("no reaction sees the socket back before the store catches up", () => {
  it("no reaction sees realtime reconnected and the store not syncing before the refetch after the reconnect", async () => {
    const { server, manager } = await withRealtime();
    const p = probe(manager);
    const from = p.from();
    server.disconnectAllClients();
    await vi.waitFor(() => expect(from().some((s) => s.connected === false)).toBe(true));
    await vi.waitFor(() => expect(manager.realtime!.isConnected && !manager.status.isSyncing && from().some((s) => s.connected && s.isSyncing)).toBe(true));
    p.expectInStep();
    // "Live" (connected, not syncing) only once the events missed while away have been fetched.
    expect(from().map((s) => `connected=${s.connected} syncing=${s.isSyncing}`)).toEqual(["connected=false syncing=false", "connected=true syncing=true", "connected=true syncing=false"]);
  });
});

describe("no reaction sees half a discard", () => {
  it("no reaction sees a discarded create's row gone while its failed update is still counted", async () => {
    const { manager, server } = await setupManager({ seed: makeTodos(), config: { keepFailed: true } });
    await loaded(manager, 3);
    server.intercept({ method: "POST" }, { status: 500 });
    const create = manager.actions.create({ title: "D" }).catch(() => undefined);
    const temp = manager.store.list.at(-1)!.id;
    const update = manager.actions.update({ id: temp, data: { title: "D2" } }).catch(() => undefined);
    await create;
    await update;
    const p = probe(manager, [temp]);
    manager.store.writeStatus(temp)!.discard();
    p.expectInStep();
    expect(p.seen.map((s) => `${s.ids.join(",")} failed=${s.failed} ${s.writes[temp] ?? ""}`)).toEqual([`a,b,c,${temp} failed=1 |failed`, "a,b,c failed=0 "]);
  });
});

describe("a scope switch, seen by reactions made before and after the manager (a known limit)", () => {
  it("a reaction made after the manager sees each user's list with its own status; one made before sees the store empty and not loading for a moment", async () => {
    const server = await startServer({ perUser: true });
    server.seed([{ id: "a1", title: "Alice 1" }], "alice");
    server.seed([{ id: "b1", title: "Bob 1" }], "bob");
    const auth = observable.box<string | null>("alice");
    const made: { manager?: Manager } = {};
    const describeState = (m: Manager) => `${auth.get()} [${m.store.list.map((todo) => todo.id).join(",")}]${m.status.isLoading ? " loading" : ""}`;
    const before: string[] = [];
    onCleanup(autorun(() => void (auth.get() && made.manager && before.push(describeState(made.manager)))));
    const api = createTestApi<Todo>(server, { user: () => String(auth.get()) });
    const { manager } = await setupManager({ server, config: { scope: () => auth.get(), mutations: api.mutations, queryFn: ({ queryKey }) => createTestApi<Todo>(server, { user: String(queryKey[1]) }).queryFn() } });
    made.manager = manager;
    const p = probe(manager);
    const after: string[] = [];
    onCleanup(autorun(() => void (auth.get() && after.push(describeState(manager)))));
    await loaded(manager, 1);
    runInAction(() => auth.set("bob"));
    await vi.waitFor(() => expect(manager.store.list.map((todo) => todo.id)).toEqual(["b1"]));
    runInAction(() => auth.set("alice"));
    p.expectInStep();
    expect(after).toEqual(["alice [] loading", "alice [a1]", "bob [] loading", "bob [b1]", "alice [a1]"]);
    // The known limit: before each switch, the store reads as empty with the previous user's status.
    expect(before).toEqual(["bob []", "bob [] loading", "bob [b1]", "alice []", "alice [a1]"]);
  });
});
