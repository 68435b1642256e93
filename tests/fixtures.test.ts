import { afterEach, describe, expect, it, vi } from "vitest";
import {
  closeClient,
  connectClient,
  createClient,
  createTestApi,
  HttpError,
  nextEvent,
  startTestServer,
  type ChangeEvent,
  type TestServer,
  type TestServerOptions,
} from "./__fixtures__";

interface Todo {
  id: string;
  title: string;
  done?: boolean;
  [field: string]: unknown;
}

let servers: TestServer<Todo>[] = [];

async function start(options: TestServerOptions<Todo> = {}): Promise<TestServer<Todo>> {
  const server = await startTestServer<Todo>(options);
  servers.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()));
  servers = [];
});

function openTcpHandles(): number {
  return process.getActiveResourcesInfo().filter((name) => name.startsWith("TCP")).length;
}

describe("test server REST", () => {
  it("creates, lists, updates and removes rows with server-assigned ids", async () => {
    const server = await start({ resource: "todos", idPrefix: "t" });
    const api = createTestApi<Todo>(server);

    const a = await api.mutations.create({ title: "a" });
    const b = await api.mutations.create({ title: "b", id: "client-id" });
    expect([a.id, b.id]).toEqual(["t1", "t2"]);

    const updated = await api.mutations.update({ id: "t1", data: { done: true } });
    expect(updated).toEqual({ id: "t1", title: "a", done: true });
    expect(await api.mutations.remove("t2")).toEqual({ id: "t2" });
    expect(await api.queryFn()).toEqual([{ id: "t1", title: "a", done: true }]);
    expect(server.rows()).toEqual([{ id: "t1", title: "a", done: true }]);
  });

  it("answers 404 with an error the client raises with status and text", async () => {
    const server = await start();
    const api = createTestApi<Todo>(server);

    const error: unknown = await api.mutations.update({ id: "9", data: { title: "x" } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 404, message: "PUT /items/9 failed: 404 Not found: /items/9" });
    await expect(api.mutations.remove("9")).rejects.toMatchObject({ status: 404 });
  });

  it("keeps rows in insertion order and stamps version and updatedAt when versioned", async () => {
    const server = await start({ versioned: true, seed: [{ id: "b", title: "B" }, { title: "new" }] });
    const api = createTestApi<Todo>(server);

    const first = server.row("b");
    const updated = await api.mutations.update({ id: "b", data: { title: "B2" } });
    expect(server.rows().map((row) => row.id)).toEqual(["b", "1"]);
    expect(first?.version).toBe(1);
    expect(updated.version).toBe(2);
    expect(Date.parse(String(updated.updatedAt))).toBeGreaterThan(Date.parse(String(first?.updatedAt)));
  });

  it("rejects requests without the bearer token when auth is set", async () => {
    const server = await start({ auth: "secret" });

    await expect(createTestApi<Todo>(server).queryFn()).rejects.toMatchObject({ status: 401 });
    await expect(createTestApi<Todo>(server, { token: "secret" }).queryFn()).resolves.toEqual([]);
  });

  it("logs each request with its body and the receipt and browser headers", async () => {
    const server = await start();
    const api = createTestApi<Todo>(server, { browserId: "browser-1" });

    await api.mutations.create({ title: "a" }, { mutationId: "m1", originId: "o1" });
    const [request] = server.requests;
    expect(request).toMatchObject({ method: "POST", path: "/items", body: { title: "a" } });
    expect(request?.headers).toMatchObject({ "x-browser-id": "browser-1", "x-mutation-id": "m1", "x-origin-id": "o1" });
  });
});

describe("test server fault injection", () => {
  it("fails an intercepted write with the given status and leaves the table unchanged", async () => {
    const server = await start({ seed: [{ id: "1", title: "a" }] });
    const api = createTestApi<Todo>(server);
    const rule = server.intercept({ method: "PUT", path: "/items/1" }, { status: 500, body: { error: "boom" } });

    await expect(api.mutations.update({ id: "1", data: { title: "b" } })).rejects.toThrow("500 boom");
    expect(server.rows()).toEqual([{ id: "1", title: "a" }]);
    expect(rule.hits).toBe(1);
    // times defaults to 1: the next request goes through.
    await expect(api.mutations.update({ id: "1", data: { title: "b" } })).resolves.toMatchObject({ title: "b" });
  });

  it("completes two held requests in the order the test releases them", async () => {
    const server = await start({ seed: [{ id: "1", title: "a" }] });
    const api = createTestApi<Todo>(server);
    const first = server.hold({ method: "PUT" });
    const second = server.hold({ method: "PUT" });
    const completed: string[] = [];

    const one = api.mutations.update({ id: "1", data: { title: "one" } }).then((row) => completed.push(row.title));
    await first.arrived;
    const two = api.mutations.update({ id: "1", data: { title: "two" } }).then((row) => completed.push(row.title));
    await second.arrived;
    expect(server.rows()).toEqual([{ id: "1", title: "a" }]);

    await second.release();
    await two;
    expect(completed).toEqual(["two"]);
    await first.release();
    await one;
    expect(completed).toEqual(["two", "one"]);
    // Default applyAt "release": the write happens at release, so the last released wins.
    expect(server.rows()).toEqual([{ id: "1", title: "one" }]);
  });

  it("applies a held write at arrival with applyAt request, even when the response then fails", async () => {
    const server = await start({ seed: [{ id: "1", title: "a" }] });
    const api = createTestApi<Todo>(server);
    const gate = server.hold({ method: "PUT" }, { applyAt: "request" });

    const result = api.mutations.update({ id: "1", data: { title: "b" } }).catch((e: unknown) => e);
    await gate.arrived;
    expect(server.rows()).toEqual([{ id: "1", title: "b" }]);
    await gate.fail(503);
    expect(await result).toMatchObject({ status: 503 });
  });

  it("returns the snapshot taken at arrival for a GET held with applyAt request", async () => {
    const server = await start({ seed: [{ id: "1", title: "old" }] });
    const gate = server.hold({ method: "GET" }, { applyAt: "request" });

    const list = createTestApi<Todo>(server).queryFn();
    await gate.arrived;
    server.serverUpdate("1", { title: "new" });
    await gate.release();
    expect(await list).toEqual([{ id: "1", title: "old" }]);
  });

  it("delays a matched request by delayMs", async () => {
    const server = await start();
    server.intercept({ path: "/items" }, { delayMs: 50 });

    const startedAt = Date.now();
    await createTestApi<Todo>(server).queryFn();
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(45);
  });
});

describe("test server realtime", () => {
  it("broadcasts a REST write with the browser, mutation and origin ids from its headers", async () => {
    const server = await start({ realtime: { eventType: "todo_update" } });
    const socket = await connectClient(server);
    const received = nextEvent(socket, "todo_update");

    const api = createTestApi<Todo>(server, { browserId: "b1" });
    const row = await api.mutations.create({ title: "a" }, { mutationId: "m1", originId: "o1" });
    const [event] = await received;
    expect(event).toEqual({
      type: "todo_update",
      event: "INSERT",
      data: row,
      browserId: "b1",
      mutationId: "m1",
      originId: "o1",
    });
  });

  it("broadcasts changes made by another client, except silent ones", async () => {
    const server = await start();
    const socket = await connectClient(server);
    const events: ChangeEvent<Todo>[] = [];
    socket.on(server.eventType, (event: ChangeEvent<Todo>) => events.push(event));

    const row = server.serverInsert({ title: "a" });
    server.serverUpdate(row.id, { title: "b" }, { originId: "other" });
    server.serverUpdate(row.id, { title: "hidden" }, { silent: true });
    server.serverDelete(row.id);
    await vi.waitFor(() => expect(events).toHaveLength(3));

    expect(events.map((e) => [e.event, e.data])).toEqual([
      ["INSERT", { id: "1", title: "a" }],
      ["UPDATE", { id: "1", title: "b" }],
      ["DELETE", { id: "1" }],
    ]);
    expect(events[1]?.originId).toBe("other");
    expect(server.events).toEqual(events);
  });

  it("sends raw and burst events in order", async () => {
    const server = await start();
    const socket = await connectClient(server);
    const received: unknown[] = [];
    socket.on(server.eventType, (payload: unknown) => received.push(payload));
    const raw = nextEvent(socket, "anything");

    server.emitRaw("anything", { malformed: true }, 2);
    server.emitBurst(100, (i) => ({ i }));
    expect(await raw).toEqual([{ malformed: true }, 2]);
    await vi.waitFor(() => expect(received).toHaveLength(100));
    expect(received.at(-1)).toEqual({ i: 99 });
  });

  it("drops clients so that they reconnect on their own", async () => {
    const server = await start();
    const socket = await connectClient(server);
    const reasons: string[] = [];
    socket.on("disconnect", (reason) => reasons.push(reason));

    const reconnected = nextEvent(socket, "connect");
    server.disconnectAllClients();
    await reconnected;
    expect(reasons).toEqual(["transport close"]);
    expect(socket.connected).toBe(true);
    await vi.waitFor(() => expect(server.clientCount()).toBe(1));
  });

  it("keeps clients disconnected when dropped with allowReconnect false", async () => {
    const server = await start();
    const socket = await connectClient(server);

    const disconnected = nextEvent(socket, "disconnect");
    server.disconnectAllClients({ allowReconnect: false });
    expect(await disconnected).toEqual(["io server disconnect", undefined]);
    expect(socket.active).toBe(false);
  });
});

describe("test server close", () => {
  it("closes the server, its clients and all connections, even with a request still held", async () => {
    // Earlier tests closed their servers: nothing of theirs is still open.
    await vi.waitFor(() => expect(openTcpHandles()).toBe(0));
    const server = await start();
    const socket = await connectClient(server);
    const idle = createClient(server, { autoConnect: false });
    await createTestApi<Todo>(server).queryFn();
    const gate = server.hold({ method: "GET" });
    const held = createTestApi<Todo>(server).queryFn().catch((e: unknown) => e);
    await gate.arrived;

    await server.close();
    await server.close();
    expect(await held).toBeInstanceOf(Error);
    expect(socket.connected).toBe(false);
    expect(socket.active).toBe(false);
    expect(idle.active).toBe(false);
    await expect(fetch(`${server.url}/items`)).rejects.toThrow();
    await vi.waitFor(() => expect(openTcpHandles()).toBe(0));
    closeClient(socket);
  });
});
