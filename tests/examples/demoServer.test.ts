import { describe, expect, it } from "vitest";
import type { ChangeEvent } from "../../demo/server/createDemoServer";
import { createDemoServer } from "../../demo/server/createDemoServer";
import { connectSocket, nextEvent, startDemoServer } from "./helpers";

const json = (body: unknown) => ({ headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

describe("demo server", () => {
  it("broadcasts every write with the browser id and receipt from the request headers", async () => {
    const server = await startDemoServer();
    const socket = await connectSocket(server);
    const received = nextEvent<ChangeEvent>(socket, "todo_update");
    const response = await fetch(`${server.url}/api/todos`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "x-browser-id": "b1", "x-mutation-id": "m1", "x-origin-id": "o1" },
      body: JSON.stringify({ title: "Hi" }),
    });
    const todo = (await response.json()) as { id: string };
    expect(response.status).toBe(201);
    expect(await received).toEqual({ type: "todo_update", event: "INSERT", data: todo, browserId: "b1", mutationId: "m1", originId: "o1" });

    const deleted = nextEvent<ChangeEvent>(socket, "todo_update");
    await fetch(`${server.url}/api/todos/${todo.id}`, { method: "DELETE" });
    expect(await deleted).toEqual({ type: "todo_update", event: "DELETE", data: { id: todo.id } });
  });

  it("sends post events only to sockets that connected with a valid token", async () => {
    const server = await startDemoServer();
    const session = (await (await fetch(`${server.url}/api/auth/sign-in`, { method: "POST", ...json({ username: "demo", password: "demo" }) })).json()) as {
      token: string;
    };
    const signedIn = await connectSocket(server, { token: session.token });
    const anonymous = await connectSocket(server);
    let leaked = false;
    anonymous.on("post_update", () => (leaked = true));
    const received = nextEvent<ChangeEvent<{ title: string }>>(signedIn, "post_update");

    const unauthorized = await fetch(`${server.url}/api/posts`, { method: "POST", ...json({ title: "x" }) });
    expect(unauthorized.status).toBe(401);
    await fetch(`${server.url}/api/posts`, { method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${session.token}` }, body: JSON.stringify({ title: "Secret" }) });
    expect((await received).data.title).toBe("Secret");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(leaked).toBe(false);
  });

  it("keeps each account's posts to itself: its list, 404 for another's post, events only to its own sockets", async () => {
    const server = await startDemoServer();
    const signIn = async (username: string) =>
      ((await (await fetch(`${server.url}/api/auth/sign-in`, { method: "POST", ...json({ username, password: username }) })).json()) as { token: string }).token;
    const [demo, alex] = [await signIn("demo"), await signIn("alex")];
    const as = (token: string, body?: unknown): RequestInit =>
      body === undefined
        ? { headers: { Authorization: `Bearer ${token}` } }
        : { headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` }, body: JSON.stringify(body) };
    const titles = async (token: string) => ((await (await fetch(`${server.url}/api/posts`, as(token))).json()) as { title: string }[]).map((post) => post.title);
    expect(await titles(demo)).toEqual(["Welcome", "Optimistic by default"]);
    expect(await titles(alex)).toEqual(["Alex's notes"]);

    const demoSocket = await connectSocket(server, { token: demo });
    let leaked = false;
    demoSocket.on("post_update", () => (leaked = true));
    const alexSocket = await connectSocket(server, { token: alex });
    const received = nextEvent<ChangeEvent<{ title: string; author: string }>>(alexSocket, "post_update");
    const created = await fetch(`${server.url}/api/posts`, { method: "POST", ...as(alex, { title: "Mine only" }) });
    expect(created.status).toBe(201);
    expect((await received).data).toMatchObject({ title: "Mine only", author: "Alex" });
    expect(await titles(demo)).toEqual(["Welcome", "Optimistic by default"]);

    const welcome = server.db.listPosts("demo")[0]!;
    expect((await fetch(`${server.url}/api/posts/${welcome.id}`, { method: "PUT", ...as(alex, { title: "Hijacked" }) })).status).toBe(404);
    expect((await fetch(`${server.url}/api/posts/${welcome.id}`, { method: "DELETE", ...as(alex) })).status).toBe(404);
    expect(server.db.getPost(welcome.id, "demo")?.title).toBe("Welcome");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(leaked).toBe(false);
  });

  it("refuses a PUT whose If-Match is not the current version, with the current todo", async () => {
    const server = await startDemoServer();
    const stale = await fetch(`${server.url}/api/todos/1`, { method: "PUT", headers: { "Content-Type": "application/json", "If-Match": "0" }, body: JSON.stringify({ title: "x" }) });
    expect(stale.status).toBe(409);
    expect(await stale.json()).toMatchObject({ current: { id: "1", version: 1 } });
    const fresh = await fetch(`${server.url}/api/todos/1`, { method: "PUT", headers: { "Content-Type": "application/json", "If-Match": '"1"' }, body: JSON.stringify({ title: "x" }) });
    expect(await fresh.json()).toMatchObject({ id: "1", title: "x", version: 2 });
  });

  it("answers the later of two slow updates made on one version with 409 and the row the first wrote, and broadcasts only the first", async () => {
    const server = await startDemoServer();
    const socket = await connectSocket(server);
    let events = 0;
    socket.on("todo_update", () => events++);
    server.control.delayMs = 50;
    const put = (title: string) => fetch(`${server.url}/api/todos/1`, { method: "PUT", headers: { "Content-Type": "application/json", "If-Match": "1" }, body: JSON.stringify({ title }) });
    const first = put("Tab A");
    await new Promise((resolve) => setTimeout(resolve, 10));
    const [won, lost] = await Promise.all([first, put("Tab B")]);
    expect(won.status).toBe(200);
    expect(lost.status).toBe(409);
    expect(await lost.json()).toMatchObject({ error: expect.stringContaining("changed since version 1"), current: { id: "1", title: "Tab A", version: 2 } });
    expect(server.db.getTodo("1")).toMatchObject({ title: "Tab A", version: 2 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(events).toBe(1);
  });

  it("does not record a 409 under its mutation id: the same id sent again on the current version is applied", async () => {
    const server = await startDemoServer();
    const put = (version: string) =>
      fetch(`${server.url}/api/todos/1`, { method: "PUT", headers: { "Content-Type": "application/json", "If-Match": version, "x-mutation-id": "m-409" }, body: JSON.stringify({ completed: true }) });
    expect((await put("7")).status).toBe(409);
    const resent = await put("1");
    expect(resent.status).toBe(200);
    expect(resent.headers.get("x-mutation-replayed")).toBeNull();
    expect(server.db.getTodo("1")).toMatchObject({ completed: true, version: 2 });
  });

  it("answers a stale If-Match with 409 even while the fail switch is on, and writes nothing", async () => {
    const server = await startDemoServer();
    server.control.failWrites = true;
    const stale = await fetch(`${server.url}/api/todos/2`, { method: "PUT", headers: { "Content-Type": "application/json", "If-Match": "0" }, body: JSON.stringify({ title: "x" }) });
    expect(stale.status).toBe(409);
    expect(server.db.getTodo("2")).toMatchObject({ title: "Open this page in a second tab", version: 1 });
  });

  it("fails or delays writes while the control switches are on, and changes nothing", async () => {
    const server = await startDemoServer();
    const control = await fetch(`${server.url}/api/control`, { method: "PUT", ...json({ failWrites: true, delayMs: 30 }) });
    expect(await control.json()).toEqual({ failWrites: true, delayMs: 30 });
    const started = Date.now();
    const refused = await fetch(`${server.url}/api/checkboxes/1`, { method: "PUT", ...json({ checked: true }) });
    expect(refused.status).toBe(500);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(server.db.listCheckboxes()[0]?.checked).toBe(false);
    const reads = await fetch(`${server.url}/api/checkboxes`);
    expect(reads.status).toBe(200);
  });

  it("puts the seed data back on reset", async () => {
    const server = await startDemoServer();
    server.db.deleteTodo("1");
    await fetch(`${server.url}/api/reset`, { method: "POST" });
    expect(server.db.listTodos().map((todo) => todo.id)).toEqual(["1", "2", "3"]);
    expect(server.db.listCheckboxes()).toHaveLength(32);
  });

  it("answers unknown API routes and bad bodies with JSON errors", async () => {
    const server = await startDemoServer();
    const missing = await fetch(`${server.url}/api/nothing`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: expect.stringContaining("No route") });
    const bad = await fetch(`${server.url}/api/todos`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{" });
    expect(bad.status).toBe(400);
    const empty = await fetch(`${server.url}/api/todos`, { method: "POST", ...json({ title: " " }) });
    expect(empty.status).toBe(400);
  });

  it("fails at once with a clear error when REDIS_URL points at no Redis", async () => {
    await expect(createDemoServer({ redisUrl: "redis://127.0.0.1:1" })).rejects.toThrow(/Could not connect to Redis at redis:\/\/127\.0\.0\.1:1/);
  });
});
