/**
 * The manager's realtime wiring against a real socket.io server and real socket.io-client sockets.
 */
import { QueryClient, environmentManager } from "@tanstack/query-core";
import { autorun, reaction } from "mobx";
import type { Socket } from "socket.io-client";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  createOptimisticStoreManager,
  OptimisticLifecycleError,
  type MutationReceipt,
  type OptimisticErrorInfo,
  type OptimisticStoreConfig,
  type OptimisticStoreManager,
  type RealtimeConfig,
} from "../../src";
import {
  connectClient,
  createClient,
  createTestApi,
  nextEvent,
  startTestServer,
  type TestServer,
  type TestServerOptions,
} from "../__fixtures__";

declare module "vitest" {
  interface TaskMeta {
    /** List reactions counted in the burst test. */
    listReactions?: number;
  }
}

environmentManager.setIsServer(() => false);

interface Item {
  id: string;
  title?: string;
  done?: boolean;
  value?: number;
  [field: string]: unknown;
}

type Manager = OptimisticStoreManager<Item, Item>;
type Realtime = NonNullable<Manager["realtime"]>;

const servers: TestServer<Item>[] = [];
const managers: Manager[] = [];
const disposers: Array<() => void> = [];

afterEach(async () => {
  for (const dispose of disposers.splice(0)) dispose();
  for (const manager of managers.splice(0)) manager.destroy();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const SEED: Item[] = [
  { id: "a", title: "A", done: false },
  { id: "b", title: "B", done: false },
];

async function startServer(options: TestServerOptions<Item> = {}): Promise<TestServer<Item>> {
  const server = await startTestServer<Item>({ seed: SEED, ...options });
  servers.push(server);
  return server;
}

function newClient(): QueryClient {
  return new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
}

interface ManagerOptions {
  realtime?: Partial<RealtimeConfig<Item>>;
  config?: Partial<OptimisticStoreConfig<Item, Item>>;
  /** The server calls (default: createTestApi(server), which sends the receipt as headers). */
  api?: Pick<OptimisticStoreConfig<Item, Item>, "queryFn" | "mutations">;
  /** Leave the error hooks to `config` (onError is set by default and collects into `errors`). */
  noErrorHook?: boolean;
}

/** A manager over the server's REST API with realtime on the server's event type; waits for the first load. */
async function createManager(server: TestServer<Item>, options: ManagerOptions = {}) {
  const errors: Array<{ error: Error; info: OptimisticErrorInfo }> = [];
  const api = options.api ?? createTestApi<Item>(server);
  const manager = createOptimisticStoreManager<Item, Item>(
    {
      name: "items",
      ...api,
      transformer: false,
      realtime: { eventType: server.eventType, ...options.realtime },
      ...(options.noErrorHook ? {} : { onError: (error: Error, info: OptimisticErrorInfo) => void errors.push({ error, info }) }),
      ...options.config,
    },
    newClient(),
  );
  managers.push(manager);
  await waitFor(() => {
    expect(manager.status.isLoading).toBe(false);
    expect(manager.status.isSyncing).toBe(false);
    expect(server.requests.length).toBeGreaterThan(0);
  });
  const realtime: Realtime = manager.realtime!;
  return { manager, store: manager.store, realtime, errors };
}

/** A manager connected to a new, connected socket. */
async function connectedManager(server: TestServer<Item>, options: ManagerOptions = {}) {
  const made = await createManager(server, options);
  const socket = await connectClient(server);
  made.realtime.connect(socket);
  return { ...made, socket };
}

/**
 * Waits until everything the server emitted so far has been handled by the socket's listeners
 * (socket.io keeps the order of one connection), and the extension's batch has been applied.
 */
async function drain(server: TestServer<Item>, socket: Socket, timeoutMs = 5000): Promise<void> {
  const ping = nextEvent(socket, "test:drain", { timeoutMs });
  server.emitRaw("test:drain");
  await ping;
  await new Promise((resolve) => setTimeout(resolve, 0));
}

/** vi.waitFor with room for a loaded machine (socket traffic, reconnection delays). */
function waitFor<T>(check: () => T, timeout = 5000): Promise<T> {
  return vi.waitFor(check, { timeout, interval: 10 });
}

const ids = (manager: Manager) => manager.store.list.map((item) => item.id);
const titles = (manager: Manager) => manager.store.list.map((item) => item.title);
const gets = (server: TestServer<Item>) => server.requests.filter((request) => request.method === "GET").length;

describe("realtime integration", () => {
  describe("changes from other clients", () => {
    it("with a transformer that maps the API's numeric ids to string ids, applies another client's UPDATE and DELETE to the entity they name", async () => {
      const server = await startServer();
      const numeric = (id: number) => id as unknown as string;
      const api = createTestApi<Item>(server);
      const { manager, store, socket, errors } = await connectedManager(server, {
        api: {
          // The server's rows, given numeric ids.
          queryFn: async () => (await api.queryFn()).map((item, i) => ({ id: numeric(i + 1), title: item.title })),
          mutations: api.mutations,
        },
        config: { transformer: { toUi: (item) => ({ ...item, id: String(item.id) }), toApi: (item) => ({ ...item, id: numeric(Number(item.id)) }) } },
      });
      expect(ids(manager)).toEqual(["1", "2"]);
      server.emitRaw(server.eventType, { type: server.eventType, event: "UPDATE", data: { id: 2, title: "B!" } });
      server.emitRaw(server.eventType, { type: server.eventType, event: "DELETE", data: { id: 1 } });
      await drain(server, socket);
      expect(store.list.slice()).toEqual([{ id: "2", title: "B!" }]);
      expect(errors).toEqual([]);
    });

    it("applies another client's INSERT, UPDATE and DELETE to the store", async () => {
      const server = await startServer();
      const { manager, store } = await connectedManager(server);

      const inserted = server.serverInsert({ title: "C", done: false });
      await waitFor(() => expect(store.get(inserted.id)).toEqual(inserted));
      expect(ids(manager)).toEqual(["a", "b", inserted.id]);

      server.serverUpdate("a", { title: "A2", done: true });
      await waitFor(() => expect(store.get("a")).toEqual({ id: "a", title: "A2", done: true }));

      server.serverDelete("b");
      await waitFor(() => expect(store.get("b")).toBeUndefined());
      expect(titles(manager)).toEqual(["A2", "C"]);
      expect(server.requests.filter((r) => r.method === "GET")).toHaveLength(1);
    });

    it("shows changes made through another manager on its own socket", async () => {
      const server = await startServer();
      const mine = await connectedManager(server);
      const theirs = await connectedManager(server);

      const created = await theirs.manager.actions.create({ title: "from them" });
      await waitFor(() => expect(mine.store.get(created.id)?.title).toBe("from them"));

      await theirs.manager.actions.update({ id: "a", data: { done: true } });
      await waitFor(() => expect(mine.store.get("a")?.done).toBe(true));

      await theirs.manager.actions.remove("b");
      await waitFor(() => expect(mine.store.get("b")).toBeUndefined());

      await drain(server, theirs.socket);
      expect(ids(mine.manager)).toEqual(["a", created.id]);
      expect(ids(theirs.manager)).toEqual(["a", created.id]);
      expect(mine.errors).toEqual([]);
      expect(theirs.errors).toEqual([]);
    });

    it("runs realtime data through the manager's transformer", async () => {
      const server = await startServer();
      const { store } = await connectedManager(server, { config: { transformer: undefined } });

      const row = server.serverInsert({ title: "dated", createdAt: "2024-01-02T03:04:05.000Z" });
      await waitFor(() => expect(store.get(row.id)).toBeDefined());
      expect(store.get(row.id)?.createdAt).toEqual(new Date("2024-01-02T03:04:05.000Z"));
    });

    it("reads entities with a dataExtractor and processes only what shouldProcessEvent accepts", async () => {
      const server = await startServer();
      const { store, socket } = await connectedManager(server, {
        realtime: {
          dataExtractor: (event) => event.item as Item | undefined,
          shouldProcessEvent: (event) => event.room === "kitchen",
        },
      });

      server.emitRaw(server.eventType, { type: server.eventType, event: "INSERT", room: "garage", item: { id: "g", title: "no" } });
      server.emitRaw(server.eventType, { type: server.eventType, event: "INSERT", room: "kitchen", item: { id: "k", title: "yes" } });
      await drain(server, socket);

      expect(store.get("g")).toBeUndefined();
      expect(store.get("k")).toEqual({ id: "k", title: "yes" });
    });

    it("hands events of a custom type to their custom handler", async () => {
      const server = await startServer();
      const { store, socket } = await connectedManager(server, {
        realtime: {
          customHandlers: {
            items_cleared: (target) => target.clear(),
          },
        },
      });

      server.emitRaw(server.eventType, { type: "items_cleared", event: "DELETE" });
      await drain(server, socket);
      expect(store.count).toBe(0);
    });
  });

  describe("own echoes", () => {
    it("ignores events carrying its browserId and applies those of other browsers", async () => {
      const server = await startServer();
      const { store, socket } = await connectedManager(server, { realtime: { browserId: "me" } });

      server.serverUpdate("a", { title: "echo of mine" }, { browserId: "me" });
      server.serverInsert({ title: "inserted by me" }, { browserId: "me" });
      server.serverUpdate("b", { title: "from someone else" }, { browserId: "someone" });
      await drain(server, socket);

      expect(store.get("a")?.title).toBe("A");
      expect(store.get("b")?.title).toBe("from someone else");
      expect(store.count).toBe(2);
    });

    it("with a browserId shared by two tabs of one browser, applies the other tab's changes that carry their receipt", async () => {
      const server = await startServer();
      const tab = () => connectedManager(server, { realtime: { browserId: "browser-1" }, api: createTestApi<Item>(server, { browserId: "browser-1" }) });
      const first = await tab();
      const second = await tab();

      await second.manager.actions.update({ id: "a", data: { title: "from the other tab" } });
      const created = await second.manager.actions.create({ title: "new" });
      await second.manager.actions.remove("b");
      await drain(server, first.socket);
      expect(server.events.every((event) => event.browserId === "browser-1" && event.mutationId !== undefined)).toBe(true);
      expect(first.store.list.slice()).toEqual([{ id: "a", title: "from the other tab", done: false }, created]);
      // Its own echoes are still recognised: nothing shows twice.
      await first.manager.actions.create({ title: "mine" });
      await drain(server, first.socket);
      expect(first.store.list.slice()).toEqual(server.rows());
      expect(first.errors).toEqual([]);
    });

    it("does not duplicate its own create when the browserId echo arrives before the response", async () => {
      const server = await startServer();
      const api = createTestApi<Item>(server, { browserId: "me" });
      const { manager, store, socket } = await connectedManager(server, {
        realtime: { browserId: "me" },
        // The plan's one-argument functions: only the browserId header tells the server who wrote.
        api: {
          queryFn: api.queryFn,
          mutations: {
            create: (data) => api.mutations.create(data),
            update: (params) => api.mutations.update(params),
            remove: (id) => api.mutations.remove(id),
          },
        },
      });
      const gate = server.hold({ method: "POST" }, { applyAt: "request" });

      const creating = manager.actions.create({ title: "new" });
      await gate.arrived;
      await drain(server, socket);
      expect(server.events.at(-1)).toMatchObject({ event: "INSERT", browserId: "me" });
      expect(titles(manager)).toEqual(["A", "B", "new"]);
      expect(store.isPending(store.list[2]!.id)).toBe(true);

      await gate.release();
      const created = await creating;
      expect(ids(manager)).toEqual(["a", "b", created.id]);
    });

    it("acknowledges its pending create from an echo carrying the receipt, before the HTTP response", async () => {
      const server = await startServer();
      const { manager, store, socket } = await connectedManager(server);
      const gate = server.hold({ method: "POST" }, { applyAt: "request" });

      const creating = manager.actions.create({ title: "new" });
      const tempId = store.list[2]!.id;
      expect(store.isPending(tempId)).toBe(true);

      const request = await gate.arrived;
      expect(request.headers["x-mutation-id"]).toEqual(expect.any(String));
      const serverId = server.rows().at(-1)!.id;
      await waitFor(() => expect(ids(manager)).toEqual(["a", "b", serverId]));
      expect(store.get(serverId)).toEqual({ id: serverId, title: "new" });
      expect(store.get(tempId)).toBeUndefined();
      expect(store.isPending(serverId)).toBe(false);
      expect(store.viewKey(serverId)).toBe(tempId);
      // The HTTP call has not returned: the counters still count it.
      expect(manager.status.createPending).toBe(true);
      expect(manager.status.hasPendingMutations).toBe(true);

      await gate.release();
      await expect(creating).resolves.toEqual({ id: serverId, title: "new" });
      expect(manager.status.createPending).toBe(false);
      expect(manager.status.hasPendingMutations).toBe(false);
      await drain(server, socket);
      expect(ids(manager)).toEqual(["a", "b", serverId]);
    });

    it("acknowledges its pending update from an echo carrying the receipt", async () => {
      const server = await startServer();
      const { manager, store } = await connectedManager(server);
      const gate = server.hold({ method: "PUT" }, { applyAt: "request" });

      const updating = manager.actions.update({ id: "a", data: { title: "A2" } });
      expect(store.get("a")?.title).toBe("A2");
      expect(store.isPending("a")).toBe(true);

      await gate.arrived;
      await waitFor(() => expect(store.isPending("a")).toBe(false));
      expect(store.get("a")).toEqual({ id: "a", title: "A2", done: false });
      expect(manager.status.updatePending).toBe(true);

      await gate.release();
      await updating;
      expect(manager.status.updatePending).toBe(false);
      expect(store.get("a")).toEqual({ id: "a", title: "A2", done: false });
    });

    it("acknowledges its pending remove from an echo carrying the receipt", async () => {
      const server = await startServer();
      const { manager, store } = await connectedManager(server);
      const gate = server.hold({ method: "DELETE" }, { applyAt: "request" });

      const removing = manager.actions.remove("a");
      expect(store.get("a")).toBeUndefined();
      expect(store.isPending("a")).toBe(true);

      await gate.arrived;
      await waitFor(() => expect(store.isPending("a")).toBe(false));
      expect(ids(manager)).toEqual(["b"]);
      expect(manager.status.deletePending).toBe(true);

      await gate.release();
      await removing;
      expect(manager.status.deletePending).toBe(false);
      expect(ids(manager)).toEqual(["b"]);
    });

    it("keeps the server's answer to a failed HTTP call whose echo already acknowledged the change", async () => {
      const server = await startServer();
      const { manager, store } = await connectedManager(server);
      // The server writes (and broadcasts) on arrival, then the response is lost.
      const gate = server.hold({ method: "PUT" }, { applyAt: "request" });

      const updating = manager.actions.update({ id: "a", data: { title: "written" } });
      await gate.arrived;
      await waitFor(() => expect(store.isPending("a")).toBe(false));
      await gate.fail(502);

      await expect(updating).rejects.toMatchObject({ status: 502 });
      expect(store.get("a")?.title).toBe("written");
      expect(manager.status.updatePending).toBe(false);
    });

    it("shows its last edit, never the earlier one back, when the server carries the last update out first and its call fails after its echo answered it (known limit: carried out in another order)", async () => {
      const server = await startServer();
      const { manager, store, socket } = await connectedManager(server);
      const shown: unknown[] = [];
      disposers.push(reaction(() => store.get("a")?.title, (title) => shown.push(title)));
      // The first update is carried out when let through; the second one on arrival, and then its
      // response is lost.
      const first = server.hold({ method: "PUT" });
      const second = server.hold({ method: "PUT" }, { applyAt: "request" });
      const typing = manager.actions.update({ id: "a", data: { title: "t2" } });
      const retyping = manager.actions.update({ id: "a", data: { title: "t3" } });
      await Promise.all([first.arrived, second.arrived]);
      // Its echo answers the second update while the first one is still in flight.
      await drain(server, socket);
      expect(store.isPending("a")).toBe(true);
      expect(store.get("a")?.title).toBe("t3");
      await second.fail(502);
      await expect(retyping).rejects.toMatchObject({ status: 502 });
      expect(store.get("a")?.title).toBe("t3");

      // The server carries the first update out last: of their answers, the one to the update sent
      // last stands (docs/architecture.md, Known limits), until the next fetch.
      await first.release();
      await typing;
      await drain(server, socket);
      expect(server.events.map((event) => (event.data as Item).title)).toEqual(["t3", "t2"]);
      expect(store.get("a")?.title).toBe("t3");
      expect(shown).toEqual(["t2", "t3"]);
      await manager.actions.refetch();
      expect(store.get("a")?.title).toBe("t2");
    });

    it("carries an update queued on a created entity over to its server id when an echo acknowledges the create", async () => {
      const server = await startServer();
      const { manager, store, socket } = await connectedManager(server);
      const gate = server.hold({ method: "POST" }, { applyAt: "request" });

      const creating = manager.actions.create({ title: "new" });
      const tempId = store.list[2]!.id;
      const updating = manager.actions.update({ id: tempId, data: { done: true } });
      await gate.arrived;
      const serverId = server.rows().at(-1)!.id;
      await waitFor(() => expect(ids(manager)).toEqual(["a", "b", serverId]));
      expect(store.get(serverId)).toEqual({ id: serverId, title: "new", done: true });
      // The echo gave the server id: the queued update goes at once, before the create's answer.
      await waitFor(() => expect(server.requests.filter((request) => request.method === "PUT").map((request) => request.path)).toEqual([`/items/${serverId}`]));

      await gate.release();
      await creating;
      await updating;
      await drain(server, socket);
      expect(server.row(serverId)).toEqual({ id: serverId, title: "new", done: true });
      expect(store.get(serverId)).toEqual({ id: serverId, title: "new", done: true });
      expect(ids(manager)).toEqual(["a", "b", serverId]);
      expect(store.isPending(serverId)).toBe(false);
    });

    it("ignores an echo carrying only its originId", async () => {
      const server = await startServer();
      const api = createTestApi<Item>(server);
      const { manager, store, socket } = await connectedManager(server, {
        api: {
          queryFn: api.queryFn,
          mutations: {
            create: (data, receipt) => api.mutations.create(data, { originId: receipt.originId }),
            update: (params, receipt) => api.mutations.update(params, { originId: receipt.originId }),
            remove: (id, receipt) => api.mutations.remove(id, { originId: receipt.originId }),
          },
        },
      });
      const gate = server.hold({ method: "POST" }, { applyAt: "request" });

      const creating = manager.actions.create({ title: "new" });
      await gate.arrived;
      await drain(server, socket);
      expect(server.events.at(-1)).toMatchObject({ event: "INSERT", originId: expect.any(String) });
      expect(server.events.at(-1)?.mutationId).toBeUndefined();
      expect(titles(manager)).toEqual(["A", "B", "new"]);
      expect(store.isPending(store.list[2]!.id)).toBe(true);

      await gate.release();
      const created = await creating;
      expect(ids(manager)).toEqual(["a", "b", created.id]);

      const originId = server.events.at(-1)!.originId;
      server.serverUpdate("a", { title: "written elsewhere with my origin" }, { originId });
      server.serverUpdate("b", { title: "from another origin" }, { originId: "someone-else" });
      await drain(server, socket);
      expect(store.get("a")?.title).toBe("A");
      expect(store.get("b")?.title).toBe("from another origin");
    });

    it("an echo with a pending update's mutationId but another entity's data settles nothing and corrupts no row; it is reported", async () => {
      const server = await startServer();
      const api = createTestApi<Item>(server);
      const receipts: MutationReceipt[] = [];
      const { manager, store, socket, errors } = await connectedManager(server, {
        api: { ...api, mutations: { ...api.mutations, update: (params, receipt) => (receipts.push(receipt!), api.mutations.update(params, receipt)) } },
      });
      const gate = server.hold({ method: "PUT" });
      const update = manager.actions.update({ id: "a", data: { title: "A2" } });
      await gate.arrived;

      server.emitRaw(server.eventType, { type: server.eventType, event: "UPDATE", data: { id: "b", title: "B?" }, ...receipts[0] });
      await drain(server, socket);
      expect(store.list.map((item) => [item.id, item.title])).toEqual([
        ["a", "A2"],
        ["b", "B"],
      ]);
      expect(store.isPending("a")).toBe(true);
      expect(errors.map(({ error }) => error.message)).toEqual(['the realtime echo to an update of "a" on "items" is entity "b"; it was ignored.']);

      await gate.release();
      await update;
      await drain(server, socket);
      expect(store.list.slice()).toEqual(server.rows());
      expect(store.isPending("a")).toBe(false);
    });

    it("does not apply its own echoes again when they arrive after the responses, even late", async () => {
      const server = await startServer();
      const { manager, store, socket } = await connectedManager(server);

      const created = await manager.actions.create({ title: "new" });
      await manager.actions.update({ id: "a", data: { title: "first" } });
      await manager.actions.update({ id: "a", data: { title: "second" } });
      await manager.actions.remove("b");
      await drain(server, socket);
      expect(server.events.map((e) => [e.event, e.mutationId !== undefined])).toEqual([
        ["INSERT", true],
        ["UPDATE", true],
        ["UPDATE", true],
        ["DELETE", true],
      ]);
      expect(ids(manager)).toEqual(["a", created.id]);
      expect(store.get("a")?.title).toBe("second");

      await manager.actions.remove(created.id);
      await drain(server, socket);
      expect(ids(manager)).toEqual(["a"]);

      // The same echoes delivered again, late: the first update's must not move "a" back, the
      // INSERT's must not bring back the row removed since.
      for (const echo of server.events.slice()) server.emitRaw(server.eventType, echo);
      await drain(server, socket);
      expect(store.get("a")?.title).toBe("second");
      expect(ids(manager)).toEqual(["a"]);

      // Another client's change is still applied.
      server.serverInsert({ title: "theirs" });
      await waitFor(() => expect(titles(manager)).toEqual(["second", "theirs"]));
    });

    it("ends on its update's value when the answer comes before an older event of another client: the echo that follows is applied", async () => {
      const server = await startServer();
      const { manager, store, socket } = await connectedManager(server);
      const gate = server.hold({ method: "PUT" });
      const updating = manager.actions.update({ id: "a", data: { title: "mine" } });
      await gate.arrived;
      // A large message keeps the websocket busy: the two events behind it wait in socket.io's
      // buffer, and the HTTP answer overtakes them.
      server.emitRaw("test:noise", "x".repeat(200_000));
      server.serverUpdate("a", { title: "theirs" });
      await gate.release();
      await updating;
      await drain(server, socket);
      expect(server.events.map((event) => event.data)).toEqual([
        { id: "a", title: "theirs", done: false },
        { id: "a", title: "mine", done: false },
      ]);
      expect(store.get("a")).toEqual({ id: "a", title: "mine", done: false });

      // Its echo is used once: delivered again, after a newer event, it changes nothing.
      server.serverUpdate("a", { title: "newer" });
      server.emitRaw(server.eventType, server.events[1]);
      await drain(server, socket);
      expect(store.get("a")?.title).toBe("newer");
    });

    it("passes every mutation function a receipt: a unique mutationId and the manager's originId", async () => {
      const server = await startServer();
      const api = createTestApi<Item>(server);
      const receipts: MutationReceipt[] = [];
      const recording = (browserId?: string) => ({
        realtime: browserId === undefined ? {} : { browserId },
        api: {
          queryFn: api.queryFn,
          mutations: {
            create: (data: Partial<Item>, receipt: MutationReceipt) => (receipts.push(receipt), api.mutations.create(data, receipt)),
            update: (params: { id: string; data: Partial<Item> }, receipt: MutationReceipt) => (receipts.push(receipt), api.mutations.update(params, receipt)),
            remove: (id: string, receipt: MutationReceipt) => (receipts.push(receipt), api.mutations.remove(id, receipt)),
          },
        },
      });
      const first = await createManager(server, recording());
      const second = await createManager(server, recording());
      const withBrowserId = await createManager(server, recording("browser-7"));

      const created = await first.manager.actions.create({ title: "x" });
      await first.manager.actions.update({ id: created.id, data: { title: "y" } });
      await first.manager.actions.remove(created.id);
      await second.manager.actions.update({ id: "a", data: { title: "z" } });
      await withBrowserId.manager.actions.update({ id: "b", data: { title: "w" } });

      const [c, u, r, other, browser] = receipts;
      expect(new Set(receipts.map((receipt) => receipt.mutationId)).size).toBe(5);
      expect(u?.originId).toBe(c?.originId);
      expect(r?.originId).toBe(c?.originId);
      expect(other?.originId).not.toBe(c?.originId);
      expect(browser?.originId).toBe("browser-7");
      expect(server.events.map((event) => event.mutationId)).toEqual(receipts.map((receipt) => receipt.mutationId));
      expect(server.events.map((event) => event.originId)).toEqual(receipts.map((receipt) => receipt.originId));
    });
  });

  describe("listeners", () => {
    it("removes its listeners from the socket on disconnect()", async () => {
      const server = await startServer();
      const { realtime, store } = await createManager(server);
      const socket = await connectClient(server);
      const connectBefore = socket.listeners("connect").length;
      const disconnectBefore = socket.listeners("disconnect").length;

      realtime.connect(socket);
      expect(socket.listeners(server.eventType)).toHaveLength(1);
      expect(socket.listeners("connect")).toHaveLength(connectBefore + 1);
      expect(socket.listeners("disconnect")).toHaveLength(disconnectBefore + 1);

      realtime.disconnect();
      expect(socket.listeners(server.eventType)).toHaveLength(0);
      expect(socket.listeners("connect")).toHaveLength(connectBefore);
      expect(socket.listeners("disconnect")).toHaveLength(disconnectBefore);
      expect(realtime.isConnected).toBe(false);

      server.serverInsert({ title: "unseen" });
      await drain(server, socket);
      expect(store.count).toBe(2);
    });

    it("removes its listeners from the socket on destroy()", async () => {
      const server = await startServer();
      const { manager, realtime, store } = await createManager(server);
      const socket = await connectClient(server);
      const connectBefore = socket.listeners("connect").length;
      const disconnectBefore = socket.listeners("disconnect").length;
      realtime.connect(socket);

      manager.destroy();

      expect(socket.listeners(server.eventType)).toHaveLength(0);
      expect(socket.listeners("connect")).toHaveLength(connectBefore);
      expect(socket.listeners("disconnect")).toHaveLength(disconnectBefore);
      expect(realtime.isConnected).toBe(false);
      server.serverUpdate("a", { title: "after destroy" });
      await drain(server, socket);
      expect(store.get("a")?.title).toBe("A");
    });

    it("does not attach listeners when connect() is called after destroy()", async () => {
      const server = await startServer();
      const { manager, realtime, store } = await createManager(server);
      const socket = await connectClient(server);
      manager.destroy();

      try {
        realtime.connect(socket);
      } catch (error) {
        // Refusing is as good as ignoring it, as long as it says why.
        expect(error).toBeInstanceOf(OptimisticLifecycleError);
      }

      expect(socket.listeners(server.eventType)).toHaveLength(0);
      expect(realtime.isConnected).toBe(false);
      server.serverUpdate("a", { title: "after destroy" });
      await drain(server, socket);
      expect(store.get("a")?.title).toBe("A");
    });

    it("does not listen twice when connect() is called twice with the same socket", async () => {
      const server = await startServer();
      const { realtime, store, socket } = await connectedManager(server);
      let reactions = 0;
      disposers.push(reaction(() => store.get("a")?.title, () => reactions++));

      realtime.connect(socket);
      expect(socket.listeners(server.eventType)).toHaveLength(1);

      server.serverUpdate("a", { title: "once" });
      await drain(server, socket);
      expect(reactions).toBe(1);
      realtime.disconnect();
      expect(socket.listeners(server.eventType)).toHaveLength(0);
    });

    it("leaves the first socket clean when connected to another one", async () => {
      const server = await startServer();
      const { realtime, store, socket: first } = await connectedManager(server);
      const connectBefore = first.listeners("connect").length - 1;
      const second = await connectClient(server);

      realtime.connect(second);

      expect(first.listeners(server.eventType)).toHaveLength(0);
      expect(first.listeners("connect")).toHaveLength(connectBefore);
      expect(second.listeners(server.eventType)).toHaveLength(1);
      server.serverInsert({ title: "via second" });
      await waitFor(() => expect(store.count).toBe(3));
      await drain(server, first);
      expect(store.count).toBe(3);

      realtime.disconnect();
      expect(second.listeners(server.eventType)).toHaveLength(0);
    });
  });

  describe("connection state and reconnection", () => {
    it("follows the socket's connect and disconnect in isConnected, observably", async () => {
      const server = await startServer();
      const { realtime } = await createManager(server);
      const seen: boolean[] = [];
      disposers.push(autorun(() => void seen.push(realtime.isConnected)));

      const socket = createClient(server);
      realtime.connect(socket);
      expect(realtime.isConnected).toBe(false);
      await waitFor(() => expect(realtime.isConnected).toBe(true));
      expect(gets(server)).toBe(1);

      server.disconnectAllClients({ allowReconnect: false });
      await waitFor(() => expect(realtime.isConnected).toBe(false));

      socket.connect();
      await waitFor(() => expect(realtime.isConnected).toBe(true));
      expect(seen).toEqual([false, true, false, true]);
    });

    it("refetches after the server drops the connection, showing changes made meanwhile", async () => {
      const server = await startServer();
      const { manager, store, realtime, socket } = await connectedManager(server);
      expect(realtime.isConnected).toBe(true);
      expect(gets(server)).toBe(1);

      const dropped = nextEvent(socket, "disconnect", { timeoutMs: 5000 });
      server.disconnectAllClients();
      await dropped;
      expect(realtime.isConnected).toBe(false);
      // Written without a broadcast: the client can only learn of it by refetching.
      server.serverUpdate("a", { title: "changed offline" }, { silent: true });
      const added = server.serverInsert({ title: "added offline" }, { silent: true });
      server.serverDelete("b", { silent: true });

      await waitFor(() => expect(titles(manager)).toEqual(["changed offline", "added offline"]));
      expect(realtime.isConnected).toBe(true);
      expect(gets(server)).toBe(2);
      expect(store.get(added.id)).toEqual(added);

      server.serverUpdate("a", { title: "live again" });
      await waitFor(() => expect(store.get("a")?.title).toBe("live again"));
    });

    it("refetches when the socket is connected again by hand, keeping an edit still in flight", async () => {
      const server = await startServer();
      const { manager, store, realtime, socket } = await connectedManager(server);
      const gate = server.hold({ method: "PUT" });
      const updating = manager.actions.update({ id: "a", data: { title: "mine" } });
      await gate.arrived;

      server.disconnectAllClients({ allowReconnect: false });
      await waitFor(() => expect(realtime.isConnected).toBe(false));
      server.serverUpdate("a", { done: true }, { silent: true });
      server.serverUpdate("b", { title: "B offline" }, { silent: true });
      socket.connect();

      await waitFor(() => expect(store.get("b")?.title).toBe("B offline"));
      expect(gets(server)).toBe(2);
      expect(store.get("a")).toEqual({ id: "a", title: "mine", done: true });
      expect(store.isPending("a")).toBe(true);

      await gate.release();
      await updating;
      expect(store.get("a")).toEqual({ id: "a", title: "mine", done: true });
    });

    it("does not refetch on reconnection while the manager is disabled, and still applies events", async () => {
      const server = await startServer();
      const { manager, store, socket } = await connectedManager(server);
      manager.disable();

      const reconnected = nextEvent(socket, "connect", { timeoutMs: 5000 });
      server.disconnectAllClients();
      await reconnected;
      server.serverUpdate("a", { title: "live while disabled" });
      await waitFor(() => expect(store.get("a")?.title).toBe("live while disabled"));
      expect(gets(server)).toBe(1);
    });

    it("catches up on enable() after a reconnection while disabled, though the cached list is still fresh", async () => {
      const server = await startServer();
      const { manager, store, socket } = await connectedManager(server);
      manager.disable();

      const dropped = nextEvent(socket, "disconnect", { timeoutMs: 5000 });
      const reconnected = nextEvent(socket, "connect", { timeoutMs: 5000 });
      server.disconnectAllClients();
      await dropped;
      // Written while the socket was away: no event reaches the client.
      server.serverUpdate("b", { title: "changed while away" }, { silent: true });
      await reconnected;
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(gets(server)).toBe(1);

      // The default staleTime (5 minutes) leaves the list fresh: only the missed events make enable() fetch.
      manager.enable();
      await waitFor(() => expect(store.get("b")?.title).toBe("changed while away"));
      expect(gets(server)).toBe(2);
    });

    it("enable() after disable() without a reconnection shows fresh cached data without a request", async () => {
      const server = await startServer();
      const { manager } = await connectedManager(server);
      manager.disable();
      manager.enable();
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(gets(server)).toBe(1);
    });

    it("refetches when connect() follows disconnect() in a later task, not when it follows in the same task (an effect's cleanup and re-run)", async () => {
      const server = await startServer();
      const { realtime, socket } = await connectedManager(server);
      realtime.disconnect();
      realtime.connect(socket);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(gets(server)).toBe(1);

      realtime.disconnect();
      await new Promise((resolve) => setTimeout(resolve, 0));
      realtime.connect(socket);
      await waitFor(() => expect(gets(server)).toBe(2));
    });

    it("does not refetch on reconnection after disconnect()", async () => {
      const server = await startServer();
      const { realtime, socket } = await connectedManager(server);
      realtime.disconnect();

      const reconnected = nextEvent(socket, "connect", { timeoutMs: 5000 });
      server.disconnectAllClients();
      await reconnected;
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(gets(server)).toBe(1);
    });
  });

  describe("pending changes under realtime", () => {
    it("keeps a pending edit on screen under a realtime update of the same entity, and shows the update when the edit fails", async () => {
      const server = await startServer();
      const { manager, store, socket } = await connectedManager(server);
      const gate = server.hold({ method: "PUT", path: "/items/a" });

      const updating = manager.actions.update({ id: "a", data: { title: "mine" } });
      await gate.arrived;
      server.serverUpdate("a", { title: "theirs", done: true });
      await waitFor(() => expect(store.get("a")?.done).toBe(true));
      await drain(server, socket);
      expect(store.get("a")).toEqual({ id: "a", title: "mine", done: true });
      expect(store.isPending("a")).toBe(true);

      await gate.fail(500);
      await expect(updating).rejects.toMatchObject({ status: 500 });
      expect(store.get("a")).toEqual({ id: "a", title: "theirs", done: true });
      expect(store.isPending("a")).toBe(false);
    });

    it("keeps a pending edit on screen under a realtime update, and keeps the server's answer when the edit succeeds", async () => {
      const server = await startServer();
      const { manager, store } = await connectedManager(server);
      const gate = server.hold({ method: "PUT", path: "/items/a" });

      const updating = manager.actions.update({ id: "a", data: { title: "mine" } });
      await gate.arrived;
      server.serverUpdate("a", { title: "theirs", done: true });
      await waitFor(() => expect(store.get("a")?.done).toBe(true));
      expect(store.get("a")?.title).toBe("mine");

      await gate.release();
      await updating;
      expect(store.get("a")).toEqual({ id: "a", title: "mine", done: true });
    });

    it("hides an entity another client deleted even while an edit of it is in flight, and keeps it gone when the edit fails", async () => {
      const server = await startServer();
      const { manager, store } = await connectedManager(server);
      const gate = server.hold({ method: "PUT", path: "/items/a" });

      const updating = manager.actions.update({ id: "a", data: { title: "mine" } });
      await gate.arrived;
      server.serverDelete("a");
      await waitFor(() => expect(store.get("a")).toBeUndefined());
      expect(ids(manager)).toEqual(["b"]);

      await gate.release(); // the row is gone: 404
      await expect(updating).rejects.toMatchObject({ status: 404 });
      expect(store.get("a")).toBeUndefined();
      expect(ids(manager)).toEqual(["b"]);
    });

    it("keeps a pending remove in force under a realtime update, and shows the update when the remove fails", async () => {
      const server = await startServer();
      const { manager, store } = await connectedManager(server);
      const gate = server.hold({ method: "DELETE" });

      const removing = manager.actions.remove("a");
      await gate.arrived;
      server.serverUpdate("a", { title: "edited meanwhile" });
      server.serverInsert({ title: "marker" });
      await waitFor(() => expect(store.count).toBe(2));
      expect(store.get("a")).toBeUndefined();

      await gate.fail(409);
      await expect(removing).rejects.toMatchObject({ status: 409 });
      expect(store.get("a")?.title).toBe("edited meanwhile");
      expect(ids(manager)[0]).toBe("a");
    });
  });

  describe("gapless fetches", () => {
    it("keeps events that arrive while a slow fetch is in flight when the fetch lands", async () => {
      const server = await startServer();
      const { manager, store, socket } = await connectedManager(server);
      const gate = server.hold({ method: "GET" }, { applyAt: "request" });

      const refetching = manager.actions.refetch();
      await gate.arrived; // the response is now the table as it was
      server.serverUpdate("a", { title: "during fetch" });
      const inserted = server.serverInsert({ title: "inserted during fetch" });
      server.serverDelete("b");
      await waitFor(() => expect(titles(manager)).toEqual(["during fetch", "inserted during fetch"]));
      expect(manager.status.isSyncing).toBe(true);

      await gate.release();
      await refetching;
      expect(manager.status.isSyncing).toBe(false);
      expect(titles(manager)).toEqual(["during fetch", "inserted during fetch"]);
      expect(store.get("b")).toBeUndefined();
      expect(store.get(inserted.id)).toEqual(inserted);

      await drain(server, socket);
      await manager.actions.refetch();
      expect(titles(manager)).toEqual(["during fetch", "inserted during fetch"]);
    });

    it("shows a change missed while offline when an older update's answer that changes nothing lands during the reconnect's refetch", async () => {
      const server = await startServer();
      const { manager, store, socket } = await connectedManager(server);
      // Two updates of one title: the first is held, the second answered (its answer sets the title).
      const first = server.hold({ method: "PUT" });
      const updatingFirst = manager.actions.update({ id: "a", data: { title: "first" } });
      await first.arrived;
      await manager.actions.update({ id: "a", data: { title: "second" } });
      expect(store.get("a")).toEqual({ id: "a", title: "second", done: false });

      // Offline, this client misses another client's change of another field.
      const dropped = nextEvent(socket, "disconnect", { timeoutMs: 5000 });
      server.disconnectAllClients({ allowReconnect: false });
      await dropped;
      server.serverUpdate("a", { done: true });
      const fetch = server.hold({ method: "GET" });
      socket.connect();
      await fetch.arrived;

      // The first update's answer lands while the reconnect's refetch is in flight: its title is
      // older than the second update's answer, so it changes nothing in the store.
      await first.release();
      await updatingFirst;
      await fetch.release();
      await waitFor(() => expect(manager.status.isSyncing).toBe(false));
      // The list, read after that answer, has the change missed offline.
      expect(store.get("a")?.done).toBe(true);
      expect(store.isPending("a")).toBe(false);
    });
  });

  describe("bursts", () => {
    it("ends a burst of 10,000 events in the right state with a bounded number of list reactions", { timeout: 30_000 }, async ({ annotate, task }) => {
      const server = await startServer({ seed: [{ id: "seed", title: "seed", value: -1 }] });
      const { manager, store, socket } = await connectedManager(server);
      let reactions = 0;
      disposers.push(reaction(() => store.list.map((item) => item.value), () => reactions++));

      const N = 10_000;
      server.emitBurst(N, (i) => {
        const id = `e${i % 1000}`;
        if (i >= N - 10) return { type: server.eventType, event: "DELETE", data: { id } };
        return { type: server.eventType, event: i < 1000 ? "INSERT" : "UPDATE", data: { id, title: `t${i}`, value: i } };
      });
      await drain(server, socket, 25_000);

      const expected = [-1, ...Array.from({ length: 990 }, (_, k) => 9000 + k)];
      await waitFor(() => expect(store.list.map((item) => item.value)).toEqual(expected), 25_000);
      expect(ids(manager).slice(0, 3)).toEqual(["seed", "e0", "e1"]);
      expect(store.get("e995")).toBeUndefined();
      // Reported in the JSON report (meta.listReactions) and as an annotation.
      task.meta.listReactions = reactions;
      await annotate(`${N} events -> ${reactions} list reactions`);
      expect(reactions).toBeGreaterThan(0);
      expect(reactions).toBeLessThan(50);
    });
  });

  describe("malformed events", () => {
    it("drops malformed events, reports each through onError with source realtime, and keeps the store intact", async () => {
      const server = await startServer();
      const boom = new Error("handler failed");
      const { manager, store, socket, errors } = await connectedManager(server, {
        realtime: {
          customHandlers: {
            items_boom: () => {
              throw boom;
            },
          },
        },
      });
      const before = [...store.list];
      const type = server.eventType;
      const bad: unknown[] = [
        { type, event: "INSERT" },
        { type, event: "UPDATE", data: { title: "no id" } },
        { type, event: "DELETE", data: {} },
        { type, event: "DELETE", data: { id: "" } },
        { type, event: "UPSERT", data: { id: "a", title: "unknown kind" } },
        { type: "items_boom", event: "UPDATE", data: { id: "a" } },
        "not an object",
        42,
        null,
      ];

      for (const event of bad) server.emitRaw(type, event);
      server.emitRaw(type); // no argument at all
      await drain(server, socket);

      expect(store.list).toEqual(before);
      expect(store.list.every((item, i) => item === before[i])).toBe(true);
      expect(errors).toHaveLength(bad.length + 1);
      for (const { error, info } of errors) {
        expect(error).toBeInstanceOf(Error);
        expect(info).toMatchObject({ source: "realtime", name: "items" });
      }
      expect(errors.map(({ error }) => error)).toContain(boom);
      expect(errors.find(({ error }) => error === boom)?.info.payload).toEqual(bad[5]);

      server.serverInsert({ title: "still listening" });
      await waitFor(() => expect(titles(manager)).toEqual(["A", "B", "still listening"]));
      expect(errors).toHaveLength(bad.length + 1);
    });

    it("reports malformed events to logger.error when there is no onError", async () => {
      const server = await startServer();
      const error = vi.fn();
      const { store, socket } = await connectedManager(server, { noErrorHook: true, config: { logger: { error } } });

      server.emitRaw(server.eventType, { type: server.eventType, event: "INSERT" });
      await drain(server, socket);

      expect(store.count).toBe(2);
      expect(error).toHaveBeenCalledTimes(1);
      expect(error).toHaveBeenCalledWith(expect.stringContaining("[items]"), expect.objectContaining({ source: "realtime", name: "items" }));
    });

    it("drops malformed events silently when no hook is given", async () => {
      const server = await startServer();
      const { store, socket } = await connectedManager(server, { noErrorHook: true });

      server.emitRaw(server.eventType, { type: server.eventType, event: "UPDATE", data: { title: "no id" } });
      server.emitRaw(server.eventType, "garbage");
      await drain(server, socket);

      expect(store.count).toBe(2);
    });
  });

  describe("the plan's one-argument mutation functions", () => {
    it("work with realtime, using browserId to recognise their echoes", async () => {
      const server = await startServer();
      const api = createTestApi<Item>(server, { browserId: "me" });
      const calls: number[] = [];
      const { manager, store, socket, errors } = await connectedManager(server, {
        realtime: { browserId: "me" },
        api: {
          queryFn: () => api.queryFn(),
          mutations: {
            create: function (data: Partial<Item>) {
              calls.push(arguments.length);
              return api.mutations.create(data);
            },
            update: ({ id, data }: { id: string; data: Partial<Item> }) => api.mutations.update({ id, data }),
            remove: (id: string) => api.mutations.remove(id),
          },
        },
      });

      const created = await manager.actions.create({ title: "new" });
      await manager.actions.update({ id: created.id, data: { done: true } });
      await manager.actions.remove("a");
      await drain(server, socket);

      expect(calls).toEqual([2]);
      expect(server.events.map((event) => event.browserId)).toEqual(["me", "me", "me"]);
      expect(server.events.every((event) => event.mutationId === undefined)).toBe(true);
      expect(ids(manager)).toEqual(["b", created.id]);
      expect(store.get(created.id)).toEqual({ id: created.id, title: "new", done: true });
      expect(errors).toEqual([]);

      server.serverUpdate("b", { title: "from another browser" }, { browserId: "other" });
      await waitFor(() => expect(store.get("b")?.title).toBe("from another browser"));
    });
  });
});
