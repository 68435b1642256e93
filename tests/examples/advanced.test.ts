import { environmentManager } from "@tanstack/query-core";
import { beforeAll, describe, expect, it } from "vitest";
import type { DemoServer } from "../../demo/server/createDemoServer";
import { OptimisticConflictError } from "mobx-tanstack-optimistic";
import { createConflictAwareTodoStore, type ConflictStrategy, type VersionedTodo } from "../../examples/advanced/ConflictResolution";
import { createTransformedTodoStore, todoTransformer } from "../../examples/advanced/CustomTransformer";
import { connectSocket, newQueryClient, onCleanup, startDemoServer, until } from "./helpers";

beforeAll(() => environmentManager.setIsServer(() => false));

describe("examples/advanced/CustomTransformer", () => {
  async function setup() {
    const server = await startDemoServer();
    const todos = createTransformedTodoStore({ baseUrl: server.url, queryClient: newQueryClient() });
    onCleanup(() => todos.destroy());
    await until(() => todos.store.count === 3);
    return { server, todos };
  }

  it("holds TodoItems: `done` instead of `completed`, Dates instead of strings", async () => {
    const { todos } = await setup();
    const read = todos.store.get("3")!;
    expect(read).toMatchObject({ id: "3", title: "Read the examples", done: true, version: 1 });
    expect(read).not.toHaveProperty("completed");
    expect(read.createdAt).toBeInstanceOf(Date);
    expect(todoTransformer.toApi(read)).toMatchObject({ completed: true, createdAt: expect.any(String) });
  });

  it("sends a UI change in the API's terms and stores the answer transformed", async () => {
    const { server, todos } = await setup();
    const before = todos.store.get("1")!;
    const saving = todos.actions.update({ id: "1", data: { done: true } });
    expect(todos.store.get("1")).toMatchObject({ done: true, version: 1, createdAt: before.createdAt });
    await saving;
    expect(server.db.getTodo("1")).toMatchObject({ completed: true, version: 2 });
    expect(todos.store.get("1")).toMatchObject({ done: true, version: 2 });
    expect(todos.store.get("1")!.updatedAt).toBeInstanceOf(Date);
  });

  it("builds the optimistic row with the transformer's defaults", async () => {
    const { server, todos } = await setup();
    server.control.delayMs = 50;
    const saving = todos.actions.create({ title: "  Water plants " });
    const optimistic = todos.store.list.at(-1)!;
    expect(optimistic).toMatchObject({ title: "Water plants", done: false, version: 0 });
    expect(optimistic.createdAt).toBeInstanceOf(Date);
    const saved = await saving;
    expect(todos.store.get(saved.id)).toMatchObject({ title: "Water plants", done: false, version: 1 });
  });
});

describe("examples/advanced/ConflictResolution", () => {
  /** Two clients that both loaded the todos; `mine` edits after `theirs` changed todo 1. */
  async function setup(strategy: ConflictStrategy) {
    const server = await startDemoServer();
    const open = async (options: { strategy?: ConflictStrategy }) => {
      const todos = createConflictAwareTodoStore({ baseUrl: server.url, queryClient: newQueryClient(), ...options });
      onCleanup(() => todos.destroy());
      await until(() => todos.store.count === 3);
      return todos;
    };
    const theirs = await open({});
    const mine = await open({ strategy });
    return { server, theirs, mine };
  }

  async function theyRename(server: DemoServer, theirs: Awaited<ReturnType<typeof setup>>["theirs"]) {
    await theirs.update("1", { title: "Their title" });
    expect(server.db.getTodo("1")?.version).toBe(2);
  }

  it("server-wins: drops my change, shows theirs, and rejects with an OptimisticConflictError", async () => {
    const { server, theirs, mine } = await setup("server-wins");
    await theyRename(server, theirs);

    const saving = mine.update("1", { title: "My title" });
    expect(mine.store.get("1")?.title).toBe("My title");
    await expect(saving).rejects.toBeInstanceOf(OptimisticConflictError);
    await expect(saving).rejects.toMatchObject({ server: { id: "1", title: "Their title", version: 2 } });
    expect(mine.store.get("1")).toMatchObject({ title: "Their title", version: 2 });
    expect(server.db.getTodo("1")?.title).toBe("Their title");
  });

  it("client-wins: sends my change again on top of their version", async () => {
    const { server, theirs, mine } = await setup("client-wins");
    await theyRename(server, theirs);

    await mine.update("1", { title: "My title" });
    expect(server.db.getTodo("1")).toMatchObject({ title: "My title", version: 3 });
    expect(mine.store.get("1")).toMatchObject({ title: "My title", version: 3 });
  });

  it("a merge function keeps their fields and mine", async () => {
    const { server, theirs, mine } = await setup(({ local, server: current }: { local: Partial<VersionedTodo>; server: VersionedTodo }) => ({
      ...local,
      ...(local.title !== undefined && { title: `${current.title} + ${local.title}` }),
    }));
    await theyRename(server, theirs);

    await mine.update("1", { title: "mine", completed: true });
    expect(server.db.getTodo("1")).toMatchObject({ title: "Their title + mine", completed: true });
    expect(mine.store.get("1")).toMatchObject({ title: "Their title + mine", completed: true });
  });

  it("two quick edits of one todo by the same client are no conflict", async () => {
    const { server, mine } = await setup("server-wins");
    const first = mine.update("2", { title: "Renamed" });
    const second = mine.update("2", { completed: true });
    expect(mine.store.get("2")).toMatchObject({ title: "Renamed", completed: true });
    await Promise.all([first, second]);
    expect(server.db.getTodo("2")).toMatchObject({ title: "Renamed", completed: true, version: 3 });
  });

  it("ignores a realtime event older than the todo it already has", async () => {
    const { server, mine } = await setup("server-wins");
    mine.connectRealtime(await connectSocket(server));
    await until(() => mine.manager.realtime?.isConnected === true);
    await mine.update("3", { title: "Newest" });
    expect(mine.store.get("3")?.version).toBe(2);

    server.io.emit("todo_update", { type: "todo_update", event: "UPDATE", data: { id: "3", title: "Stale", completed: true, version: 1 } });
    server.io.emit("todo_update", { type: "todo_update", event: "UPDATE", data: { id: "2", title: "Fresh", completed: false, version: 5 } });
    await until(() => mine.store.get("2")?.title === "Fresh");
    expect(mine.store.get("3")).toMatchObject({ title: "Newest", version: 2 });
  });
});
