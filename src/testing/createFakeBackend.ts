import type { Entity, MutationReceipt, RealtimeEvent, RealtimeSocket } from "../index";

/** What a {@link FakeRequest} asked the fake backend for. */
export type FakeRequestKind = "query" | "create" | "update" | "remove";

/** One call a manager made to a {@link FakeBackend}; answered by the backend or, with `manual: true`, by the test. */
export interface FakeRequest {
  /** Which server call this is: the query, or one of the three mutations. */
  readonly kind: FakeRequestKind;
  /** The entity's id: the target of an update or remove; for a create, the id the backend assigned once resolved. */
  readonly id?: string;
  /** What was sent: a create's data or an update's patch (a JSON copy); undefined for a query or a remove. */
  readonly data?: unknown;
  /** The receipt the manager passed to the mutation function; undefined for a query. */
  readonly receipt?: MutationReceipt;
  /** Whether the request has been answered (resolved or rejected). */
  readonly settled: boolean;
  /**
   * Answers the request: applies it to the backend's data now (a create gets its id) and resolves
   * the server call with a fresh copy of the result. An update or remove of an id the backend does
   * not hold rejects instead, as a 404 would. Throws if the request is already settled.
   */
  resolve(): void;
  /** Fails the request with `error` (default: a generic `Error`); the backend's data does not change. Throws if already settled. */
  reject(error?: Error): void;
}

/** Options of {@link createFakeBackend}. */
export interface FakeBackendOptions<T extends Entity> {
  /** The backend's data at the start (copied; default: none). */
  initial?: readonly T[];
  /** When true, every request (queries too) waits until the test calls its `resolve()` or `reject()`. Default: false, every request is answered at once. */
  manual?: boolean;
  /** Prefix of the ids the backend gives created entities: `${idPrefix}1`, `${idPrefix}2`, ... Default: `"srv-"`. */
  idPrefix?: string;
  /** The event name the backend broadcasts its changes under on {@link FakeBackend.socket} (the manager's `realtime.eventType`). Default: `"change"`. */
  eventType?: string;
  /** When true, broadcast events wait in `socket.held` until the test calls `socket.deliver()`. Default: false, each is delivered in a microtask. */
  manualEvents?: boolean;
  /** Whether events of this client's writes carry the receipt's `mutationId` and `originId`, as a server that copies receipts does. Default: true. */
  copyReceipts?: boolean;
}

/**
 * The backend's realtime side, for `manager.realtime.connect(backend.socket)`: it broadcasts every
 * write the backend carries out, as a socket.io server would.
 */
export interface FakeSocket extends RealtimeSocket {
  /** Whether the socket is connected (true at the start). */
  readonly connected: boolean;
  /** Events broadcast and not delivered yet (with `manualEvents`), oldest first. */
  readonly held: readonly RealtimeEvent[];
  /** Delivers the oldest `count` held events (all by default), in order, in one burst; the connected managers show them when it returns. */
  deliver(count?: number): void;
  /** The connection drops ("disconnect"): events broadcast until `connect()` are never delivered, as socket.io does not replay them. Does nothing when disconnected. */
  disconnect(): void;
  /** The connection is back ("connect"): a manager refetches to catch up. Does nothing when connected. */
  connect(): void;
}

/** An in-memory server for a manager's `queryFn` and `mutations`, made by {@link createFakeBackend}. */
export interface FakeBackend<T extends Entity> {
  /** Plug into the manager's config: resolves with copies of the backend's items. */
  queryFn: () => Promise<T[]>;
  /** Plug into the manager's config: each call is recorded as a {@link FakeRequest} with its receipt. */
  mutations: {
    /** Adds `{ ...data, id }` with an id the backend assigns; resolves with a copy of it. */
    create: (data: unknown, receipt?: MutationReceipt) => Promise<T>;
    /** Merges `data` into the item `id`; resolves with a copy of the result. Rejects if there is no such item. */
    update: (params: { id: string; data: unknown }, receipt?: MutationReceipt) => Promise<T>;
    /** Deletes the item `id`; resolves with `{ id }`. Rejects if there is no such item. */
    remove: (id: string, receipt?: MutationReceipt) => Promise<{ id: string }>;
  };
  /** Copies of the backend's items now, in insertion order (a created item goes last). */
  items(): T[];
  /** Where the backend broadcasts its changes: connect a manager's realtime to it. */
  readonly socket: FakeSocket;
  /** Another client creates `data` (with `data.id`, or an id the backend assigns): stored and broadcast (INSERT); returns a copy. */
  serverInsert(data: Omit<T, "id"> & { id?: string }): T;
  /** Another client merges `data` into the item `id`: stored and broadcast (UPDATE); returns a copy. Throws if there is no such item. */
  serverUpdate(id: string, data: Partial<T>): T;
  /** Another client deletes the item `id`: broadcast (DELETE). Throws if there is no such item. */
  serverDelete(id: string): void;
  /** Every request made so far, oldest first (settled ones included). */
  readonly requests: readonly FakeRequest[];
  /**
   * The oldest request of `kind` (of any kind when omitted) that the test has not had yet (not
   * returned by an earlier call, not answered by the test's `resolve()`, `reject()` or
   * `settleAll()`), once it has been made. A mutation function is called a few microtasks after
   * its action, so await this rather than reading `requests` right after the action.
   */
  nextRequest(kind?: FakeRequestKind): Promise<FakeRequest>;
  /**
   * Resolves every request not settled yet, in the order they were made (and the ones made
   * meanwhile, such as an update that waited for its create), then waits until their answers (and
   * the events broadcast meanwhile, without `manualEvents`) have been applied. Uses microtasks only,
   * so it works under fake timers.
   */
  settleAll(): Promise<void>;
}

/** Microtask turns to wait after answers: enough for query-core and the manager to apply them. */
const DRAIN_TURNS = 100;
/** Rounds of `settleAll()` before it gives up on requests that keep coming. */
const MAX_ROUNDS = 100;

/** The backend answers as JSON over HTTP would: a fresh copy each time, dates as ISO strings. */
function copy<V>(value: V): V {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as V);
}

function asObject(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

async function drain(): Promise<void> {
  for (let i = 0; i < DRAIN_TURNS; i++) await Promise.resolve();
}

/**
 * An in-memory backend for testing stores built on the library: its `queryFn` and `mutations` go
 * straight into a manager's config, and each call is recorded in `requests`. Without `manual`, every
 * request is answered at once; with `manual: true`, each waits for the test to `resolve()` or
 * `reject()` it, in any order, so every interleaving of answers can be reproduced. A request changes
 * the backend's data when it is resolved. Imports no test runner: use it with any.
 *
 * @example
 * const backend = createFakeBackend<Todo>({ initial: [{ id: "1", title: "A" }], manual: true });
 * const todos = createOptimisticStoreManager<Todo>({ name: "todos", ...backend }, client);
 * (await backend.nextRequest("query")).resolve();
 * const rename = todos.actions.update({ id: "1", data: { title: "B" } });
 * (await backend.nextRequest("update")).reject(new Error("Title taken"));
 * await expect(rename).rejects.toThrow("Title taken");
 */
export function createFakeBackend<T extends Entity>(options: FakeBackendOptions<T> = {}): FakeBackend<T> {
  const { manual = false, idPrefix = "srv-", eventType = "change", manualEvents = false, copyReceipts = true } = options;
  const table = new Map<string, T>((options.initial ?? []).map((item) => [item.id, copy(item)]));
  const requests: FakeRequest[] = [];
  const handedOut = new Set<FakeRequest>();
  const waiters = new Set<() => void>();
  let lastId = 0;

  const newId = (): string => {
    let id: string;
    do id = `${idPrefix}${++lastId}`;
    while (table.has(id));
    return id;
  };
  const notFound = (kind: string, id: string) => new Error(`${kind} of "${id}" failed: the fake backend has no such entity (404).`);

  const listeners = new Map<string, Set<(...args: unknown[]) => void>>();
  const held: RealtimeEvent[] = [];
  let connected = true;
  const fire = (name: string, ...args: unknown[]) => {
    for (const listener of [...(listeners.get(name) ?? [])]) listener(...args);
  };
  /** What a manager's realtime registers on connect: applies a burst at once, without its batch timer. */
  const flushes = new Set<() => void>();
  const socket: FakeSocket & { flushes: Set<() => void> } = {
    flushes,
    get connected() {
      return connected;
    },
    held,
    on(name, listener) {
      if (!listeners.has(name)) listeners.set(name, new Set());
      listeners.get(name)!.add(listener);
    },
    off(name, listener) {
      if (listener) listeners.get(name)?.delete(listener);
      else listeners.delete(name);
    },
    deliver(count = held.length) {
      for (const event of held.splice(0, count)) fire(eventType, event);
      for (const flush of [...flushes]) flush();
    },
    // As socket.io's: a no-op when already in that state (a second "connect" would make a manager refetch).
    disconnect() {
      if (!connected) return;
      connected = false;
      held.length = 0;
      fire("disconnect", "transport close");
    },
    connect() {
      if (connected) return;
      connected = true;
      fire("connect");
    },
  };
  /** Broadcasts a change (a copy of `item`); lost while disconnected. */
  const broadcast = (event: RealtimeEvent["event"], item: unknown, receipt?: MutationReceipt) => {
    if (!connected) return;
    held.push({ type: eventType, event, data: copy(item), ...(copyReceipts && receipt && { mutationId: receipt.mutationId, originId: receipt.originId }) });
    if (!manualEvents) queueMicrotask(() => socket.deliver(1));
  };
  const stored = (kind: string, id: string): T => {
    const existing = table.get(id);
    if (!existing) throw notFound(kind, id);
    return existing;
  };
  /** Stores `data` as a new item under `id` (by default one the backend assigns; an id `data` brings is ignored) and broadcasts it. */
  const insert = (data: unknown, receipt?: MutationReceipt, id = newId()): T => {
    const item = { ...asObject(copy(data)), id } as unknown as T;
    table.set(item.id, item);
    broadcast("INSERT", item, receipt);
    return copy(item);
  };
  const merge = (id: string, data: unknown, receipt?: MutationReceipt): T => {
    const item = { ...stored("update", id), ...asObject(copy(data)), id } as T;
    table.set(id, item);
    broadcast("UPDATE", item, receipt);
    return copy(item);
  };
  const drop = (id: string, receipt?: MutationReceipt): void => {
    stored("remove", id);
    table.delete(id);
    broadcast("DELETE", { id }, receipt);
  };

  /** Records a request; `apply` runs when it is resolved and returns the answer (or throws to reject). */
  const call = <R>(kind: FakeRequestKind, fields: { id?: string; data?: unknown; receipt?: MutationReceipt }, apply: (request: { id?: string }) => R): Promise<R> =>
    new Promise<R>((resolvePromise, rejectPromise) => {
      let settled = false;
      const state: { id?: string } = { id: fields.id };
      const settle = (method: string) => {
        if (settled) throw new Error(`${method}() on a ${kind} request that is already settled.`);
        settled = true;
      };
      const answer = () => {
        settle("resolve");
        let result: R;
        try {
          result = apply(state);
        } catch (error) {
          rejectPromise(error);
          return;
        }
        resolvePromise(result);
      };
      const request: FakeRequest = {
        kind,
        get id() {
          return state.id;
        },
        data: fields.data,
        receipt: fields.receipt,
        get settled() {
          return settled;
        },
        resolve() {
          answer();
          // Answered by the test: nextRequest() does not hand it out any more.
          handedOut.add(request);
        },
        reject(error) {
          settle("reject");
          handedOut.add(request);
          rejectPromise(error ?? new Error(`${kind} request rejected by the fake backend.`));
        },
      };
      requests.push(request);
      if (!manual) answer();
      for (const wake of [...waiters]) wake();
    });

  const backend: FakeBackend<T> = {
    queryFn: () => call("query", {}, () => [...table.values()].map(copy)),
    mutations: {
      create: (data, receipt) => {
        const sent = copy(data);
        return call("create", { data: sent, receipt }, (request) => {
          const item = insert(sent, receipt);
          request.id = item.id;
          return item;
        });
      },
      update: ({ id, data }, receipt) => {
        const sent = copy(data);
        return call("update", { id, data: sent, receipt }, () => merge(id, sent, receipt));
      },
      remove: (id, receipt) =>
        call("remove", { id, receipt }, () => {
          drop(id, receipt);
          return { id };
        }),
    },
    items: () => [...table.values()].map(copy),
    socket,
    serverInsert: (data) => insert(data, undefined, data.id),
    serverUpdate: (id, data) => merge(id, data),
    serverDelete: (id) => drop(id),
    requests,
    nextRequest: (kind) =>
      new Promise((resolve) => {
        const attempt = () => {
          const found = requests.find((request) => !handedOut.has(request) && (kind === undefined || request.kind === kind));
          if (!found) return;
          handedOut.add(found);
          waiters.delete(attempt);
          resolve(found);
        };
        waiters.add(attempt);
        attempt();
      }),
    async settleAll() {
      for (let round = 0; round < MAX_ROUNDS; round++) {
        for (const request of requests.filter((entry) => !entry.settled)) if (!request.settled) request.resolve();
        await drain();
        if (requests.every((request) => request.settled)) return;
      }
      throw new Error(`settleAll(): requests were still being made after ${MAX_ROUNDS} rounds of answers.`);
    },
  };
  return backend;
}
