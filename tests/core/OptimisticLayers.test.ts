/**
 * The state model's rules that need a particular order of answers: deletions against late answers,
 * ids a server list brings before an answer, what is kept per created entity, and `list` order.
 * Driven through a manager against the real HTTP test server.
 */
import { environmentManager } from "@tanstack/query-core";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Todo } from "../__fixtures__/mockData";
import { makeTodos } from "../__fixtures__/mockData";
import { connectClient, createTestApi } from "../__fixtures__";
import { cleanup, countRequests, loaded, nextMacrotask, setupManager, startServer } from "../__fixtures__/testHelpers";

environmentManager.setIsServer(() => false);
afterEach(cleanup);

const ids = (list: readonly Todo[]) => list.map((todo) => todo.id);
const cachedIds = (client: { getQueryData<T>(key: string[]): T | undefined }) => (client.getQueryData<Todo[]>(["items"]) ?? []).map((row) => row.id);

describe("a deletion this client knows of outranks the answer of a change sent before it", () => {
  it("an update answered after the entity's remove was answered does not bring it back", async () => {
    const { manager, server, client } = await setupManager({ seed: makeTodos() });
    await loaded(manager, 3);
    const put = server.hold({ method: "PUT" }, { applyAt: "request" });
    const updating = manager.actions.update({ id: "a", data: { title: "A2" } });
    await put.arrived;

    await manager.actions.remove("a");
    expect(ids(manager.store.list)).toEqual(["b", "c"]);
    await put.release();
    await updating;
    await nextMacrotask();

    expect(ids(manager.store.list)).toEqual(["b", "c"]);
    expect(cachedIds(client)).toEqual(["b", "c"]);
  });

  it("an update answered after a realtime DELETE (no receipts) does not bring the entity back", async () => {
    const server = await startServer({ seed: makeTodos() });
    const api = createTestApi<Todo>(server);
    const { manager, client } = await setupManager({
      server,
      config: {
        // Mutation calls without the receipt: the update's echo is just another event.
        mutations: { create: (data) => api.mutations.create(data), update: (params) => api.mutations.update(params), remove: (id) => api.mutations.remove(id) },
        realtime: { eventType: server.eventType },
      },
    });
    await loaded(manager, 3);
    manager.realtime!.connect(await connectClient(server));
    const put = server.hold({ method: "PUT" }, { applyAt: "request" }); // updated and broadcast, answer held
    const updating = manager.actions.update({ id: "a", data: { title: "A2" } });
    await put.arrived;

    server.serverDelete("a"); // another client
    await vi.waitFor(() => expect(ids(manager.store.list)).toEqual(["b", "c"]));
    await put.release();
    await updating;
    await nextMacrotask();

    expect(ids(manager.store.list)).toEqual(["b", "c"]);
    expect(cachedIds(client)).toEqual(["b", "c"]);
  });

  it("an update answered after a refetch without the entity does not bring it back", async () => {
    const { manager, server, client } = await setupManager({ seed: makeTodos() });
    await loaded(manager, 3);
    const put = server.hold({ method: "PUT" }, { applyAt: "request" });
    const updating = manager.actions.update({ id: "a", data: { title: "A2" } });
    await put.arrived;

    server.serverDelete("a", { silent: true });
    await manager.actions.refetch();
    expect(ids(manager.store.list)).toEqual(["b", "c"]);
    await put.release();
    await updating;
    await nextMacrotask();

    expect(ids(manager.store.list)).toEqual(["b", "c"]);
    expect(cachedIds(client)).toEqual(["b", "c"]);
  });
});

describe("a fetch without an entity the store held when it started outranks what was written of it meanwhile", () => {
  /**
   * An update of `id` made before a refetch, answered while that refetch is in flight; another
   * client then deletes `id` before the refetch reads the table. Returns the ids shown, then cached.
   */
  const updateAnsweredDuringRefetch = async (unheld: boolean) => {
    const { manager, server, client } = await setupManager({ seed: makeTodos() });
    await loaded(manager, 3);
    // Unheld: an entity the store never held (an id from elsewhere).
    const id = unheld ? server.serverInsert({ title: "D" }, { silent: true }).id : "a";
    const put = server.hold({ method: "PUT" }, { applyAt: "request" });
    const updating = manager.actions.update({ id, data: { title: "X2" } });
    await put.arrived;
    const get = server.hold({ method: "GET" }, { applyAt: "release" }); // reads the table when let through
    const refetching = manager.actions.refetch();
    await get.arrived;

    await put.release(); // written while the fetch is in flight
    await updating;
    expect(manager.store.get(id)?.title).toBe("X2");
    server.serverDelete(id, { silent: true }); // another client, after the update
    await get.release();
    await refetching;
    await nextMacrotask();
    return [ids(manager.store.list), cachedIds(client)];
  };

  it("an update answered while a refetch is in flight does not keep the entity that refetch no longer has", async () => {
    expect(await updateAnsweredDuringRefetch(false)).toEqual([
      ["b", "c"],
      ["b", "c"],
    ]);
  });

  it("an update made before a refetch, of an entity the store did not hold, answered while that refetch is in flight does not keep the entity that refetch no longer has", async () => {
    expect(await updateAnsweredDuringRefetch(true)).toEqual([
      ["a", "b", "c"],
      ["a", "b", "c"],
    ]);
  });

  /**
   * A refetch in flight at disable(), an update of "a" answered while it runs, then "a" deleted by
   * another client: the refetch lands while disabled, without "a" (nor does the cache have it).
   * `writeBack`: a change of "b" answered after it landed, written back onto its list.
   */
  const landedWithout = async (writeBack: boolean) => {
    const setup = await setupManager({ seed: makeTodos() });
    const { manager, server, client } = setup;
    await loaded(manager, 3);
    const get = server.hold({ method: "GET" }, { applyAt: "release" });
    const refetching = manager.actions.refetch().catch(() => undefined);
    await get.arrived;
    manager.disable();

    await manager.actions.update({ id: "a", data: { title: "A2" } }); // written while the fetch is in flight
    server.serverDelete("a", { silent: true });
    await get.release();
    await refetching;
    if (writeBack) await manager.actions.update({ id: "b", data: { title: "B2" } });
    await nextMacrotask();
    expect(cachedIds(client)).toEqual(["b", "c"]);
    return setup;
  };

  it("an update answered while a refetch that lands while disabled is in flight does not keep the entity, at enable() nor in the cache", async () => {
    const { manager, client } = await landedWithout(false);
    manager.enable();
    await nextMacrotask();

    expect(ids(manager.store.list)).toEqual(["b", "c"]);
    expect(cachedIds(client)).toEqual(["b", "c"]);
  });

  it("enable() shows the fetch that landed while disabled without the entity, also after a change answered since was written back onto it", async () => {
    const { manager, client } = await landedWithout(true);
    manager.enable();
    await nextMacrotask();

    expect(ids(manager.store.list)).toEqual(["b", "c"]);
    expect(manager.store.get("b")?.title).toBe("B2");
    expect(cachedIds(client)).toEqual(["b", "c"]);
  });

  it("a refetch() while disabled shows the fetch that landed while disabled without the entity, also after a change answered since was written back onto it", async () => {
    const { manager, server, client } = await landedWithout(true);
    const next = server.hold({ method: "GET" }, { applyAt: "release" });
    const again = manager.actions.refetch(); // shows the landed list first
    await next.arrived;

    expect(ids(manager.store.list)).toEqual(["b", "c"]);
    expect(manager.store.get("b")?.title).toBe("B2");
    await next.release();
    await again;
    await nextMacrotask();
    expect(ids(manager.store.list)).toEqual(["b", "c"]);
    expect(cachedIds(client)).toEqual(["b", "c"]);
  });

  it("an echo of another client's update that arrived while the refetch was in flight does not keep the entity either", async () => {
    const server = await startServer({ seed: makeTodos() });
    const { manager, client } = await setupManager({ server, config: { realtime: { eventType: server.eventType } } });
    await loaded(manager, 3);
    manager.realtime!.connect(await connectClient(server));
    const get = server.hold({ method: "GET" }, { applyAt: "release" });
    const refetching = manager.actions.refetch();
    await get.arrived;

    server.serverUpdate("a", { title: "theirs" });
    await vi.waitFor(() => expect(manager.store.get("a")?.title).toBe("theirs"));
    server.serverDelete("a", { silent: true }); // its DELETE never reached this client
    await get.release();
    await refetching;
    await nextMacrotask();

    expect(ids(manager.store.list)).toEqual(["b", "c"]);
    expect(cachedIds(client)).toEqual(["b", "c"]);
  });

  it("an entity this client removed and created again under the same id while the refetch was in flight stays: that list may have been read in between", async () => {
    const server = await startServer({ seed: makeTodos() });
    const api = createTestApi<Todo>(server);
    const { manager } = await setupManager({
      server,
      config: {
        mutations: {
          ...api.mutations,
          // A server that keeps the id the client chose (createOptimisticUiData below).
          create: async (data: Partial<Todo>) => {
            const row = { ...data, id: "a" } as Todo;
            server.seed([...server.rows(), row]);
            return row;
          },
        },
        optimisticDefaults: { createOptimisticUiData: (input: Partial<Todo>) => ({ ...input, id: "a" }) as Todo },
      },
    });
    await loaded(manager, 3);
    const del = server.hold({ method: "DELETE" }, { applyAt: "request" }); // deleted now, answered later
    const removing = manager.actions.remove("a");
    await del.arrived;
    const get = server.hold({ method: "GET" }, { applyAt: "request" }); // reads the table without "a"
    const refetching = manager.actions.refetch();
    await get.arrived;

    await del.release();
    await removing;
    await manager.actions.create({ title: "again" }); // the same id, created again after the list was read
    expect(manager.store.get("a")?.title).toBe("again");
    await get.release();
    await refetching;
    await nextMacrotask();

    expect(manager.store.get("a")?.title).toBe("again");
  });

  it("an entity first heard of while the refetch was in flight stays: that list may have been read before it existed", async () => {
    const server = await startServer({ seed: makeTodos() });
    const { manager } = await setupManager({ server, config: { realtime: { eventType: server.eventType } } });
    await loaded(manager, 3);
    manager.realtime!.connect(await connectClient(server));
    const get = server.hold({ method: "GET" }, { applyAt: "request" }); // reads the table now
    const refetching = manager.actions.refetch();
    await get.arrived;

    const inserted = server.serverInsert({ title: "new" });
    await vi.waitFor(() => expect(manager.store.get(inserted.id)?.title).toBe("new"));
    await get.release();
    await refetching;
    await nextMacrotask();

    expect(ids(manager.store.list)).toEqual(["a", "b", "c", inserted.id]);
  });
});

/**
 * A loaded manager of a, b, c whose creates get the client id "mine" (`createOptimisticUiData`);
 * with `takesClientId`, a server that keeps it (the test server picks its own id: the answer names "mine").
 */
async function mineManager(takesClientId = false) {
  const server = await startServer({ seed: makeTodos() });
  const api = createTestApi<Todo>(server);
  const { manager } = await setupManager({
    server,
    config: {
      optimisticDefaults: { createOptimisticUiData: (input: { title: string }) => ({ id: "mine", title: input.title }) },
      ...(takesClientId && { mutations: { ...api.mutations, create: async (data, receipt) => ({ ...(await api.mutations.create(data, receipt)), id: "mine" }) } }),
    },
  });
  await loaded(manager, 3);
  return { server, manager };
}

describe("an id chosen by createOptimisticUiData", () => {
  it("is never redirected once a server list brings an entity with that id before the create answers", async () => {
    const { server, manager } = await mineManager();
    const post = server.hold({ method: "POST" });
    const creating = manager.actions.create({ title: "created" });
    expect(manager.store.get("mine")?.title).toBe("created");
    await post.arrived;

    server.seed([...server.rows(), { id: "mine", title: "the server's own" }]);
    await manager.actions.refetch();
    await post.release();
    const created = await creating;

    expect(manager.store.get("mine")?.title).toBe("the server's own");
    expect(manager.store.get(created.id)?.title).toBe("created");
    await manager.actions.update({ id: "mine", data: { title: "edited" } });
    expect(server.row("mine")?.title).toBe("edited");
    expect(server.row(created.id)?.title).toBe("created");
  });

  it("the answer of a create whose id a server entity took, deleted since and written again, leaves the created entity shown (model SEED=26089)", async () => {
    const { server, manager } = await mineManager();
    const post = server.hold({ method: "POST" }, { applyAt: "request" }); // created, answer held
    const creating = manager.actions.create({ title: "created" });
    await post.arrived;
    const row = server.rows().at(-1)!;

    manager.store.upsert({ id: "mine", title: "the server's own" } as Todo);
    // Learned deleted after the create was made, then written again: newer than both.
    manager.store.remove(row.id);
    manager.store.upsert({ ...row });
    await post.release();
    const created = await creating;

    expect(created.id).toBe(row.id);
    expect(manager.store.get("mine")?.title).toBe("the server's own");
    expect(manager.store.get(row.id)?.title).toBe("created");
    expect(ids(manager.store.list)).toContain(row.id);
  });

  it("the answer of a create the server gave the client's id, deleted since and written again, leaves the entity shown", async () => {
    const { server, manager } = await mineManager(true);
    const post = server.hold({ method: "POST" });
    const creating = manager.actions.create({ title: "created" });
    await post.arrived;

    // Learned deleted after the create was made, then written again: newer than both.
    manager.store.remove("mine");
    manager.store.upsert({ id: "mine", title: "written again" } as Todo);
    await post.release();
    expect((await creating).id).toBe("mine");

    expect(manager.store.get("mine")?.title).toBe("written again");
  });
});

describe("what is kept per created entity", () => {
  it("forgets the temporary id and the view key once the entity is deleted", async () => {
    const { manager, server } = await setupManager({ seed: makeTodos() });
    await loaded(manager, 3);
    const creating = manager.actions.create({ title: "new" });
    const tempId = manager.store.list.at(-1)!.id;
    const { id } = await creating;
    expect(manager.store.viewKey(id)).toBe(tempId);

    await manager.actions.remove(id);

    expect(manager.store.viewKey(id)).toBe(id);
    await expect(manager.actions.update({ id: tempId, data: { title: "x" } })).rejects.toThrow(/names a created entity that no longer exists/);
    await expect(manager.actions.remove(tempId)).resolves.toBeUndefined();
    expect(countRequests(server, "DELETE")).toBe(1);
  });
});

/** A loaded manager of a, b, c whose server lists put the last item first once `rotate()` is called. */
async function rotatingManager() {
  const server = await startServer({ seed: makeTodos() });
  const api = createTestApi<Todo>(server);
  let rotated = false;
  const { manager, client } = await setupManager({
    server,
    config: { queryFn: async () => ((rows) => (rotated ? [...rows.slice(-1), ...rows.slice(0, -1)] : rows))(await api.queryFn()) },
  });
  await loaded(manager, 3);
  return { manager, client, server, rotate: () => void (rotated = true) };
}

/** A loaded a, b, c; a create of X the server holds; then d and e written after its temporary row. */
async function heldCreateBeforeDE() {
  const { manager, server } = await setupManager({ seed: makeTodos() });
  await loaded(manager, 3);
  const post = server.hold({ method: "POST" });
  const creating = manager.actions.create({ title: "X" });
  await post.arrived;
  const tempId = manager.store.list[3]!.id;
  manager.store.upsert({ id: "d", title: "D" });
  manager.store.upsert({ id: "e", title: "E" });
  return { manager, server, post, creating, tempId };
}

describe("list order", () => {
  it("brings an entity back where the last server list put it when its remove fails", async () => {
    const { manager, client, server, rotate } = await rotatingManager();
    const removal = server.hold({ method: "DELETE" });
    const removing = manager.actions.remove("b");
    await removal.arrived;
    rotate();
    await manager.actions.refetch(); // [c, a, b], b hidden by its remove
    expect(ids(manager.store.list)).toEqual(["c", "a"]);

    await removal.fail(500);
    await expect(removing).rejects.toThrow();

    expect(ids(manager.store.list)).toEqual(["c", "a", "b"]);
    await nextMacrotask();
    expect(cachedIds(client)).toEqual(["c", "a", "b"]);
  });

  it.each([
    ["in the order they were made", ["b", "c"] as const],
    ["the later first", ["c", "b"] as const],
  ])("brings two entities hidden side by side back in their order when their removes fail %s", async (_label, failing) => {
    const { manager, server } = await setupManager({ seed: [...makeTodos(), { id: "d", title: "D", done: false }] });
    await loaded(manager, 4);
    const holds = { b: server.hold({ method: "DELETE", path: "/items/b" }), c: server.hold({ method: "DELETE", path: "/items/c" }) };
    const removing = { b: manager.actions.remove("b"), c: manager.actions.remove("c") };
    await Promise.all([holds.b.arrived, holds.c.arrived]);
    expect(ids(manager.store.list)).toEqual(["a", "d"]);

    for (const id of failing) {
      await holds[id].fail(500);
      await expect(removing[id]).rejects.toThrow();
    }
    expect(ids(manager.store.list)).toEqual(["a", "b", "c", "d"]);
  });

  it.each([
    ["in the order they were made", ["a", "b"] as const],
    ["the later first", ["b", "a"] as const],
  ])("brings two entities hidden side by side back where the last server list put them when their removes fail %s", async (_label, failing) => {
    const { manager, client, server, rotate } = await rotatingManager();
    const holds = { a: server.hold({ method: "DELETE", path: "/items/a" }), b: server.hold({ method: "DELETE", path: "/items/b" }) };
    const removing = { a: manager.actions.remove("a"), b: manager.actions.remove("b") };
    await Promise.all([holds.a.arrived, holds.b.arrived]);
    rotate();
    await manager.actions.refetch(); // [c, a, b], a and b hidden
    expect(ids(manager.store.list)).toEqual(["c"]);

    for (const id of failing) {
      await holds[id].fail(500);
      await expect(removing[id]).rejects.toThrow();
    }
    expect(ids(manager.store.list)).toEqual(["c", "a", "b"]);
    await nextMacrotask();
    expect(cachedIds(client)).toEqual(["c", "a", "b"]);
  });

  it("brings a hidden entity back after what the entity before it followed, once that entity is deleted for good", async () => {
    const { manager, server } = await setupManager({ seed: [...makeTodos(), { id: "d", title: "D", done: false }] });
    await loaded(manager, 4);
    const removalC = server.hold({ method: "DELETE", path: "/items/c" });
    const removingC = manager.actions.remove("c");
    await removalC.arrived;
    const removalB = server.hold({ method: "DELETE", path: "/items/b" });
    const removingB = manager.actions.remove("b");
    await removalB.arrived;
    await removalB.release(); // b is gone for good
    await removingB;
    await removalC.fail(500);
    await expect(removingC).rejects.toThrow();
    expect(ids(manager.store.list)).toEqual(["a", "c", "d"]);
  });

  it("brings a hidden entity back in its place after another client deleted the entity before it", async () => {
    const server = await startServer({ seed: makeTodos() });
    const { manager } = await setupManager({ server, config: { realtime: { eventType: server.eventType } } });
    await loaded(manager, 3);
    manager.realtime!.connect(await connectClient(server));
    await vi.waitFor(() => expect(manager.realtime!.isConnected).toBe(true));
    const removal = server.hold({ method: "DELETE", path: "/items/b" });
    const removing = manager.actions.remove("b");
    await removal.arrived;
    server.serverDelete("a");
    await vi.waitFor(() => expect(ids(manager.store.list)).toEqual(["c"]));
    await removal.fail(500);
    await expect(removing).rejects.toThrow();
    expect(ids(manager.store.list)).toEqual(["b", "c"]);
  });

  it("brings a hidden entity back after the created entity that took the temporary row it followed", async () => {
    const { manager, server, post, creating } = await heldCreateBeforeDE();
    const removal = server.hold({ method: "DELETE", path: "/items/d" });
    const removing = manager.actions.remove("d"); // d follows the temporary row
    await removal.arrived;
    manager.store.remove("a");
    await post.release();
    const created = await creating;
    await removal.fail(500);
    await expect(removing).rejects.toThrow();
    expect(ids(manager.store.list)).toEqual(["b", "c", created.id, "d", "e"]);
  });

  it("brings a created entity whose temporary row a queued remove hid back where the row stood when the remove fails", async () => {
    const { manager, server, post, creating, tempId } = await heldCreateBeforeDE();
    const removal = server.hold({ method: "DELETE" });
    const removing = manager.actions.remove(tempId); // waits for the create
    await post.release();
    const created = await creating;
    await removal.arrived;
    await removal.fail(500);
    await expect(removing).rejects.toThrow();
    expect(ids(manager.store.list)).toEqual(["a", "b", "c", created.id, "d", "e"]);
  });

  it("brings the server entity of a create, shown by an event and hidden by a remove, back in the temporary row's place", async () => {
    const server = await startServer({ seed: makeTodos() });
    const api = createTestApi<Todo>(server);
    const { manager } = await setupManager({
      server,
      // No receipts: the create's INSERT event is not known as its echo.
      config: { mutations: { create: (data) => api.mutations.create(data), update: (params) => api.mutations.update(params), remove: (id) => api.mutations.remove(id) }, realtime: { eventType: server.eventType } },
    });
    await loaded(manager, 3);
    manager.realtime!.connect(await connectClient(server));
    await vi.waitFor(() => expect(manager.realtime!.isConnected).toBe(true));
    const post = server.hold({ method: "POST" }, { applyAt: "request" });
    const creating = manager.actions.create({ title: "X" });
    await post.arrived;
    await vi.waitFor(() => expect(manager.store.count).toBe(5));
    const serverId = manager.store.list[4]!.id;
    manager.store.upsert({ id: "d", title: "D" });
    manager.store.upsert({ id: "e", title: "E" });
    const removal = server.hold({ method: "DELETE" });
    const removing = manager.actions.remove(serverId);
    await removal.arrived;
    await post.release();
    await creating;
    expect(ids(manager.store.list)).toEqual(["a", "b", "c", "d", "e"]);
    await removal.fail(500);
    await expect(removing).rejects.toThrow();
    expect(ids(manager.store.list)).toEqual(["a", "b", "c", serverId, "d", "e"]);
  });

  it("store.rollback() while an entity is hidden by a pending remove leaves its place alone", async () => {
    const { manager, server } = await setupManager({ seed: makeTodos() });
    await loaded(manager, 3);
    const removal = server.hold({ method: "DELETE" });
    const removing = manager.actions.remove("a");
    await removal.arrived;
    manager.store.pushSnapshot();
    manager.store.upsert({ id: "d", title: "D" });
    manager.store.rollback();
    expect(ids(manager.store.list)).toEqual(["b", "c"]);

    await removal.fail(500);
    await expect(removing).rejects.toThrow();
    expect(ids(manager.store.list)).toEqual(["a", "b", "c"]);
  });

  it("follows the server's order again at the next refetch after a create's answer took the temporary row's place", async () => {
    const { manager, server } = await setupManager({ seed: makeTodos() });
    await loaded(manager, 3);
    const post = server.hold({ method: "POST" }, { applyAt: "request" });
    const creating = manager.actions.create({ title: "X" });
    await post.arrived; // the server has X (id 1)
    server.serverInsert({ title: "Y" }); // id 2, after X
    await manager.actions.refetch(); // [a, b, c, 1, 2] and the temporary row
    await post.release();
    await creating;
    expect(ids(manager.store.list)).toEqual(["a", "b", "c", "2", "1"]); // the answer took the temporary row's place

    await manager.actions.refetch(); // nothing changed on the server

    expect(ids(manager.store.list)).toEqual(["a", "b", "c", "1", "2"]);
  });
});
