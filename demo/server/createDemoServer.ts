/**
 * The demo server: a REST API over SQLite (Fastify, every body checked against a JSON schema), a
 * socket.io server on the same HTTP server that broadcasts every write, and the built demo page
 * (@fastify/static).
 *
 * REST (JSON; ids are strings; routes.ts has the order of the checks):
 *   GET/POST /api/todos, PUT/DELETE /api/todos/:id       PUT accepts `If-Match: <version>` (409 on mismatch)
 *   GET/POST /api/posts, PUT/DELETE /api/posts/:id       need `Authorization: Bearer <token>`; each account its own posts
 *   GET/POST /api/checkboxes, PUT/DELETE /api/checkboxes/:id
 *   POST /api/auth/sign-in {username, password} -> {token, user}; POST /api/auth/sign-out; GET /api/auth/me
 *   GET/PUT /api/control {failWrites, delayMs}: make writes fail (500) or slow, to watch rollbacks
 *   POST /api/reset: put the seed data back
 * Every refusal is `{ error }` (plus `current` for a 409) with a status that says why: 400 for a
 * request that breaks the schema or a bad URL, 401, 404, 409, 413 for a body over 1 MB, 500.
 *
 * Writes are applied once per `x-mutation-id` (mutationLog.ts): the same id again gets the first
 * answer, with `x-mutation-replayed: true`, and changes nothing.
 *
 * Realtime: after every write, `{ type, event, data, browserId, mutationId, originId }` is emitted
 * under `type` ("todo_update", "post_update", "checkbox_update"); the last three fields are copied
 * from the `x-browser-id`, `x-mutation-id` and `x-origin-id` request headers. Post events go only to
 * the sockets that connected with a valid token of the post's account (`io(url, { auth: { token } })`).
 */
import fastifyStatic from "@fastify/static";
import Fastify, { type FastifyError, type FastifyReply } from "fastify";
import { existsSync } from "node:fs";
import type { AddressInfo, Socket as NetSocket } from "node:net";
import { join, resolve } from "node:path";
import { Server as SocketIOServer } from "socket.io";
import { openDatabase, type DemoDatabase } from "./db";
import { createMutationLog } from "./mutationLog";
import { postRoom, registerRoutes, type DemoControl } from "./routes";
import { ajvOptions, BODY_LIMIT_BYTES, describeValidation, excerpt, HttpError } from "./validation";

export type { ChangeEvent, ChangeKind, DemoControl } from "./routes";
export { MAX_TITLE_LENGTH, BODY_LIMIT_BYTES } from "./validation";

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

export async function createDemoServer(options: DemoServerOptions = {}): Promise<DemoServer> {
  const db = openDatabase(options.dbPath ?? ":memory:");
  const control: DemoControl = { failWrites: false, delayMs: 0 };
  // Serve the page only when it has been built; otherwise every page path explains how to build it.
  const clientDir = options.clientDir && existsSync(join(options.clientDir, "index.html")) ? resolve(options.clientDir) : undefined;

  const app = Fastify({
    bodyLimit: BODY_LIMIT_BYTES,
    ajv: { customOptions: ajvOptions },
    // A URL that cannot be decoded (`/%E0%A4%A`) is the client's mistake: 400, in the API's shape.
    frameworkErrors: (error, _req, reply) => {
      sendError(reply, error);
    },
  });
  app.setErrorHandler((error: FastifyError, _req, reply) => {
    sendError(reply, error);
  });
  app.setNotFoundHandler((req, reply) => {
    if (req.url.startsWith("/api/") || req.url === "/api" || req.method !== "GET") {
      sendError(reply, new HttpError(404, `No route ${req.method} ${excerpt(req.url.split("?")[0]!, 80)}.`));
      return reply;
    }
    // Any other page path gets the app (it has one page).
    if (clientDir) return reply.header("cache-control", "no-cache").sendFile("index.html");
    return reply.type("text/html; charset=utf-8").send("<!doctype html><p>The demo page is not built. Run <code>npm run demo</code>.</p>");
  });
  if (clientDir) {
    await app.register(fastifyStatic, {
      root: clientDir,
      wildcard: true,
      index: ["index.html"],
      cacheControl: false,
      // Built assets have hashed names: cache them for good; everything else is checked each time.
      setHeaders: (reply, path) => {
        void reply.header("cache-control", path.startsWith(join(clientDir, "assets")) ? "public, max-age=31536000, immutable" : "no-cache");
      },
    });
  }

  const io = new SocketIOServer(app.server, { serveClient: false });
  const redisClients: { close(): Promise<void> }[] = [];
  const releaseEarly = async () => {
    await io.close();
    await Promise.all(redisClients.map((client) => client.close().catch(() => undefined)));
    db.close();
  };
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
      await releaseEarly();
      throw new Error(`Could not connect to Redis at ${options.redisUrl}: ${(error as Error).message}`, { cause: error });
    }
    connected = true;
    redisClients.push(pub, sub);
    io.adapter(createAdapter(pub, sub));
  }

  io.on("connection", (socket) => {
    const token: unknown = socket.handshake.auth?.token;
    const user = typeof token === "string" ? db.userForToken(token) : undefined;
    if (user) void socket.join(postRoom(user.username));
  });

  registerRoutes(app, { db, io, control, mutations: createMutationLog(db) });

  // Track connections (websockets included) so close() does not wait for idle or upgraded ones.
  const connections = new Set<NetSocket>();
  app.server.on("connection", (socket: NetSocket) => {
    connections.add(socket);
    socket.on("close", () => connections.delete(socket));
  });

  try {
    await app.listen({ port: options.port ?? 0, host: options.host ?? "127.0.0.1" });
  } catch (error) {
    // Port taken, say: release what was opened before rethrowing.
    await releaseEarly();
    await app.close().catch(() => undefined);
    throw error;
  }
  const address = app.server.address() as AddressInfo;
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
        for (const socket of connections) socket.destroy();
        // io.close() also closes the HTTP server; app.close() runs Fastify's own shutdown after it.
        await io.close();
        await app.close();
        await Promise.all(redisClients.map((client) => client.close().catch(() => undefined)));
        db.close();
      })()),
  };
}

/** Every refusal as `{ error, ...extra }`: our HttpErrors, schema errors, Fastify's own (413, bad JSON, bad URL). */
function sendError(reply: FastifyReply, error: unknown): void {
  const [status, body] = describeError(error);
  void reply.code(status).send(body);
}

function describeError(error: unknown): [number, Record<string, unknown>] {
  if (error instanceof HttpError) return [error.status, { error: error.message, ...error.extra }];
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.validation) return [400, { error: describeValidation(error as FastifyError) }];
  switch (fastifyError.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return [413, { error: `The request body is larger than the server's limit of ${BODY_LIMIT_BYTES.toLocaleString("en-US")} bytes.` }];
    case "FST_ERR_CTP_INVALID_JSON_BODY":
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return [400, { error: "The request body is not valid JSON." }];
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return [415, { error: "Send the request body as JSON (Content-Type: application/json)." }];
    case "FST_ERR_BAD_URL":
      return [400, { error: "The URL is not valid: it has a broken percent-encoding (like %E0%A4%A)." }];
  }
  const status = fastifyError.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) return [status, { error: fastifyError.message ?? "Bad request." }];
  return [500, { error: "Internal server error." }];
}
