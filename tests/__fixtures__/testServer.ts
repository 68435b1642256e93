/**
 * A real REST + socket.io server for integration tests, on 127.0.0.1 and port 0.
 *
 * The table is an in-memory Map (insertion order is the order of `GET`). Tests control it in
 * process: seed it, change it "as another client", inspect the request log, and inject faults
 * (delay, fail, or hold a request until the test releases it).
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket as NetSocket } from "node:net";
import { Server as SocketIOServer } from "socket.io";

/** A row of the table: a plain JSON object with a string `id` assigned by the server. */
export interface Row {
  id: string;
  [field: string]: unknown;
}

export type ChangeKind = "INSERT" | "UPDATE" | "DELETE";

/** The realtime event broadcast after every successful write. */
export interface ChangeEvent<TRow extends Row = Row> {
  type: string;
  event: ChangeKind;
  /** The written row; for DELETE, `{ id }`. */
  data: TRow | { id: string };
  browserId?: string;
  mutationId?: string;
  originId?: string;
  /** With `perUser`: whose row changed. */
  user?: string;
}

/** Who made a change, copied into the broadcast (for REST: `x-browser-id`, `x-mutation-id`, `x-origin-id`). */
export interface ChangeMeta {
  browserId?: string;
  mutationId?: string;
  originId?: string;
  /** Write the table without broadcasting (an event the clients never see). */
  silent?: boolean;
  /** With `perUser`: whose table. */
  user?: string;
}

export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. `/items/3`. */
  path: string;
  /** Parsed JSON body, or `undefined` when there was none. */
  body: unknown;
  headers: IncomingHttpHeaders;
}

export interface RequestMatch {
  /** HTTP method, any case. Omitted: any method. */
  method?: string;
  /** Exact path (`/items/1`) or a pattern. Omitted: any path. */
  path?: string | RegExp;
  /** How many requests the rule applies to (default 1; `Infinity` for all). Held requests: always 1. */
  times?: number;
}

export interface DelayAction {
  delayMs: number;
}
export interface FailAction {
  status: number;
  /** Response body (default `{ error: "Injected failure" }`). The table is not changed. */
  body?: unknown;
}
export interface HoldAction {
  hold: true;
  /**
   * When the request's effect (write, or the snapshot a GET returns) happens: when the request
   * arrives, or when the test releases it (default, so response and table agree).
   */
  applyAt?: "request" | "release";
}

export interface Interception {
  /** Requests this rule has handled so far. */
  readonly hits: number;
  remove(): void;
}

/** A held request: it waits until the test calls `release()` or `fail()`. */
export interface Gate {
  /** Resolves when the request has reached the server. */
  readonly arrived: Promise<RecordedRequest>;
  readonly isArrived: boolean;
  /** Lets the request through; resolves once its response has been sent. */
  release(): Promise<void>;
  /**
   * Answers with an error instead; resolves once it has been sent. With `applyAt: "request"` the
   * write has already happened (the server wrote but the client sees a failure).
   */
  fail(status?: number, body?: unknown): Promise<void>;
  remove(): void;
}

export interface TestServerOptions<TRow extends Row = Row> {
  /** Resource name: routes are `/<resource>` and `/<resource>/:id` (default `"items"`). */
  resource?: string;
  /** Prefix of server-assigned ids (default `""`: ids are "1", "2", ...). */
  idPrefix?: string;
  /** Rows to start with (see `seed`). */
  seed?: ReadonlyArray<Partial<TRow>>;
  /** Require `Authorization: Bearer <auth>` on REST requests, else 401. */
  auth?: string;
  /** Delay added to every REST request, in ms (default 0; see `setLatency`). */
  latencyMs?: number;
  /**
   * Stamp rows with `version` (1, bumped on each write) and a strictly increasing ISO `updatedAt`. A
   * `PUT`/`PATCH` with an `If-Match` header that is not the row's version is refused with 409
   * `{ error, current }` (the row as it is).
   */
  versioned?: boolean;
  /**
   * One table per user: every REST request names its user in the `x-user` header (400 without it),
   * and sees, writes and broadcasts only that user's rows (events carry `user`). The table helpers
   * (`seed`, `rows`, `row`, `serverInsert`/`serverUpdate`/`serverDelete` through `meta.user`) take the
   * user too; without one they use the table of user `""`.
   */
  perUser?: boolean;
  /** socket.io event name for change broadcasts (default `"<resource>_update"`). */
  realtime?: { eventType?: string };
}

export interface TestServer<TRow extends Row = Row> {
  /** Base URL, e.g. `http://127.0.0.1:43567` (no trailing slash). */
  readonly url: string;
  readonly resource: string;
  readonly eventType: string;
  readonly io: SocketIOServer;
  /** Every REST request in arrival order (socket.io traffic is not recorded). */
  readonly requests: RecordedRequest[];
  /** Every change event broadcast so far (not `emitRaw`/`emitBurst`). */
  readonly events: ChangeEvent<TRow>[];
  /** A copy of the table (with `perUser`: of `user`'s), in order. */
  rows(user?: string): TRow[];
  /** A copy of one row, or `undefined`. */
  row(id: string, user?: string): TRow | undefined;
  /** Replaces the table (with `perUser`: `user`'s; no broadcast). Rows without `id` get one. Returns the stored rows. */
  seed(rows: ReadonlyArray<Partial<TRow>>, user?: string): TRow[];
  /** Inserts a row as another client would: writes and broadcasts INSERT. */
  serverInsert(data: Partial<TRow>, meta?: ChangeMeta): TRow;
  /** Merges `patch` into a row and broadcasts UPDATE. Throws if the id is missing. */
  serverUpdate(id: string, patch: Partial<TRow>, meta?: ChangeMeta): TRow;
  /** Deletes a row and broadcasts DELETE with `{ id }`. Throws if the id is missing. */
  serverDelete(id: string, meta?: ChangeMeta): { id: string };
  /** Adds a fault rule; the first unexhausted matching rule, in order added, handles a request. */
  intercept(match: RequestMatch, action: HoldAction): Gate;
  intercept(match: RequestMatch, action: DelayAction | FailAction): Interception;
  /** Shorthand for `intercept(match, { hold: true, applyAt })`. */
  hold(match: RequestMatch, options?: { applyAt?: "request" | "release" }): Gate;
  clearIntercepts(): void;
  setLatency(ms: number): void;
  /** Emits any event (also malformed ones) to every connected client. */
  emitRaw(eventName: string, ...args: unknown[]): void;
  /** Emits `n` events `makeEvent(i)` on `eventName` (default `eventType`) in one synchronous loop. */
  emitBurst(n: number, makeEvent: (index: number) => unknown, eventName?: string): void;
  /**
   * Drops every client connection from the server side. By default the transport is closed, so
   * clients reconnect on their own; `{ allowReconnect: false }` sends a socket.io disconnect
   * (reason "io server disconnect"), after which clients stay disconnected.
   */
  disconnectAllClients(options?: { allowReconnect?: boolean }): void;
  /** Number of connected socket.io clients. */
  clientCount(): number;
  /** Runs `fn` at the start of `close()` (used by the client helpers to close their sockets). */
  onClose(fn: () => void | Promise<void>): void;
  /** Closes clients, socket.io, the HTTP server and every connection. Idempotent; never hangs on held requests. */
  close(): Promise<void>;
}

interface Rule {
  match: RequestMatch;
  remaining: number;
  hits: number;
  action: DelayAction | FailAction | HoldAction;
  gate?: GateState;
}

type Decision = { kind: "release" } | { kind: "fail"; status: number; body: unknown };

interface GateState {
  arrive(request: RecordedRequest): void;
  decision: Promise<Decision>;
  decide(decision: Decision): void;
  sent: Promise<void>;
  markSent(): void;
}

interface Reply {
  status: number;
  body: unknown;
}

const injectedFailure = { error: "Injected failure" };

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function matches(match: RequestMatch, request: RecordedRequest): boolean {
  if (match.method !== undefined && match.method.toUpperCase() !== request.method) return false;
  if (match.path === undefined) return true;
  return typeof match.path === "string" ? match.path === request.path : match.path.test(request.path);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** Starts the server; always `close()` it (afterEach or finally). */
export async function startTestServer<TRow extends Row = Row>(
  options: TestServerOptions<TRow> = {},
): Promise<TestServer<TRow>> {
  const resource = options.resource ?? "items";
  const idPrefix = options.idPrefix ?? "";
  const eventType = options.realtime?.eventType ?? `${resource}_update`;
  const tables = new Map<string, Map<string, TRow>>();
  const tableOf = (user = ""): Map<string, TRow> => {
    let found = tables.get(user);
    if (!found) tables.set(user, (found = new Map()));
    return found;
  };
  const requests: RecordedRequest[] = [];
  const events: ChangeEvent<TRow>[] = [];
  const rules: Rule[] = [];
  const connections = new Set<NetSocket>();
  const closeHooks: Array<() => void | Promise<void>> = [];
  let latencyMs = options.latencyMs ?? 0;
  let nextId = 1;
  let lastStamp = 0;
  let closing: Promise<void> | undefined;

  // ---- table ---------------------------------------------------------------------------------

  function newId(table: Map<string, TRow>): string {
    let id = `${idPrefix}${nextId++}`;
    while (table.has(id)) id = `${idPrefix}${nextId++}`;
    return id;
  }

  function stamp(row: Record<string, unknown>, bump: boolean): void {
    if (!options.versioned) return;
    lastStamp = Math.max(Date.now(), lastStamp + 1);
    row.updatedAt = new Date(lastStamp).toISOString();
    row.version = bump && typeof row.version === "number" ? row.version + 1 : 1;
  }

  function broadcast(event: ChangeKind, data: TRow | { id: string }, meta: ChangeMeta): void {
    if (meta.silent) return;
    const payload: ChangeEvent<TRow> = { type: eventType, event, data };
    if (meta.user !== undefined) payload.user = meta.user;
    if (meta.browserId !== undefined) payload.browserId = meta.browserId;
    if (meta.mutationId !== undefined) payload.mutationId = meta.mutationId;
    if (meta.originId !== undefined) payload.originId = meta.originId;
    events.push(payload);
    io.emit(eventType, payload);
  }

  function insert(data: Record<string, unknown>, meta: ChangeMeta): TRow {
    const table = tableOf(meta.user);
    const row = { ...data, id: newId(table) } as TRow;
    stamp(row, false);
    table.set(row.id, row);
    broadcast("INSERT", { ...row }, meta);
    return { ...row };
  }

  function update(id: string, patch: Record<string, unknown>, meta: ChangeMeta): TRow | undefined {
    const table = tableOf(meta.user);
    const current = table.get(id);
    if (!current) return undefined;
    const row = { ...current, ...patch, id } as TRow;
    stamp(row, true);
    table.set(id, row);
    broadcast("UPDATE", { ...row }, meta);
    return { ...row };
  }

  function remove(id: string, meta: ChangeMeta): { id: string } | undefined {
    if (!tableOf(meta.user).delete(id)) return undefined;
    broadcast("DELETE", { id }, meta);
    return { id };
  }

  // ---- REST ----------------------------------------------------------------------------------

  function notFound(path: string): Reply {
    return { status: 404, body: { error: `Not found: ${path}` } };
  }

  /** Runs a request against the table and returns the response to send. */
  function processRequest(request: RecordedRequest, bodyError: boolean): Reply {
    if (options.auth !== undefined && headerValue(request.headers, "authorization") !== `Bearer ${options.auth}`) {
      return { status: 401, body: { error: "Unauthorized" } };
    }
    const segments = request.path.split("/").filter(Boolean);
    if (segments[0] !== resource || segments.length > 2) return notFound(request.path);
    if (bodyError) return { status: 400, body: { error: "Invalid JSON body" } };
    const id = segments[1] === undefined ? undefined : decodeURIComponent(segments[1]);
    const user = headerValue(request.headers, "x-user");
    if (options.perUser && user === undefined) return { status: 400, body: { error: "x-user header missing" } };
    const meta: ChangeMeta = {
      browserId: headerValue(request.headers, "x-browser-id"),
      mutationId: headerValue(request.headers, "x-mutation-id"),
      originId: headerValue(request.headers, "x-origin-id"),
      ...(options.perUser && { user }),
    };
    const table = tableOf(meta.user);
    const body = request.body ?? {};

    if (id === undefined) {
      if (request.method === "GET") return { status: 200, body: [...table.values()].map((row) => ({ ...row })) };
      if (request.method === "POST") {
        if (!isPlainObject(body)) return { status: 400, body: { error: "Body must be a JSON object" } };
        return { status: 201, body: insert(body, meta) };
      }
    } else {
      if (request.method === "GET") {
        const row = table.get(id);
        return row ? { status: 200, body: { ...row } } : notFound(request.path);
      }
      if (request.method === "PUT" || request.method === "PATCH") {
        if (!isPlainObject(body)) return { status: 400, body: { error: "Body must be a JSON object" } };
        const expected = headerValue(request.headers, "if-match");
        const current = table.get(id);
        if (options.versioned && expected !== undefined && current && String(current.version) !== expected) {
          return { status: 409, body: { error: `Version ${expected} is outdated: the row is at version ${String(current.version)}`, current: { ...current } } };
        }
        const row = update(id, body, meta);
        return row ? { status: 200, body: row } : notFound(request.path);
      }
      if (request.method === "DELETE") {
        const removed = remove(id, meta);
        return removed ? { status: 200, body: removed } : notFound(request.path);
      }
    }
    return { status: 405, body: { error: `Method ${request.method} not allowed on ${request.path}` } };
  }

  function send(res: ServerResponse, reply: Reply): Promise<void> {
    return new Promise((resolve) => {
      res.once("close", () => resolve());
      if (res.destroyed) return resolve();
      res.writeHead(reply.status, { "content-type": "application/json" });
      res.end(JSON.stringify(reply.body));
    });
  }

  function takeRule(request: RecordedRequest): Rule | undefined {
    const rule = rules.find((r) => r.remaining > 0 && matches(r.match, request));
    if (!rule) return undefined;
    rule.remaining -= 1;
    rule.hits += 1;
    return rule;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    let body: unknown;
    let bodyError = false;
    try {
      body = raw === "" ? undefined : (JSON.parse(raw) as unknown);
    } catch {
      bodyError = true;
    }
    const request: RecordedRequest = {
      method: (req.method ?? "GET").toUpperCase(),
      path: new URL(req.url ?? "/", "http://localhost").pathname,
      body,
      headers: { ...req.headers },
    };
    requests.push(request);
    const rule = takeRule(request);
    await sleep(latencyMs);

    if (!rule) return send(res, processRequest(request, bodyError));
    const { action } = rule;
    if ("delayMs" in action) {
      await sleep(action.delayMs);
      return send(res, processRequest(request, bodyError));
    }
    if ("status" in action) return send(res, { status: action.status, body: action.body ?? injectedFailure });

    const gate = rule.gate!;
    gate.arrive(request);
    const early = action.applyAt === "request" ? processRequest(request, bodyError) : undefined;
    const decision = await gate.decision;
    const reply: Reply =
      decision.kind === "fail"
        ? { status: decision.status, body: decision.body }
        : (early ?? processRequest(request, bodyError));
    await send(res, reply);
    gate.markSent();
  }

  // ---- fault rules ---------------------------------------------------------------------------

  function addRule(match: RequestMatch, action: DelayAction | FailAction | HoldAction): Rule {
    const rule: Rule = { match, action, remaining: "hold" in action ? 1 : (match.times ?? 1), hits: 0 };
    rules.push(rule);
    return rule;
  }

  function removeRule(rule: Rule): void {
    const index = rules.indexOf(rule);
    if (index >= 0) rules.splice(index, 1);
  }

  function createGate(rule: Rule): Gate {
    const arrived = deferred<RecordedRequest>();
    const decision = deferred<Decision>();
    const sent = deferred<void>();
    let isArrived = false;
    let decided = false;
    rule.gate = {
      arrive: (request) => {
        isArrived = true;
        arrived.resolve(request);
      },
      decision: decision.promise,
      decide: (d) => {
        if (decided) throw new Error("This held request was already released or failed");
        decided = true;
        decision.resolve(d);
      },
      sent: sent.promise,
      markSent: () => sent.resolve(),
    };
    const state = rule.gate;
    return {
      arrived: arrived.promise,
      get isArrived() {
        return isArrived;
      },
      release: () => {
        state.decide({ kind: "release" });
        return state.sent;
      },
      fail: (status = 500, body: unknown = injectedFailure) => {
        state.decide({ kind: "fail", status, body });
        return state.sent;
      },
      remove: () => removeRule(rule),
    };
  }

  function intercept(match: RequestMatch, action: HoldAction): Gate;
  function intercept(match: RequestMatch, action: DelayAction | FailAction): Interception;
  function intercept(match: RequestMatch, action: DelayAction | FailAction | HoldAction): Gate | Interception {
    const rule = addRule(match, action);
    if ("hold" in action) return createGate(rule);
    return {
      get hits() {
        return rule.hits;
      },
      remove: () => removeRule(rule),
    };
  }

  // ---- server --------------------------------------------------------------------------------

  const httpServer = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: error instanceof Error ? error.message : String(error) }));
      }
    });
  });
  httpServer.on("connection", (socket: NetSocket) => {
    connections.add(socket);
    socket.once("close", () => connections.delete(socket));
  });
  const io = new SocketIOServer(httpServer, { serveClient: false });

  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(0, "127.0.0.1", () => {
      httpServer.off("error", reject);
      resolve();
    });
  });
  const { port } = httpServer.address() as AddressInfo;

  function seed(rows: ReadonlyArray<Partial<TRow>>, user?: string): TRow[] {
    const table = tableOf(user);
    table.clear();
    for (const data of rows) {
      const row = { ...data, id: typeof data.id === "string" ? data.id : newId(table) } as TRow;
      if (options.versioned && row.version === undefined) stamp(row, false);
      table.set(row.id, row);
    }
    return [...table.values()].map((row) => ({ ...row }));
  }
  if (options.seed) seed(options.seed);

  return {
    url: `http://127.0.0.1:${port}`,
    resource,
    eventType,
    io,
    requests,
    events,
    rows: (user) => [...tableOf(user).values()].map((row) => ({ ...row })),
    row: (id, user) => {
      const row = tableOf(user).get(id);
      return row ? { ...row } : undefined;
    },
    seed,
    serverInsert: (data, meta = {}) => insert(data, meta),
    serverUpdate: (id, patch, meta = {}) => {
      const row = update(id, patch, meta);
      if (!row) throw new Error(`serverUpdate: no row with id "${id}"`);
      return row;
    },
    serverDelete: (id, meta = {}) => {
      const removed = remove(id, meta);
      if (!removed) throw new Error(`serverDelete: no row with id "${id}"`);
      return removed;
    },
    intercept,
    hold: (match, holdOptions = {}) => intercept(match, { hold: true, applyAt: holdOptions.applyAt }),
    clearIntercepts: () => void rules.splice(0),
    setLatency: (ms) => void (latencyMs = ms),
    emitRaw: (eventName, ...args) => void io.emit(eventName, ...args),
    emitBurst: (n, makeEvent, eventName = eventType) => {
      for (let i = 0; i < n; i++) io.emit(eventName, makeEvent(i));
    },
    disconnectAllClients: ({ allowReconnect = true } = {}) => {
      // Closing the engine.io connection looks like a dropped transport to the client, which then
      // reconnects; socket.disconnect() (even with close) sends a DISCONNECT packet, which does not.
      for (const socket of io.of("/").sockets.values()) {
        if (allowReconnect) socket.conn.close();
        else socket.disconnect();
      }
    },
    clientCount: () => io.of("/").sockets.size,
    onClose: (fn) => void closeHooks.push(fn),
    close: () => {
      closing ??= (async () => {
        for (const hook of closeHooks.splice(0)) await hook();
        // Stop accepting connections first, so a reconnecting client cannot keep the server open;
        // io.close() then finds the server stopped, which it tolerates.
        const stopped = new Promise<void>((resolve) => httpServer.close(() => resolve()));
        const ioClosed = io.close();
        httpServer.closeAllConnections();
        for (const socket of connections) socket.destroy();
        await Promise.all([stopped, ioClosed]);
      })();
      return closing;
    },
  };
}
