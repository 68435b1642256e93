/**
 * The demo server: a REST API over SQLite, a socket.io server that broadcasts every write, and the
 * built demo page. Plain `node:http`, so the whole API is readable in this one file.
 *
 * REST (JSON; ids are strings):
 *   GET/POST /api/todos, PUT/DELETE /api/todos/:id       PUT accepts `If-Match: <version>` (409 on mismatch)
 *   GET/POST /api/posts, PUT/DELETE /api/posts/:id       need `Authorization: Bearer <token>`
 *   GET/POST /api/checkboxes, PUT/DELETE /api/checkboxes/:id
 *   POST /api/auth/sign-in {username, password} -> {token, user}; POST /api/auth/sign-out; GET /api/auth/me
 *   GET/PUT /api/control {failWrites, delayMs}: make writes fail (500) or slow, to watch rollbacks
 *   POST /api/reset: put the seed data back
 *
 * Realtime: after every write, `{ type, event, data, browserId, mutationId, originId }` is emitted
 * under `type` ("todo_update", "post_update", "checkbox_update"); the last three fields are copied
 * from the `x-browser-id`, `x-mutation-id` and `x-origin-id` request headers. Post events go only to
 * sockets that connected with a valid token (`io(url, { auth: { token } })`).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { readFile, stat } from "node:fs/promises";
import type { AddressInfo, Socket as NetSocket } from "node:net";
import { extname, join, normalize, resolve, sep } from "node:path";
import { Server as SocketIOServer } from "socket.io";
import { openDatabase, type DemoDatabase, type User } from "./db";

export interface DemoServerOptions {
  /** Port to listen on (default 0: any free port). */
  port?: number;
  /** Interface to listen on (default `127.0.0.1`). */
  host?: string;
  /** SQLite file, shared by every process given the same path (default `":memory:"`). */
  dbPath?: string;
  /** With a Redis URL, socket.io broadcasts go through Redis to every server process using it. */
  redisUrl?: string;
  /** Called when an established Redis connection fails (the clients keep reconnecting). */
  onRedisError?: (error: Error) => void;
  /** Folder of the built demo page (`demo/dist/client`); without it `/` explains how to build it. */
  clientDir?: string;
}

/** Server-side switches that make writes fail or slow down (per process). */
export interface DemoControl {
  /** Answer every write with 500 and change nothing. */
  failWrites: boolean;
  /** Wait this long (ms) before handling a write. */
  delayMs: number;
}

export interface DemoServer {
  /** e.g. `http://127.0.0.1:3000` (no trailing slash). */
  readonly url: string;
  readonly port: number;
  readonly io: SocketIOServer;
  readonly db: DemoDatabase;
  /** The live switches; tests may set them directly. */
  readonly control: DemoControl;
  /** Closes sockets, the HTTP server, Redis clients and the database. Idempotent. */
  close(): Promise<void>;
}

export type ChangeKind = "INSERT" | "UPDATE" | "DELETE";

/** What the server broadcasts after a write. */
export interface ChangeEvent<T = unknown> {
  type: string;
  event: ChangeKind;
  data: T;
  browserId?: string;
  mutationId?: string;
  originId?: string;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const MAX_DELAY_MS = 10_000;
const AUTH_ROOM = "authenticated";

export async function createDemoServer(options: DemoServerOptions = {}): Promise<DemoServer> {
  const db = openDatabase(options.dbPath ?? ":memory:");
  const control: DemoControl = { failWrites: false, delayMs: 0 };
  const clientDir = options.clientDir ? resolve(options.clientDir) : undefined;

  const http = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => sendError(res, error));
  });
  const io = new SocketIOServer(http, { serveClient: false });
  const redisClients: { close(): Promise<void> }[] = [];
  if (options.redisUrl) {
    const [{ createClient }, { createAdapter }] = await Promise.all([import("redis"), import("@socket.io/redis-adapter")]);
    let connected = false;
    const pub = createClient({
      url: options.redisUrl,
      // Fail at once if Redis is not there at start; once connected, keep trying to reconnect.
      socket: { reconnectStrategy: (retries, cause) => (connected ? Math.min(100 * 2 ** retries, 3000) : cause) },
    });
    const sub = pub.duplicate();
    // Without a listener, a lost Redis connection would crash the process.
    const onRedisError = (error: Error) => {
      if (connected) options.onRedisError?.(error);
    };
    pub.on("error", onRedisError);
    sub.on("error", onRedisError);
    try {
      await Promise.all([pub.connect(), sub.connect()]);
    } catch (error) {
      for (const client of [pub, sub]) if (client.isOpen) client.destroy();
      db.close();
      throw new Error(`Could not connect to Redis at ${options.redisUrl}: ${(error as Error).message}`, { cause: error });
    }
    connected = true;
    redisClients.push(pub, sub);
    io.adapter(createAdapter(pub, sub));
  }

  io.on("connection", (socket) => {
    const token: unknown = socket.handshake.auth?.token;
    if (typeof token === "string" && db.userForToken(token)) void socket.join(AUTH_ROOM);
  });

  const broadcast = <T>(type: string, event: ChangeKind, data: T, req: IncomingMessage, room?: string) => {
    const payload: ChangeEvent<T> = { type, event, data };
    const browserId = header(req, "x-browser-id");
    const mutationId = header(req, "x-mutation-id");
    const originId = header(req, "x-origin-id");
    if (browserId) payload.browserId = browserId;
    if (mutationId) payload.mutationId = mutationId;
    if (originId) payload.originId = originId;
    (room ? io.to(room) : io).emit(type, payload);
  };

  /** Runs before every write: the demo's fault switches. */
  const beforeWrite = async () => {
    if (control.delayMs > 0) await new Promise((done) => setTimeout(done, control.delayMs));
    if (control.failWrites) throw new HttpError(500, "The server refused the change (the demo's fail switch is on).");
  };

  const requireUser = (req: IncomingMessage): User => {
    const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? "");
    const user = match ? db.userForToken(match[1]!) : undefined;
    if (!user) throw new HttpError(401, "Sign in first: send Authorization: Bearer <token> from POST /api/auth/sign-in.");
    return user;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const path = url.pathname;
    const method = req.method ?? "GET";
    if (!path.startsWith("/api/")) return serveClient(res, path);

    const [, , resource, id, ...rest] = path.split("/");
    if (rest.length > 0) throw new HttpError(404, `No route ${method} ${path}.`);

    switch (resource) {
      case "health":
        return send(res, 200, { ok: true, pid: process.pid });
      case "control": {
        if (method === "PUT") {
          const body = await readBody(req);
          if (typeof body.failWrites === "boolean") control.failWrites = body.failWrites;
          if (typeof body.delayMs === "number" && body.delayMs >= 0) control.delayMs = Math.min(body.delayMs, MAX_DELAY_MS);
          io.emit("control_update", { ...control });
        } else if (method !== "GET") break;
        return send(res, 200, { ...control });
      }
      case "reset":
        if (method !== "POST") break;
        db.reset();
        io.emit("demo_reset", {});
        return send(res, 200, { ok: true });
      case "auth":
        return handleAuth(req, res, method, id);
      case "todos":
        return handleTodos(req, res, method, id);
      case "posts":
        return handlePosts(req, res, method, id);
      case "checkboxes":
        return handleCheckboxes(req, res, method, id);
    }
    throw new HttpError(404, `No route ${method} ${path}.`);
  }

  async function handleAuth(req: IncomingMessage, res: ServerResponse, method: string, action?: string): Promise<void> {
    if (method === "POST" && action === "sign-in") {
      const body = await readBody(req);
      const session = db.signIn(String(body.username ?? ""), String(body.password ?? ""));
      if (!session) throw new HttpError(401, "Wrong username or password (the demo account is demo / demo).");
      return send(res, 200, session);
    }
    if (method === "POST" && action === "sign-out") {
      const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? "");
      if (match) db.signOut(match[1]!);
      return send(res, 204);
    }
    if (method === "GET" && action === "me") return send(res, 200, { user: requireUser(req) });
    throw new HttpError(404, `No route ${method} /api/auth/${action ?? ""}.`);
  }

  async function handleTodos(req: IncomingMessage, res: ServerResponse, method: string, id?: string): Promise<void> {
    if (id === undefined) {
      if (method === "GET") return send(res, 200, db.listTodos());
      if (method === "POST") {
        const body = await readBody(req);
        const title = requireTitle(body.title);
        await beforeWrite();
        const todo = db.createTodo({ title, completed: body.completed === true });
        broadcast("todo_update", "INSERT", todo, req);
        return send(res, 201, todo);
      }
    } else if (method === "PUT") {
      const body = await readBody(req);
      const patch = {
        ...(body.title !== undefined && { title: requireTitle(body.title) }),
        ...(typeof body.completed === "boolean" && { completed: body.completed }),
      };
      await beforeWrite();
      const current = db.getTodo(id);
      if (!current) throw new HttpError(404, `Todo ${id} does not exist.`);
      const expected = header(req, "if-match");
      if (expected !== undefined && expected.replace(/^W\//, "").replace(/"/g, "") !== String(current.version)) {
        throw new HttpError(409, `Todo ${id} changed since version ${expected}; it is now at version ${current.version}.`, { current });
      }
      const todo = db.updateTodo(id, patch)!;
      broadcast("todo_update", "UPDATE", todo, req);
      return send(res, 200, todo);
    } else if (method === "DELETE") {
      await beforeWrite();
      if (!db.deleteTodo(id)) throw new HttpError(404, `Todo ${id} does not exist.`);
      broadcast("todo_update", "DELETE", { id }, req);
      return send(res, 200, { id });
    }
    throw new HttpError(405, `${method} is not supported here.`);
  }

  async function handlePosts(req: IncomingMessage, res: ServerResponse, method: string, id?: string): Promise<void> {
    const user = requireUser(req);
    if (id === undefined) {
      if (method === "GET") return send(res, 200, db.listPosts());
      if (method === "POST") {
        const body = await readBody(req);
        const title = requireTitle(body.title);
        await beforeWrite();
        const post = db.createPost({ title, body: typeof body.body === "string" ? body.body : "" }, user.name);
        broadcast("post_update", "INSERT", post, req, AUTH_ROOM);
        return send(res, 201, post);
      }
    } else if (method === "PUT") {
      const body = await readBody(req);
      const patch = {
        ...(body.title !== undefined && { title: requireTitle(body.title) }),
        ...(typeof body.body === "string" && { body: body.body }),
      };
      await beforeWrite();
      const post = db.updatePost(id, patch);
      if (!post) throw new HttpError(404, `Post ${id} does not exist.`);
      broadcast("post_update", "UPDATE", post, req, AUTH_ROOM);
      return send(res, 200, post);
    } else if (method === "DELETE") {
      await beforeWrite();
      if (!db.deletePost(id)) throw new HttpError(404, `Post ${id} does not exist.`);
      broadcast("post_update", "DELETE", { id }, req, AUTH_ROOM);
      return send(res, 200, { id });
    }
    throw new HttpError(405, `${method} is not supported here.`);
  }

  async function handleCheckboxes(req: IncomingMessage, res: ServerResponse, method: string, id?: string): Promise<void> {
    if (id === undefined) {
      if (method === "GET") return send(res, 200, db.listCheckboxes());
      if (method === "POST") {
        const body = await readBody(req);
        await beforeWrite();
        const box = db.createCheckbox({
          checked: body.checked === true,
          ...(typeof body.position === "number" && { position: body.position }),
        });
        broadcast("checkbox_update", "INSERT", box, req);
        return send(res, 201, box);
      }
    } else if (method === "PUT") {
      const body = await readBody(req);
      await beforeWrite();
      const box = db.updateCheckbox(id, typeof body.checked === "boolean" ? { checked: body.checked } : {});
      if (!box) throw new HttpError(404, `Checkbox ${id} does not exist.`);
      broadcast("checkbox_update", "UPDATE", box, req);
      return send(res, 200, box);
    } else if (method === "DELETE") {
      await beforeWrite();
      if (!db.deleteCheckbox(id)) throw new HttpError(404, `Checkbox ${id} does not exist.`);
      broadcast("checkbox_update", "DELETE", { id }, req);
      return send(res, 200, { id });
    }
    throw new HttpError(405, `${method} is not supported here.`);
  }

  async function serveClient(res: ServerResponse, path: string): Promise<void> {
    if (!clientDir) {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end("<!doctype html><p>The demo page is not built. Run <code>npm run demo</code>.</p>");
      return;
    }
    const file = normalize(join(clientDir, decodeURIComponent(path)));
    const inside = file.startsWith(clientDir + sep);
    const isFile = inside && (await stat(file).catch(() => undefined))?.isFile();
    const target = isFile ? file : join(clientDir, "index.html");
    const body = await readFile(target).catch(() => undefined);
    if (!body) throw new HttpError(404, "The demo page is missing; run npm run demo to build it.");
    res.writeHead(200, {
      "content-type": CONTENT_TYPES[extname(target)] ?? "application/octet-stream",
      "cache-control": target.includes(`${join(clientDir, "assets")}`) ? "public, max-age=31536000, immutable" : "no-cache",
    });
    res.end(body);
  }

  // Track connections so close() does not wait for idle keep-alive sockets.
  const connections = new Set<NetSocket>();
  http.on("connection", (socket) => {
    connections.add(socket);
    socket.on("close", () => connections.delete(socket));
  });

  try {
    await new Promise<void>((done, fail) => {
      http.once("error", fail);
      http.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
        http.off("error", fail);
        done();
      });
    });
  } catch (error) {
    // Port taken, say: release what was opened before rethrowing.
    io.close();
    await Promise.all(redisClients.map((client) => client.close().catch(() => undefined)));
    db.close();
    throw error;
  }
  const address = http.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    io,
    db,
    control,
    close: () =>
      (closing ??= (async () => {
        io.disconnectSockets(true);
        await new Promise<void>((done) => {
          io.close(() => done());
          for (const socket of connections) socket.destroy();
        });
        await Promise.all(redisClients.map((client) => client.close().catch(() => undefined)));
        db.close();
      })()),
  };
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".map": "application/json",
};

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}

function requireTitle(value: unknown): string {
  if (typeof value !== "string" || value.trim() === "") throw new HttpError(400, "title must be a non-empty string.");
  return value.trim();
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 1_000_000) throw new HttpError(413, "Request body too large.");
    chunks.push(chunk);
  }
  if (size === 0) return {};
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new HttpError(400, "The request body is not valid JSON.");
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) throw new HttpError(400, "The request body must be a JSON object.");
  return body as Record<string, unknown>;
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (error instanceof HttpError) send(res, error.status, { error: error.message, ...error.extra });
  else send(res, 500, { error: "Internal server error." });
}
