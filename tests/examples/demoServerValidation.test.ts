/**
 * What the demo server refuses and how it says so (status and message), the writes it applies only
 * once per `x-mutation-id`, and the page it serves. Real server on 127.0.0.1, port 0.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BODY_LIMIT_BYTES, createDemoServer, MAX_TITLE_LENGTH, type ChangeEvent, type DemoServer } from "../../demo/server/createDemoServer";
import { MUTATION_LOG_SIZE } from "../../demo/server/db";
import { connectSocket, nextEvent, onCleanup, startDemoServer } from "./helpers";

type Answer = { status: number; body: { error?: string } & Record<string, unknown>; headers: Headers };

async function call(server: DemoServer, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...(body !== undefined && { "Content-Type": "application/json" }), ...headers },
    ...(body !== undefined && { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === "" ? {} : (JSON.parse(text) as Answer["body"]), headers: response.headers };
}

/** A raw request, for URLs fetch() would normalise or refuse to send. */
function rawGet(server: DemoServer, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${server.url}${path}`, { method: "GET" }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function signIn(server: DemoServer): Promise<Record<string, string>> {
  const { body } = await call(server, "POST", "/api/auth/sign-in", { username: "demo", password: "demo" });
  return { Authorization: `Bearer ${String(body.token)}` };
}

/** Counts the events of `type` a socket receives from now on. */
async function countEvents(server: DemoServer, type: string, auth?: { token: string }): Promise<() => number> {
  const socket = await connectSocket(server, auth);
  let count = 0;
  socket.on(type, () => count++);
  return () => count;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

describe("demo server validation", () => {
  it("answers a URL with broken percent-encoding with 400, not 500", async () => {
    const server = await startDemoServer();
    for (const path of ["/%E0%A4%A", "/api/todos/%E0%A4%A"]) {
      const answer = await rawGet(server, path);
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body)).toEqual({ error: expect.stringContaining("The URL is not valid") });
    }
  });

  it("refuses a field of the wrong type and names it", async () => {
    const server = await startDemoServer();
    const todo = await call(server, "POST", "/api/todos", { title: "Milk", completed: "yes" });
    expect(todo.status).toBe(400);
    expect(todo.body.error).toBe('Invalid request body: completed must be a boolean (got "yes").');

    const box = await call(server, "PUT", "/api/checkboxes/1", { checked: "x" });
    expect(box.status).toBe(400);
    expect(box.body.error).toBe('Invalid request body: checked must be a boolean (got "x").');
    expect(server.db.getCheckbox("1")?.checked).toBe(false);

    const toggle = await call(server, "PUT", "/api/todos/1", { completed: "true" });
    expect(toggle.status).toBe(400);
    expect(toggle.body.error).toContain("completed must be a boolean");
    expect(server.db.listTodos()).toHaveLength(3);
  });

  it("refuses bad control switches, naming every bad field, and keeps the switches as they were", async () => {
    const server = await startDemoServer();
    const answer = await call(server, "PUT", "/api/control", { delayMs: -5, failWrites: "x" });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toContain("delayMs must be 0 or more (got -5)");
    expect(answer.body.error).toContain('failWrites must be a boolean (got "x")');
    expect(server.control).toEqual({ failWrites: false, delayMs: 0 });

    const tooSlow = await call(server, "PUT", "/api/control", { delayMs: 60_000 });
    expect(tooSlow.status).toBe(400);
    expect(tooSlow.body.error).toBe("Invalid request body: delayMs must be 10000 or less (got 60000).");
    const fraction = await call(server, "PUT", "/api/control", { delayMs: 1.5 });
    expect(fraction.status).toBe(400);
    expect(fraction.body.error).toContain("delayMs must be an integer");
  });

  it("changes nothing for an empty PUT: no version bump, no broadcast", async () => {
    const server = await startDemoServer();
    const before = server.db.getTodo("1")!;
    const events = await countEvents(server, "todo_update");
    const answer = await call(server, "PUT", "/api/todos/1", {});
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual(before);
    expect(server.db.getTodo("1")).toEqual(before);

    const boxBefore = server.db.getCheckbox("1")!;
    expect((await call(server, "PUT", "/api/checkboxes/1", {})).body).toEqual(boxBefore);
    expect(server.db.getCheckbox("1")).toEqual(boxBefore);
    await settle();
    expect(events()).toBe(0);
  });

  it("answers 404 for a PUT or DELETE of an unknown id even with the fail switch on", async () => {
    const server = await startDemoServer();
    const auth = await signIn(server);
    server.control.failWrites = true;
    for (const resource of ["todos", "posts", "checkboxes"]) {
      const body = resource === "checkboxes" ? { checked: true } : { title: "x" };
      const put = await call(server, "PUT", `/api/${resource}/999`, body, auth);
      expect(put.status).toBe(404);
      expect(put.body.error).toMatch(/^(Todo|Post|Checkbox) 999 does not exist\.$/);
      const del = await call(server, "DELETE", `/api/${resource}/999`, undefined, auth);
      expect(del.status).toBe(404);
    }
    // A known id still gets the fail switch's 500.
    expect((await call(server, "DELETE", "/api/todos/1")).status).toBe(500);
    expect(server.db.getTodo("1")).toBeDefined();
  });

  it("caps titles, with the limit in the message and no more than an excerpt of the title", async () => {
    const server = await startDemoServer();
    const auth = await signIn(server);
    expect(MAX_TITLE_LENGTH).toBe(200);
    const longest = await call(server, "POST", "/api/todos", { title: "a".repeat(MAX_TITLE_LENGTH) });
    expect(longest.status).toBe(201);

    const tooLong = await call(server, "POST", "/api/todos", { title: "b".repeat(100_000) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error).toBe("Invalid request body: title must be at most 200 characters (got 100,000).");

    const rename = await call(server, "PUT", "/api/todos/1", { title: "c".repeat(201) });
    expect(rename.status).toBe(400);
    expect(rename.body.error).toContain("title must be at most 200 characters");
    const post = await call(server, "POST", "/api/posts", { title: "d".repeat(201) }, auth);
    expect(post.status).toBe(400);
    expect(server.db.listTodos()).toHaveLength(4);
  });

  it("refuses blank titles, missing titles and unknown fields", async () => {
    const server = await startDemoServer();
    expect((await call(server, "POST", "/api/todos", { title: "   " })).body.error).toBe("title must not be blank.");
    expect((await call(server, "PUT", "/api/todos/1", { title: "\t" })).body.error).toBe("title must not be blank.");
    const missing = await call(server, "POST", "/api/todos", { completed: true });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe("Invalid request body: title is required.");
    const unknown = await call(server, "PUT", "/api/todos/1", { titel: "typo" });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toBe("Invalid request body: titel is not a field of this request.");
    const notObject = await call(server, "POST", "/api/todos", [1, 2]);
    expect(notObject.status).toBe(400);
    expect(notObject.body.error).toBe("Invalid request body: body must be an object (got an array).");
    expect(server.db.getTodo("1")?.version).toBe(1);
  });

  it("answers a body over the size limit with a clear 413 JSON error", async () => {
    const server = await startDemoServer();
    const answer = await call(server, "POST", "/api/todos", { title: "x".repeat(1_100_000) });
    expect(answer.status).toBe(413);
    expect(answer.body).toEqual({ error: `The request body is larger than the server's limit of ${BODY_LIMIT_BYTES.toLocaleString("en-US")} bytes.` });
    expect(server.db.listTodos()).toHaveLength(3);
  });

  it("answers invalid JSON with 400 and a body that is not JSON with 415", async () => {
    const server = await startDemoServer();
    const bad = await call(server, "POST", "/api/todos", "{");
    expect(bad).toMatchObject({ status: 400, body: { error: "The request body is not valid JSON." } });
    const text = await fetch(`${server.url}/api/todos`, { method: "POST", headers: { "Content-Type": "application/xml" }, body: "<todo/>" });
    expect(text.status).toBe(415);
    expect(await text.json()).toEqual({ error: expect.stringContaining("JSON") });
  });

  it("answers an unknown method on a known path with a JSON 404", async () => {
    const server = await startDemoServer();
    const answer = await call(server, "PATCH", "/api/todos/1", { title: "x" });
    expect(answer).toMatchObject({ status: 404, body: { error: "No route PATCH /api/todos/1." } });
  });
});

describe("demo server mutation ids", () => {
  const receipt = (id: string) => ({ "x-mutation-id": id, "x-origin-id": "tab-1" });

  it("answers a repeated create with the first answer and creates nothing twice", async () => {
    const server = await startDemoServer();
    const events = await countEvents(server, "todo_update");
    const first = await call(server, "POST", "/api/todos", { title: "Once" }, receipt("m-1"));
    const again = await call(server, "POST", "/api/todos", { title: "Once" }, receipt("m-1"));
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get("x-mutation-replayed")).toBe("true");
    expect(first.headers.get("x-mutation-replayed")).toBeNull();
    expect(server.db.listTodos().filter((todo) => todo.title === "Once")).toHaveLength(1);
    await settle();
    expect(events()).toBe(1);
  });

  it("does not apply a repeated update, even with another body", async () => {
    const server = await startDemoServer();
    const first = await call(server, "PUT", "/api/todos/1", { title: "First" }, receipt("m-2"));
    const again = await call(server, "PUT", "/api/todos/1", { title: "Second" }, receipt("m-2"));
    expect(again.body).toEqual(first.body);
    expect(server.db.getTodo("1")).toMatchObject({ title: "First", version: 2 });
  });

  it("applies once when the copy arrives while the first is still being handled", async () => {
    const server = await startDemoServer();
    server.control.delayMs = 50;
    const [a, b] = await Promise.all([
      call(server, "POST", "/api/todos", { title: "Racing" }, receipt("m-3")),
      call(server, "POST", "/api/todos", { title: "Racing" }, receipt("m-3")),
    ]);
    expect(a.body).toEqual(b.body);
    expect(server.db.listTodos().filter((todo) => todo.title === "Racing")).toHaveLength(1);
  });

  it("does not record refused writes, so the same id may be sent again", async () => {
    const server = await startDemoServer();
    server.control.failWrites = true;
    expect((await call(server, "DELETE", "/api/todos/2", undefined, receipt("m-4"))).status).toBe(500);
    server.control.failWrites = false;
    const retried = await call(server, "DELETE", "/api/todos/2", undefined, receipt("m-4"));
    expect(retried).toMatchObject({ status: 200, body: { id: "2" } });
    expect(retried.headers.get("x-mutation-replayed")).toBeNull();
    expect(server.db.getTodo("2")).toBeUndefined();
    // Deleted once; the replay answers 200 again instead of 404.
    expect((await call(server, "DELETE", "/api/todos/2", undefined, receipt("m-4"))).status).toBe(200);
  });

  it("refuses an id that was used for another request", async () => {
    const server = await startDemoServer();
    await call(server, "PUT", "/api/checkboxes/1", { checked: true }, receipt("m-5"));
    const reused = await call(server, "PUT", "/api/checkboxes/2", { checked: true }, receipt("m-5"));
    expect(reused.status).toBe(409);
    expect(reused.body.error).toBe("Mutation id m-5 was already used for PUT /api/checkboxes/1; send a new id for PUT /api/checkboxes/2.");
    expect(server.db.getCheckbox("2")?.checked).toBe(false);
  });

  it("lists the applied mutation ids in the order the writes were applied, without refused ones or replays", async () => {
    const server = await startDemoServer();
    await call(server, "POST", "/api/todos", { title: "First" }, receipt("m-6"));
    await call(server, "PUT", "/api/todos/1", { completed: true }, receipt("m-7"));
    await call(server, "POST", "/api/todos", { title: "First" }, receipt("m-6"));
    server.control.failWrites = true;
    await call(server, "DELETE", "/api/todos/2", undefined, receipt("m-8"));
    expect(server.db.listMutations()).toEqual([
      { mutationId: "m-6", route: "POST /api/todos" },
      { mutationId: "m-7", route: "PUT /api/todos/1" },
    ]);
  });

  it("remembers the last MUTATION_LOG_SIZE writes and forgets older ones", async () => {
    const server = await startDemoServer();
    for (let i = 0; i <= MUTATION_LOG_SIZE; i++) server.db.recordMutation(`bulk-${i}`, { route: "POST /api/todos", status: 201, body: { i } });
    expect(server.db.findMutation("bulk-0")).toBeUndefined();
    expect(server.db.findMutation("bulk-1")).toEqual({ route: "POST /api/todos", status: 201, body: { i: 1 } });
    expect(server.db.findMutation(`bulk-${MUTATION_LOG_SIZE}`)).toBeDefined();
  });

  it("shares the record between server processes using one database file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "demo-db-"));
    onCleanup(() => rmSync(dir, { recursive: true, force: true }));
    const dbPath = join(dir, "shared.sqlite");
    const a = await createDemoServer({ dbPath });
    onCleanup(() => a.close());
    const b = await createDemoServer({ dbPath });
    onCleanup(() => b.close());
    const first = await call(a, "POST", "/api/todos", { title: "Shared" }, receipt("m-6"));
    const again = await call(b, "POST", "/api/todos", { title: "Shared" }, receipt("m-6"));
    expect(again.body).toEqual(first.body);
    expect(b.db.listTodos().filter((todo) => todo.title === "Shared")).toHaveLength(1);
  });

  it("still broadcasts the receipt of the write it applied", async () => {
    const server = await startDemoServer();
    const socket = await connectSocket(server);
    const received = nextEvent<ChangeEvent>(socket, "checkbox_update");
    await call(server, "PUT", "/api/checkboxes/3", { checked: true }, receipt("m-7"));
    expect(await received).toMatchObject({ event: "UPDATE", mutationId: "m-7", originId: "tab-1" });
  });
});

describe("demo server page", () => {
  function builtPage(): string {
    const dir = mkdtempSync(join(tmpdir(), "demo-client-"));
    onCleanup(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, "assets"));
    writeFileSync(join(dir, "index.html"), "<!doctype html><title>demo</title>");
    writeFileSync(join(dir, "assets", "app-123.js"), "console.log(1)");
    return dir;
  }

  it("serves the built page, its assets cached for good, and the page for any other path", async () => {
    const server = await createDemoServer({ clientDir: builtPage() });
    onCleanup(() => server.close());
    const index = await fetch(`${server.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get("content-type")).toContain("text/html");
    expect(index.headers.get("cache-control")).toBe("no-cache");
    expect(await index.text()).toContain("<title>demo</title>");

    const asset = await fetch(`${server.url}/assets/app-123.js`);
    expect(asset.headers.get("content-type")).toContain("javascript");
    expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");

    expect(await (await fetch(`${server.url}/some/page`)).text()).toContain("<title>demo</title>");
    const outside = await rawGet(server, "/..%2f..%2fetc%2fpasswd");
    expect(outside.body).not.toContain("root:");
    const api = await fetch(`${server.url}/api/todos`);
    expect(api.headers.get("cache-control")).toBe("no-store");
  });

  it("explains how to build the page when it is not built", async () => {
    const server = await startDemoServer();
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("npm run demo");
  });
});
