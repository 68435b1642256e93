import { environmentManager } from "@tanstack/query-core";
import { beforeAll, describe, expect, it } from "vitest";
import type { ChangeEvent } from "../../demo/server/createDemoServer";
import { createFakeBackend, expectConsistent } from "mobx-tanstack-optimistic/testing";
import { createTodoStore, type Todo } from "../../examples/basic-todo/TodoStore";
import { connectSocket, newQueryClient, nextEvent, onCleanup, startDemoServer, until } from "./helpers";

beforeAll(() => environmentManager.setIsServer(() => false));

async function setup() {
  const server = await startDemoServer();
  const todos = createTodoStore({ baseUrl: server.url, queryClient: newQueryClient() });
  onCleanup(() => todos.destroy());
  await until(() => todos.store.count === 3);
  return { server, todos };
}

describe("examples/basic-todo", () => {
  it("loads the demo server's todos", async () => {
    const { todos } = await setup();
    expect(todos.store.list.map((todo) => todo.title)).toEqual([
      "Try the fail switch, then toggle me",
      "Open this page in a second tab",
      "Read the examples",
    ]);
  });

  it("shows a new todo before the server answers, then keeps it under the server's id", async () => {
    const { server, todos } = await setup();
    server.control.delayMs = 50;
    const created = todos.actions.create({ title: "Buy milk" });
    const optimistic = todos.store.list.at(-1)!;
    expect(optimistic).toMatchObject({ title: "Buy milk", completed: false });
    expect(todos.store.isPending(optimistic.id)).toBe(true);

    const saved = await created;
    expect(todos.store.list.at(-1)).toMatchObject({ id: saved.id, title: "Buy milk" });
    expect(todos.store.count).toBe(4);
    expect(todos.store.viewKey(saved.id)).toBe(optimistic.id);
    expect(server.db.getTodo(saved.id)?.title).toBe("Buy milk");
  });

  it("toggles and deletes through the REST API", async () => {
    const { server, todos } = await setup();
    const toggled = todos.actions.update({ id: "1", data: { completed: true } });
    expect(todos.store.get("1")?.completed).toBe(true);
    await toggled;
    expect(server.db.getTodo("1")?.completed).toBe(true);

    const removed = todos.actions.remove("2");
    expect(todos.store.get("2")).toBeUndefined();
    await removed;
    expect(server.db.getTodo("2")).toBeUndefined();
  });

  it("rolls back a change the server refuses and rejects with the server's message", async () => {
    const { server, todos } = await setup();
    server.control.failWrites = true;

    const toggle = todos.actions.update({ id: "1", data: { completed: true } });
    expect(todos.store.get("1")?.completed).toBe(true);
    await expect(toggle).rejects.toThrow(/fail switch/);
    expect(todos.store.get("1")?.completed).toBe(false);

    const create = todos.actions.create({ title: "Never saved" });
    expect(todos.store.count).toBe(4);
    await expect(create).rejects.toThrow(/fail switch/);
    expect(todos.store.count).toBe(3);

    const remove = todos.actions.remove("3");
    expect(todos.store.get("3")).toBeUndefined();
    await expect(remove).rejects.toThrow(/fail switch/);
    expect(todos.store.list.map((todo) => todo.id)).toEqual(["1", "2", "3"]);
    expect(server.db.listTodos()).toHaveLength(3);
  });

  it("with keepFailed, keeps a refused change marked failed until retry() saves it or discard() undoes it", async () => {
    const server = await startDemoServer();
    const todos = createTodoStore({ baseUrl: server.url, queryClient: newQueryClient(), keepFailed: true });
    onCleanup(() => todos.destroy());
    await until(() => todos.store.count === 3);
    server.control.failWrites = true;

    await expect(todos.actions.update({ id: "1", data: { completed: true } })).rejects.toThrow(/fail switch/);
    await expect(todos.actions.remove("3")).rejects.toThrow(/fail switch/);
    expect(todos.store.get("1")?.completed).toBe(true); // still shown
    expect(todos.store.get("3")).toBeUndefined(); // still hidden
    expect(todos.store.writeStatus("1")).toMatchObject({ pending: [], fields: ["completed"], failed: true });
    expect(todos.store.writeStatus("1")?.error?.message).toMatch(/fail switch/);
    expect(todos.status.failedCount).toBe(2);

    server.control.failWrites = false;
    await todos.store.writeStatus("1")!.retry();
    expect(server.db.getTodo("1")?.completed).toBe(true);
    expect(todos.store.writeStatus("1")).toBeUndefined();

    todos.store.writeStatus("3")!.discard();
    expect(todos.store.list.map((todo) => todo.id)).toEqual(["1", "2", "3"]);
    expect(todos.status.failedCount).toBe(0);
    expect(server.db.getTodo("3")).toBeDefined();
  });
});

describe("examples/basic-todo with realtime: true", () => {
  /** One browser tab: its own QueryClient, store and socket. */
  async function openTab(server: Awaited<ReturnType<typeof startDemoServer>>) {
    const todos = createTodoStore({ baseUrl: server.url, queryClient: newQueryClient(), realtime: true });
    onCleanup(() => todos.destroy());
    todos.realtime?.connect(await connectSocket(server));
    await until(() => todos.store.count === 3 && todos.realtime?.isConnected === true);
    return todos;
  }

  it("shows a todo created in one tab in the other, and only once in its own", async () => {
    const server = await startDemoServer();
    const a = await openTab(server);
    const b = await openTab(server);
    server.control.delayMs = 50;

    const saved = await a.actions.create({ title: "From tab A" });
    await until(() => b.store.get(saved.id)?.title === "From tab A");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(a.store.list.filter((todo) => todo.title === "From tab A")).toHaveLength(1);
    expect(a.store.count).toBe(4);
    expect(b.store.count).toBe(4);
  });

  it("shows an edited title and a deletion in the other tab", async () => {
    const server = await startDemoServer();
    const a = await openTab(server);
    const b = await openTab(server);

    await a.actions.update({ id: "2", data: { title: "Renamed in A" } });
    await until(() => b.store.get("2")?.title === "Renamed in A");
    await a.actions.remove("3");
    await until(() => b.store.get("3") === undefined);
  });

  it("sends the receipt with every write, so the server applies each once", async () => {
    const server = await startDemoServer();
    const a = await openTab(server);
    const listener = await connectSocket(server);
    const broadcast = nextEvent<ChangeEvent>(listener, "todo_update");
    await a.actions.update({ id: "1", data: { completed: true } });
    const event = await broadcast;
    expect(event.mutationId).toEqual(expect.any(String));
    expect(server.db.findMutation(event.mutationId!)).toMatchObject({ route: "PUT /api/todos/1", status: 200 });
  });

  it("brings in a todo written while the page was away (a reload during a slow create)", async () => {
    const server = await startDemoServer();
    const a = await openTab(server);
    server.control.delayMs = 300;
    void a.actions.create({ title: "Slow" }).catch(() => undefined);
    a.destroy(); // the page goes away while the server is still working on the create

    const reloaded = await openTab(server); // loads 3 todos: the 4th is not written yet
    expect(server.db.listTodos()).toHaveLength(3);
    await until(() => reloaded.store.list.some((todo) => todo.title === "Slow"));
    expect(reloaded.store.count).toBe(4);
  });
});

describe("examples/basic-todo driven by the testing kit (answers in any order)", () => {
  const seed: Todo[] = [
    { id: "1", title: "One", completed: false },
    { id: "2", title: "Two", completed: false },
    { id: "3", title: "Three", completed: true },
  ];

  /** The example's store on a fake backend whose every answer the test gives by hand. */
  async function setupManual() {
    const backend = createFakeBackend<Todo>({ initial: seed, manual: true });
    const queryClient = newQueryClient();
    const todos = createTodoStore({ api: backend, queryClient });
    onCleanup(() => todos.destroy());
    (await backend.nextRequest("query")).resolve();
    await until(() => todos.store.count === 3);
    // The example's config: name "todos", transformer false.
    const check = () => expectConsistent(todos, { name: "todos", queryClient, transformer: false });
    return { backend, todos, check };
  }

  it("keeps exactly the changes the server accepted when four answers come back in reverse order", async () => {
    const { backend, todos, check } = await setupManual();

    const create = todos.actions.create({ title: "Buy milk" });
    const toggle = todos.actions.update({ id: "1", data: { completed: true } });
    const rename = todos.actions.update({ id: "1", data: { title: "One, renamed" } });
    const remove = todos.actions.remove("2");
    const requests = [await backend.nextRequest("create"), await backend.nextRequest("update"), await backend.nextRequest("update"), await backend.nextRequest("remove")];
    expect(todos.store.list.map((todo) => todo.title)).toEqual(["One, renamed", "Three", "Buy milk"]);

    const [createRequest, toggleRequest, renameRequest, removeRequest] = requests;
    removeRequest!.resolve();
    renameRequest!.resolve();
    createRequest!.reject(new Error("Quota reached"));
    toggleRequest!.resolve();

    await expect(create).rejects.toThrow("Quota reached");
    await Promise.all([toggle, rename, remove]);
    expect(todos.store.list.slice()).toEqual([
      { id: "1", title: "One, renamed", completed: true },
      { id: "3", title: "Three", completed: true },
    ]);
    expect(todos.store.list.slice()).toEqual(backend.items());
    check();
  });

  it("sends an edit made on a new row with the server's id, and keeps the row's render key", async () => {
    const { backend, todos, check } = await setupManual();

    const create = todos.actions.create({ title: "Draft", completed: false });
    const tempId = todos.store.list.at(-1)!.id;
    const edit = todos.actions.update({ id: tempId, data: { title: "Final" } });
    expect(check).toThrow(/changes are still in flight: status\.hasPendingMutations is true \(createPending, updatePending\)/);

    (await backend.nextRequest("create")).resolve();
    const sent = await backend.nextRequest("update");
    expect(sent.id).toBe("srv-1");
    sent.resolve();

    await expect(create).resolves.toMatchObject({ id: "srv-1", title: "Draft" });
    await expect(edit).resolves.toEqual({ id: "srv-1", title: "Final", completed: false });
    expect(todos.store.get("srv-1")?.title).toBe("Final");
    expect(todos.store.viewKey("srv-1")).toBe(tempId);
    check();
  });

  it("keeps two new rows in the order they were made when the server answers the second first", async () => {
    const { backend, todos, check } = await setupManual();

    void todos.actions.create({ title: "First" });
    void todos.actions.create({ title: "Second" });
    const [first, second] = [await backend.nextRequest("create"), await backend.nextRequest("create")];
    second.resolve();
    first.resolve();
    await backend.settleAll();

    expect(todos.store.list.map((todo) => `${todo.id} ${todo.title}`)).toEqual(["1 One", "2 Two", "3 Three", "srv-2 First", "srv-1 Second"]);
    check();
  });
});
