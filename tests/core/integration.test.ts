import { environmentManager } from "@tanstack/query-core";
import { reaction } from "mobx";
import { afterEach, describe, expect, it, vi } from "vitest";
import { HttpError } from "../__fixtures__";
import { makeTodos } from "../__fixtures__/mockData";
import { cleanup, countRequests, loaded, setupManager, titles } from "../__fixtures__/testHelpers";

environmentManager.setIsServer(() => false);
afterEach(cleanup);

describe("Optimistic Update Flow", () => {
  it("performs the full optimistic create flow", async () => {
    // 1. Set up the store manager.
    const { manager, server, client } = await setupManager({ seed: makeTodos() });
    await loaded(manager, 3);
    const lists: string[] = [];
    const dispose = reaction(() => titles(manager.store).join(","), (list) => lists.push(list));

    // 2. Trigger the create (held at the server).
    const gate = server.hold({ method: "POST" });
    const pending = manager.actions.create({ title: "D" });
    const tempId = manager.store.list[3]!.id;

    // 3. The optimistic entity shows at once.
    expect(titles(manager.store)).toEqual(["A", "B", "C", "D"]);
    expect(manager.status.createPending).toBe(true);
    expect(manager.store.isPending(tempId)).toBe(true);

    // 4. The server answers: its entity replaces the temporary one in place.
    await gate.release();
    const created = await pending;
    expect(created).toEqual({ id: expect.any(String), title: "D" });
    expect(manager.store.list.map((todo) => todo.id)).toEqual(["a", "b", "c", created.id]);
    expect(manager.store.viewKey(created.id)).toBe(tempId);
    expect(manager.status.createPending).toBe(false);

    // 5. A refetch reconciles to the same state and changes nothing on screen.
    const identityChanges = vi.fn();
    const disposeIdentity = reaction(() => manager.store.list.map((todo) => todo), identityChanges);
    await manager.actions.refetch();
    expect(manager.store.list.slice()).toEqual(server.rows());
    expect(lists).toEqual(["A,B,C,D"]);
    expect(identityChanges).not.toHaveBeenCalled();
    disposeIdentity();
    await vi.waitFor(() => expect(client.getQueryData(["items"])).toEqual(server.rows()));
    dispose();
  });

  it("handles a mutation error with rollback", async () => {
    // 1. Set up the store manager.
    const { manager, server } = await setupManager({ seed: makeTodos() });
    await loaded(manager, 3);
    const before = manager.store.list.slice();

    // 2. Trigger mutations that will fail.
    const createGate = server.hold({ method: "POST" });
    const updateGate = server.hold({ method: "PUT" });
    const removeGate = server.hold({ method: "DELETE" });
    const create = manager.actions.create({ title: "D" });
    const update = manager.actions.update({ id: "a", data: { title: "A2" } });
    const remove = manager.actions.remove("b");

    // 3. The optimistic changes show.
    expect(titles(manager.store)).toEqual(["A2", "C", "D"]);

    // 4. Each failure rolls back exactly its own change, then rejects with the server's error.
    await createGate.fail(400, { error: "bad create" });
    await expect(create).rejects.toThrow("bad create");
    expect(titles(manager.store)).toEqual(["A2", "C"]);
    await updateGate.fail(409, { error: "conflict" });
    await expect(update).rejects.toMatchObject({ status: 409 });
    expect(titles(manager.store)).toEqual(["A", "C"]);
    await removeGate.fail(500);
    await expect(remove).rejects.toBeInstanceOf(HttpError);

    expect(manager.store.list.slice()).toEqual(before);
    manager.store.list.forEach((todo, i) => expect(todo).toBe(before[i]));
    expect(manager.status.hasPendingMutations).toBe(false);
    expect(server.rows()).toEqual(makeTodos());
  });

  it("applies a reconciliation during pending mutations beneath them instead of skipping it", async () => {
    // 1. Set up the store manager.
    const { manager, server } = await setupManager({ seed: makeTodos() });
    await loaded(manager, 3);

    // 2. Trigger a mutation (in flight).
    const gate = server.hold({ method: "PUT" });
    const update = manager.actions.update({ id: "a", data: { title: "A!" } });
    await gate.arrived;

    // 3. Another client changes the server; trigger a refetch.
    server.serverUpdate("a", { done: true });
    server.serverUpdate("b", { title: "B2" });
    server.serverDelete("c");
    server.serverInsert({ title: "D" });
    await manager.actions.refetch();

    // 4. The refetch is applied at once, under the pending update (not skipped).
    expect(titles(manager.store)).toEqual(["A!", "B2", "D"]);
    expect(manager.store.get("a")).toEqual({ id: "a", title: "A!", done: true });
    expect(manager.store.isPending("a")).toBe(true);

    // 5. The mutation completes.
    await gate.release();
    await update;

    // 6. Nothing is lost: the store equals the server, with no further request needed.
    expect(manager.store.list.slice()).toEqual(server.rows());
    expect(manager.store.isPending("a")).toBe(false);
    expect(countRequests(server, "GET", "/items")).toBe(2);
  });
});
