/**
 * The `scope` option, against a real server that keeps one table per user (`x-user`): the signed-in
 * user is a MobX observable, the query key is `[name, user]`, and switching users never shows one
 * user's entities to the other, not even for one reaction.
 */
import { environmentManager, keepPreviousData, onlineManager, QueryClient } from "@tanstack/query-core";
import { observable, reaction, runInAction } from "mobx";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createOptimisticStoreManager, OptimisticConfigError, OptimisticLifecycleError, type OptimisticQueryContext, type OptimisticStoreConfig } from "../../src";
import { expectConsistent } from "../../src/testing";
import { connectClient, createTestApi, nextEvent } from "../__fixtures__";
import type { Todo } from "../__fixtures__/mockData";
import { cleanup, countRequests, createTestQueryClient, onCleanup, replaysAtCleanup, startServer } from "../__fixtures__/testHelpers";
import type { TestServer } from "../__fixtures__/testServer";

environmentManager.setIsServer(() => false);
afterEach(cleanup);

type User = "alice" | "bob";
const rowsOf = { alice: [{ id: "a1", title: "Alice 1" }, { id: "a2", title: "Alice 2" }], bob: [{ id: "b1", title: "Bob 1" }] };
/** Whose entity a todo is: every title starts with its user's name. */
const ownerOf = (todo: Todo): User => (todo.title.startsWith("Alice") ? "alice" : "bob");

async function setup(options: { user?: User | null; config?: Partial<OptimisticStoreConfig<Todo, Todo>>; client?: QueryClient } = {}) {
  const server = await startServer({ perUser: true });
  server.seed(rowsOf.alice, "alice");
  server.seed(rowsOf.bob, "bob");
  const auth = observable.box<User | null>(options.user === undefined ? "alice" : options.user);
  const api = createTestApi<Todo>(server, { user: () => String(auth.get()) });
  const queryFn = vi.fn(async ({ queryKey, signal }: OptimisticQueryContext) => {
    const response = await fetch(`${server.url}/items`, { headers: { "x-user": String(queryKey[1]) }, signal });
    return (await response.json()) as Todo[];
  });
  const client = options.client ?? createTestQueryClient();
  // A reaction made before the manager runs before its switch when the user changes: it reads the
  // user and the store, and must see no entity of the previous user then either.
  const early: { user: User | null; todos: Todo[] }[] = [];
  const made: { store?: { list: Todo[] } } = {};
  onCleanup(reaction(() => ({ user: auth.get(), todos: made.store ? made.store.list.slice() : [] }), (entry) => early.push(entry)));
  const manager = createOptimisticStoreManager<Todo>(
    {
      name: "items",
      transformer: false,
      queryFn,
      mutations: api.mutations,
      scope: () => auth.get(),
      ...options.config,
    },
    client,
  );
  onCleanup(() => manager.destroy());
  replaysAtCleanup(manager);
  made.store = manager.store;
  /** Every list a reaction saw, with the user signed in at that moment. */
  const seen: { user: User | null; todos: Todo[] }[] = [];
  onCleanup(reaction(() => manager.store.list.slice(), (todos) => seen.push({ user: auth.get(), todos }), { fireImmediately: true }));
  const signIn = (user: User | null) => runInAction(() => auth.set(user));
  return { server, auth, client, manager, queryFn, seen, early, signIn };
}

const gets = (server: TestServer<Todo>) => countRequests(server, "GET");
const ids = (manager: { store: { list: Todo[] } }) => manager.store.list.map((todo) => todo.id);
const titles = (manager: { store: { list: Todo[] } }) => manager.store.list.map((todo) => todo.title);

/** No list a reaction saw holds an entity of anyone but the user signed in then. */
function expectNoLeak(seen: { user: User | null; todos: Todo[] }[]): void {
  for (const { user, todos } of seen) {
    for (const todo of todos) expect({ title: todo.title, owner: ownerOf(todo) }).toEqual({ title: todo.title, owner: user });
  }
}

describe("scope", () => {
  it("switches alice → bob → signed out → alice without ever showing one user the other's entities", async () => {
    const { server, client, manager, seen, early, signIn } = await setup();
    await vi.waitFor(() => expect(ids(manager)).toEqual(["a1", "a2"]));
    expect(client.getQueryData(["items", "alice"])).toHaveLength(2);
    signIn("bob");
    signIn("alice");
    // The early reaction runs before the switch: it sees bob with an empty store (hidden), never alice's todos.
    expect(early.map((entry) => `${entry.user}:${entry.todos.map((todo) => todo.id).join(",")}`)).toEqual(["bob:", "bob:", "alice:", "alice:a1,a2"]);

    signIn("bob");
    expect(ids(manager)).toEqual([]); // nothing cached for bob: it loads
    expect(manager.status.isLoading).toBe(true);
    await vi.waitFor(() => expect(ids(manager)).toEqual(["b1"]));

    signIn(null);
    expect(ids(manager)).toEqual([]);
    const requests = gets(server);
    await manager.actions.refetch();
    manager.actions.triggerQuery();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(gets(server)).toBe(requests);
    expect(manager.status.isLoading).toBe(false);

    signIn("alice");
    // Fresh in the cache: shown at once, no request.
    expect(ids(manager)).toEqual(["a1", "a2"]);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(gets(server)).toBe(requests);

    expectNoLeak(seen);
    expectNoLeak(early);
    expect(seen.map((entry) => entry.todos.map((todo) => todo.id).join(","))).toEqual(["", "a1,a2", "", "a1,a2", "", "b1", "", "a1,a2"]);
    expectConsistent(manager, { name: "items", scope: "alice", queryClient: client, transformer: false });
  });

  it("never shows alice's entities to bob when the client's defaults keep previous data as placeholder (keepPreviousData)", async () => {
    const client = new QueryClient({ defaultOptions: { queries: { retry: false, placeholderData: keepPreviousData } } });
    const { manager, seen, signIn } = await setup({ client });
    await vi.waitFor(() => expect(ids(manager)).toEqual(["a1", "a2"]));
    signIn("bob");
    expect(ids(manager)).toEqual([]);
    expect(manager.status.isLoading).toBe(true);
    await vi.waitFor(() => expect(ids(manager)).toEqual(["b1"]));
    expectNoLeak(seen);
    expect(client.getQueryData(["items", "bob"])).toEqual([{ id: "b1", title: "Bob 1" }]);
  });

  it("settles an alice change in flight at the switch into alice's cache, never into bob's store", async () => {
    const { server, client, manager, seen, signIn } = await setup();
    await vi.waitFor(() => expect(ids(manager)).toEqual(["a1", "a2"]));
    const update = server.hold({ method: "PUT", path: "/items/a1" });
    const create = server.hold({ method: "POST" });
    const updating = manager.actions.update({ id: "a1", data: { title: "Alice 1 renamed" } });
    const creating = manager.actions.create({ title: "Alice 3" });
    await Promise.all([update.arrived, create.arrived]);

    signIn("bob");
    await vi.waitFor(() => expect(ids(manager)).toEqual(["b1"]));
    expect(manager.status.hasPendingMutations).toBe(true);
    await update.release();
    await create.release();
    await expect(updating).resolves.toMatchObject({ id: "a1", title: "Alice 1 renamed" });
    await expect(creating).resolves.toMatchObject({ title: "Alice 3" });
    expect(ids(manager)).toEqual(["b1"]);
    expect(manager.store.get("b1")?.title).toBe("Bob 1");
    expect(manager.status.hasPendingMutations).toBe(false);
    expect(client.getQueryData<Todo[]>(["items", "alice"])?.map((todo) => todo.title)).toEqual(["Alice 1 renamed", "Alice 2", "Alice 3"]);

    signIn("alice");
    expect(titles(manager)).toEqual(["Alice 1 renamed", "Alice 2", "Alice 3"]);
    expectNoLeak(seen);
  });

  it.each(["remove", "update", "create"] as const)("shows an alice %s answered after she left and came back, in her store as in her cache", async (kind) => {
    const { server, client, manager, signIn } = await setup();
    await vi.waitFor(() => expect(ids(manager)).toEqual(["a1", "a2"]));
    const gate = server.hold({ method: kind === "remove" ? "DELETE" : kind === "update" ? "PUT" : "POST" });
    const change = kind === "remove" ? manager.actions.remove("a1") : kind === "update" ? manager.actions.update({ id: "a1", data: { title: "Alice 1 renamed" } }) : manager.actions.create({ title: "Alice 3" });
    await gate.arrived;
    signIn("bob");
    await vi.waitFor(() => expect(ids(manager)).toEqual(["b1"]));
    signIn("alice"); // back before the answer
    await gate.release();
    await change;
    const expected = kind === "remove" ? ["Alice 2"] : kind === "update" ? ["Alice 1 renamed", "Alice 2"] : ["Alice 1", "Alice 2", "Alice 3"];
    expect(client.getQueryData<Todo[]>(["items", "alice"])?.map((todo) => todo.title)).toEqual(expected);
    expect(titles(manager)).toEqual(expected);
  });

  it("with version: an alice answer settled after the switch, older than what her cache holds since, leaves the newer version there", async () => {
    const server = await startServer({ perUser: true, versioned: true });
    server.seed(rowsOf.alice, "alice");
    server.seed(rowsOf.bob, "bob");
    const auth = observable.box<User | null>("alice");
    const api = createTestApi<Todo>(server, { user: "alice" });
    const queryFn = async ({ queryKey, signal }: OptimisticQueryContext) => (await (await fetch(`${server.url}/items`, { headers: { "x-user": String(queryKey[1]) }, signal })).json()) as Todo[];
    const client = createTestQueryClient();
    const manager = createOptimisticStoreManager<Todo>(
      {
        name: "items",
        transformer: false,
        version: "version",
        queryFn,
        // No receipts: the broadcast of this client's own write is an event like any other.
        mutations: { ...api.mutations, update: ({ id, data }) => api.mutations.update({ id, data }) },
        scope: () => auth.get(),
        realtime: { eventType: server.eventType },
      },
      client,
    );
    onCleanup(() => manager.destroy());
    await vi.waitFor(() => expect(manager.store.count).toBe(2));
    manager.realtime!.connect(await connectClient(server));
    await vi.waitFor(() => expect(manager.realtime!.isConnected).toBe(true));
    const gate = server.hold({ method: "PUT", path: "/items/a1" }, { applyAt: "request" });
    const saving = manager.actions.update({ id: "a1", data: { title: "Alice 1 mine" } });
    await gate.arrived; // written as version 2 and broadcast; the answer is held
    server.serverUpdate("a1", { done: true }, { user: "alice" }); // alice's other tab: version 3
    await vi.waitFor(() => expect(manager.store.get("a1")).toMatchObject({ version: 3, done: true, title: "Alice 1 mine" }));
    manager.realtime!.disconnect();
    runInAction(() => auth.set("bob"));
    await vi.waitFor(() => expect(ids(manager)).toEqual(["b1"]));
    await gate.release();
    await saving;
    expect(client.getQueryData<Todo[]>(["items", "alice"])?.find((todo) => todo.id === "a1")).toMatchObject({ version: 3, done: true });
    runInAction(() => auth.set("alice"));
    expect(manager.store.get("a1")).toMatchObject({ version: 3, done: true, title: "Alice 1 mine" });
  });

  it("never lets an alice fetch in flight at the switch reach bob's store", async () => {
    const { server, client, manager, seen, signIn } = await setup();
    await vi.waitFor(() => expect(ids(manager)).toEqual(["a1", "a2"]));
    server.serverInsert({ title: "Alice 9" }, { user: "alice" });
    const fetch = server.hold({ method: "GET" });
    void manager.actions.refetch();
    await fetch.arrived;
    signIn("bob");
    await vi.waitFor(() => expect(ids(manager)).toEqual(["b1"]));
    await fetch.release();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(ids(manager)).toEqual(["b1"]);
    expectNoLeak(seen);
    // Cancelled: alice's cache keeps what it had.
    expect(client.getQueryData<Todo[]>(["items", "alice"])?.map((todo) => todo.id)).toEqual(["a1", "a2"]);
  });

  it("puts an action called in the same transaction as the switch into the new scope", async () => {
    const { server, manager, auth } = await setup();
    await vi.waitFor(() => expect(ids(manager)).toEqual(["a1", "a2"]));
    let creating!: Promise<unknown>;
    runInAction(() => {
      auth.set("bob");
      creating = manager.actions.create({ title: "Bob 9" });
    });
    expect(titles(manager)).toEqual(["Bob 9"]);
    await creating;
    await vi.waitFor(() => expect(titles(manager)).toEqual(["Bob 1", "Bob 9"]));
    expect(server.rows("bob").map((row) => row.title)).toEqual(["Bob 1", "Bob 9"]);
    expect(server.rows("alice")).toHaveLength(2);
  });

  it("puts a store.upsert() or store.remove() called in the same transaction as the switch into the new scope, never into the previous one's cache", async () => {
    const { client, manager, auth, signIn } = await setup();
    await vi.waitFor(() => expect(ids(manager)).toEqual(["a1", "a2"]));
    runInAction(() => {
      auth.set("bob");
      manager.store.upsert({ id: "b9", title: "Bob 9" });
      manager.store.remove("a1"); // not bob's: nothing to remove there
    });
    await vi.waitFor(() => expect(titles(manager)).toEqual(["Bob 1", "Bob 9"]));
    expect(client.getQueryData<Todo[]>(["items", "alice"])?.map((todo) => todo.title)).toEqual(["Alice 1", "Alice 2"]);
    signIn("alice");
    expect(titles(manager)).toEqual(["Alice 1", "Alice 2"]);
  });

  it("fetches nothing while signed out at creation, and loads at sign-in", async () => {
    const { server, manager, signIn, queryFn } = await setup({ user: null });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(gets(server)).toBe(0);
    expect(manager.store.count).toBe(0);
    expect(manager.isEnabled()).toBe(true);
    signIn("bob");
    await vi.waitFor(() => expect(ids(manager)).toEqual(["b1"]));
    expect(queryFn).toHaveBeenCalledWith(expect.objectContaining({ queryKey: ["items", "bob"], signal: expect.any(AbortSignal) }));
  });

  it("shows a stale cached scope at once and refetches it", async () => {
    const { server, manager, signIn } = await setup({ config: { staleTime: 0 } });
    await vi.waitFor(() => expect(ids(manager)).toEqual(["a1", "a2"]));
    signIn("bob");
    await vi.waitFor(() => expect(ids(manager)).toEqual(["b1"]));
    server.serverInsert({ title: "Alice 9" }, { user: "alice" });
    signIn("alice");
    expect(ids(manager)).toEqual(["a1", "a2"]);
    await vi.waitFor(() => expect(titles(manager)).toEqual(["Alice 1", "Alice 2", "Alice 9"]));
  });

  it("fetches at the next sign-in of a user whose scope store.clear() emptied at sign-out, also with staleTime: Infinity", async () => {
    const { server, manager, signIn, auth } = await setup({ config: { staleTime: Infinity } });
    await vi.waitFor(() => expect(ids(manager)).toEqual(["a1", "a2"]));
    runInAction(() => {
      auth.set(null);
      manager.store.clear(); // still alice's scope: the switch runs at the end of the transaction
    });
    signIn("alice");
    await vi.waitFor(() => expect(ids(manager)).toEqual(["a1", "a2"]));
    expect(gets(server)).toBe(2);
  });

  it("fetches at sign-in, though the cached scope is fresh, when the socket reconnected while signed out", async () => {
    const { server, manager, signIn } = await setup({ config: { realtime: { eventType: "items_update" } } });
    const socket = await connectClient(server);
    manager.realtime!.connect(socket);
    await vi.waitFor(() => expect([ids(manager), manager.realtime!.isConnected]).toEqual([["a1", "a2"], true]));
    signIn(null);
    const dropped = nextEvent(socket, "disconnect", { timeoutMs: 5000 });
    const reconnected = nextEvent(socket, "connect", { timeoutMs: 5000 });
    server.disconnectAllClients();
    await dropped;
    // Written while the socket was away: no event reaches the client.
    server.serverInsert({ title: "Alice 9" }, { user: "alice", silent: true });
    await reconnected;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(gets(server)).toBe(1);

    signIn("alice");
    await vi.waitFor(() => expect(titles(manager)).toEqual(["Alice 1", "Alice 2", "Alice 9"]));
    expect(gets(server)).toBe(2);
  });

  it("does not apply the realtime echo of an alice change to bob's store", async () => {
    const { server, manager, signIn, seen } = await setup({ config: { realtime: { eventType: "items_update" } } });
    manager.realtime!.connect(await connectClient(server));
    await vi.waitFor(() => expect([ids(manager), manager.realtime!.isConnected]).toEqual([["a1", "a2"], true]));
    const held = server.hold({ method: "POST" });
    const creating = manager.actions.create({ title: "Alice 5" });
    await held.arrived;
    signIn("bob");
    await vi.waitFor(() => expect(ids(manager)).toEqual(["b1"]));
    await held.release();
    await creating;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(ids(manager)).toEqual(["b1"]);
    expectNoLeak(seen);
  });

  it("with one socket for every user, never writes the next user's event that arrived in a burst before the switch into the previous user's cache", async () => {
    // One socket for every user: the app keeps the signed-in user's events (shouldProcessEvent).
    let user = (): User | null => null;
    const { server, manager, signIn, seen, auth } = await setup({
      config: { realtime: { eventType: "items_update", shouldProcessEvent: (event) => event.user === user() } },
    });
    user = () => auth.get();
    const socket = await connectClient(server);
    manager.realtime!.connect(socket);
    await vi.waitFor(() => expect([ids(manager), manager.realtime!.isConnected]).toEqual([["a1", "a2"], true]));
    // A burst: its events after the first wait for their batch (the clock stands still, so every
    // one does), and Bob signs in as the last one arrives, before that batch is applied.
    vi.useFakeTimers({ toFake: ["performance"] });
    const arrived: string[] = [];
    socket.on("items_update", (event: { data: Todo }) => {
      arrived.push(event.data.title);
      if (event.data.title === "Bob 9") signIn("bob");
    });
    try {
      server.serverInsert({ title: "Bob 7" }, { user: "bob" });
      server.serverInsert({ title: "Alice 8" }, { user: "alice" });
      server.serverInsert({ title: "Bob 9" }, { user: "bob" });
      await vi.waitFor(() => expect(arrived).toEqual(["Bob 7", "Alice 8", "Bob 9"]));
    } finally {
      vi.useRealTimers();
    }
    await vi.waitFor(() => expect(titles(manager)).toEqual(["Bob 1", "Bob 7", "Bob 9"]));
    // Alice's cached list (fresh: shown without a fetch) holds her event, and none of Bob's.
    signIn("alice");
    expect(titles(manager)).toEqual(["Alice 1", "Alice 2", "Alice 8"]);
    expectNoLeak(seen);
  });

  it("drops the previous user's kept failed changes at the switch", async () => {
    const { server, manager, signIn } = await setup({ config: { keepFailed: true } });
    await vi.waitFor(() => expect(ids(manager)).toEqual(["a1", "a2"]));
    server.intercept({ method: "PUT" }, { status: 500 });
    await expect(manager.actions.update({ id: "a1", data: { title: "Alice 1 failed" } })).rejects.toThrow();
    expect(manager.status.failedCount).toBe(1);

    signIn("bob");
    expect(manager.status.failedCount).toBe(0);
    await vi.waitFor(() => expect(ids(manager)).toEqual(["b1"]));
    signIn("alice");
    expect(titles(manager)).toEqual(["Alice 1", "Alice 2"]);
    expect(manager.store.writeStatus("a1")).toBeUndefined();
  });

  it("never sends the previous user's changes queued offline: they are dropped at the switch", async () => {
    const { server, manager, signIn } = await setup();
    await vi.waitFor(() => expect(ids(manager)).toEqual(["a1", "a2"]));
    onCleanup(() => onlineManager.setOnline(true));
    onlineManager.setOnline(false);
    const queued = manager.actions.update({ id: "a1", data: { title: "Alice 1 offline" } });
    expect(manager.status.queuedCount).toBe(1);

    signIn("bob");
    await expect(queued).rejects.toThrow(OptimisticLifecycleError);
    expect(manager.status.queuedCount).toBe(0);
    onlineManager.setOnline(true);
    await vi.waitFor(() => expect(ids(manager)).toEqual(["b1"]));
    expect(countRequests(server, "PUT")).toBe(0);
    expect(server.rows("alice").map((todo) => todo.title)).toEqual(["Alice 1", "Alice 2"]);
  });

  it("leaves status.isSyncing false when a disabled manager's refetch() lands after a scope switch", async () => {
    const { server, manager, signIn } = await setup({ config: { enabled: () => false } });
    const gate = server.hold({ method: "GET" });
    const refetch = manager.actions.refetch();
    await gate.arrived;
    expect(manager.status.isSyncing).toBe(true);
    signIn("bob");
    await gate.release();
    await refetch;
    expect(manager.status).toMatchObject({ isSyncing: false, isLoading: false });
    expect(manager.store.count).toBe(0);
  });

  it("keeps the key [name] and a zero-argument queryFn without the option", async () => {
    const server = await startServer({ seed: [{ id: "x", title: "X" }] });
    const api = createTestApi<Todo>(server);
    const client = createTestQueryClient();
    const manager = createOptimisticStoreManager<Todo>({ name: "items", transformer: false, queryFn: () => api.queryFn(), mutations: api.mutations }, client);
    onCleanup(() => manager.destroy());
    await vi.waitFor(() => expect(manager.store.count).toBe(1));
    expect(client.getQueryData(["items"])).toHaveLength(1);
  });

  it("refuses a scope that is not a function with an OptimisticConfigError", () => {
    const api = createTestApi({ url: "http://127.0.0.1:1", resource: "items" });
    expect(() => createOptimisticStoreManager({ name: "s", ...api, scope: "alice" } as never, createTestQueryClient())).toThrow(OptimisticConfigError);
  });
});

describe("scope and conflict", () => {
  it("an update that conflicts after the switch to another user is still settled by its strategy (client-wins), into the previous user's cache", async () => {
    const server = await startServer({ perUser: true, versioned: true });
    server.seed(rowsOf.alice, "alice");
    server.seed(rowsOf.bob, "bob");
    const auth = observable.box<User | null>("alice");
    // Credentials read at sign-in: the update goes as alice whoever is signed in when it is sent again.
    const api = createTestApi<Todo>(server, { user: "alice", ifMatch: true });
    const queryFn = async ({ queryKey, signal }: OptimisticQueryContext) => {
      const response = await fetch(`${server.url}/items`, { headers: { "x-user": String(queryKey[1]) }, signal });
      return (await response.json()) as Todo[];
    };
    const detect = (error: unknown) => (error as { status?: number; body?: { current?: Todo } }).status === 409 ? (error as { body: { current: Todo } }).body.current : undefined;
    const client = createTestQueryClient();
    const manager = createOptimisticStoreManager<Todo>(
      { name: "items", transformer: false, version: "version", queryFn, mutations: api.mutations, scope: () => auth.get(), conflict: { detect, resolve: "client-wins" } },
      client,
    );
    onCleanup(() => manager.destroy());
    await vi.waitFor(() => expect(manager.store.count).toBe(2));
    server.serverUpdate("a1", { done: true }, { user: "alice", silent: true }); // version 2, unknown to the client
    const gate = server.hold({ method: "PUT", path: "/items/a1" });
    const saving = manager.actions.update({ id: "a1", data: { title: "Alice 1 mine" } });
    await gate.arrived;
    runInAction(() => auth.set("bob"));
    await vi.waitFor(() => expect(manager.store.list.map((t) => t.id)).toEqual(["b1"]));
    await gate.release();
    await expect(saving).resolves.toMatchObject({ title: "Alice 1 mine", version: 3 });
    expect(server.row("a1", "alice")).toMatchObject({ title: "Alice 1 mine", done: true, version: 3 });
    expect(client.getQueryData<Todo[]>(["items", "alice"])?.find((t) => t.id === "a1")).toMatchObject({ title: "Alice 1 mine", version: 3 });
    expect(manager.store.list.map((t) => t.id)).toEqual(["b1"]);
  });
});
