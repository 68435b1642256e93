import { observable, runInAction } from "mobx";
import { isValidId, OptimisticEntityError, OptimisticError, toError } from "../core/errors";
import type { OptimisticStore } from "../core/OptimisticStore";
import { rethrowAsync } from "../core/reporter";
import type { Entity } from "../core/shapes";
import type { RealtimeConfig, RealtimeEvent, RealtimeSocket } from "./types";

/** Where events go; the manager supplies one that also acknowledges its own receipts. Internal. */
export interface RealtimeSink {
  /** INSERT / UPDATE: the extracted data. */
  upsert(data: unknown, event: RealtimeEvent): void;
  /** DELETE: the extracted data (at least `{ id }`). */
  remove(data: unknown, event: RealtimeEvent): void;
  /** Whether the event is this client's own echo (and, if a change is pending, settles it). */
  isOwnEcho?(event: RealtimeEvent, data: unknown): boolean;
  /** Called after the socket reconnects, to catch up on events missed while offline. */
  resync?(): void;
  /** Whether events wait (unbatched) for the next flush. */
  held?(): boolean;
  /** Reports a dropped event or a throwing handler; never throws. */
  report(error: unknown, event: unknown, fromCallback?: boolean): void;
}

const KINDS = new Set(["INSERT", "UPDATE", "DELETE"]);

/**
 * How long after an event was applied the next ones wait for a batch. A lone event arms no timer:
 * a timer (set and fired) was a tenth of the cost of an isolated event.
 */
const BATCH_WINDOW_MS = 1;

let withSink: <T extends Entity>(extension: RealtimeExtension<T>, sink: RealtimeSink) => RealtimeExtension<T>;
let applyQueued: (extension: RealtimeExtension<Entity>) => void;

/** Applies the events of a burst still waiting for their batch; internal. */
export function flushQueuedEvents(extension: RealtimeExtension<Entity>): void {
  applyQueued(extension);
}

/** An extension whose events go to `sink` instead of the store's realtime helpers; internal. */
export function createSinkExtension<T extends Entity>(store: OptimisticStore<T>, config: RealtimeConfig<T>, sink: RealtimeSink): RealtimeExtension<T> {
  return withSink(new RealtimeExtension(store, config), sink);
}

/**
 * Listens to one event name on a socket and applies the changes it carries to a store's confirmed
 * state; optimistic changes in flight stay on top. An event after a quiet moment (no event applied in
 * the last {@link BATCH_WINDOW_MS} ms) is applied at once; events that follow it sooner are applied
 * together in one MobX action on the next macrotask, so a burst causes a few reactions, not one per
 * event.
 *
 * @example
 * const extension = createRealtimeExtension(store, "todo_update", { browserId });
 * extension.connect(socket);
 */
export class RealtimeExtension<T extends Entity> {
  #store: OptimisticStore<T>;
  #config: RealtimeConfig<T>;
  #sink: RealtimeSink;
  #socket: RealtimeSocket | null = null;
  #connected = observable.box(false, { deep: false });
  #listenedBefore = false;
  /**
   * The socket `disconnect()` let go of, until the current task's microtasks run: connected again
   * before then (a React effect's cleanup and re-run under StrictMode), it missed no event.
   */
  #released: RealtimeSocket | null = null;
  /** What the socket delivered, not yet checked. */
  #queue: RealtimeEvent[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When events were last applied (`performance.now()`). */
  #appliedAt = -Infinity;

  static {
    withSink = (extension, sink) => {
      extension.#sink = sink;
      return extension;
    };
    applyQueued = (extension) => extension.#flush();
  }

  /** Listens for `config.eventType` once `connect()` is called; events are written to `store`. */
  constructor(store: OptimisticStore<T>, config: RealtimeConfig<T>) {
    if (!config || typeof config.eventType !== "string" || config.eventType === "") {
      throw new OptimisticError('realtime.eventType must be the non-empty name of the socket event to listen to, e.g. "todo_update".');
    }
    this.#store = store;
    this.#config = config;
    this.#sink = storeSink(store, config);
  }

  /** Starts listening on `socket` (a second call with the same socket does nothing; another socket replaces it). */
  connect(socket: RealtimeSocket): void {
    if (socket === this.#socket) return;
    this.disconnect();
    this.#socket = socket;
    socket.on(this.#config.eventType, this.#onEvent);
    socket.on("connect", this.#onConnect);
    socket.on("disconnect", this.#onDisconnect);
    this.#setConnected(socket.connected === true);
  }

  /** Stops listening: removes exactly the listeners `connect` added, after applying queued events. */
  disconnect(): void {
    const socket = this.#socket;
    if (!socket) return;
    this.#flush();
    socket.off(this.#config.eventType, this.#onEvent);
    socket.off("connect", this.#onConnect);
    socket.off("disconnect", this.#onDisconnect);
    this.#socket = null;
    this.#setConnected(false);
    this.#released = socket;
    queueMicrotask(() => (this.#released = null));
  }

  /** Whether a socket is attached and connected (observable). */
  get connected(): boolean {
    return this.#connected.get();
  }

  /** The attached socket, if any. */
  get socketInstance(): RealtimeSocket | null {
    return this.#socket;
  }

  #setConnected(value: boolean): void {
    // Compared in the action: read outside one, MobX's `observableRequiresReaction` would warn.
    runInAction(() => {
      this.#connected.set(value);
      // The catch-up fetch starts in the same action: no reaction sees the socket back and the store not syncing.
      if (value) this.#listened();
    });
  }

  #onConnect = (): void => this.#setConnected(true);

  /** socket.io does not replay events missed while disconnected: after any gap in listening, catch up. */
  #listened(): void {
    if (this.#listenedBefore && this.#released !== this.#socket) this.#sink.resync?.();
    this.#listenedBefore = true;
  }

  #onDisconnect = (): void => {
    this.#setConnected(false);
  };

  #onEvent = (received: unknown): void => {
    // Judged as it arrives, not when its batch is applied: a filter that reads the app's state (the
    // signed-in user, the board shown) reads it as it was while the store showed the event's scope;
    // a scope switch applies the waiting batch to the previous scope after that state has changed.
    // In an action: the filter's reads are not tracked, nor warned about by `observableRequiresReaction`.
    let event: RealtimeEvent | undefined;
    try {
      event = runInAction(() => this.#wanted(received));
    } catch (error) {
      return this.#sink.report(error, received, true);
    }
    if (!event) return;
    const held = this.#sink.held?.();
    if (!held && this.#timer === undefined && performance.now() - this.#appliedAt >= BATCH_WINDOW_MS) {
      this.#apply([event]);
      return;
    }
    this.#queue.push(event);
    if (!held) this.#timer ??= setTimeout(() => this.#flush(), 0);
  };

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const events = this.#queue;
    this.#queue = [];
    if (events.length > 0) this.#apply(events);
  }

  #apply(events: RealtimeEvent[]): void {
    runInAction(() => {
      for (const event of events) {
        try {
          this.#handle(event);
        } catch (error) {
          this.#sink.report(error, event, true);
        }
      }
    });
    this.#appliedAt = performance.now();
  }

  /** The event, if it goes on to be applied: an object (else reported), not an own echo by `browserId`, kept by `shouldProcessEvent`. */
  #wanted(received: unknown): RealtimeEvent | undefined {
    const config = this.#config;
    if (received === null || typeof received !== "object") {
      this.#sink.report(new OptimisticError(`realtime event on "${config.eventType}" is not an object; it was dropped.`), received);
      return;
    }
    const event = received as RealtimeEvent;
    // A manager still sees its own DELETE echoes (an older event may have brought the entity back) and
    // its receipts (an echo settles its change, or is the server's word on one refused): see its isOwnEcho.
    if (config.browserId !== undefined && event.browserId === config.browserId && !(this.#sink.isOwnEcho && (event.event === "DELETE" || typeof event.mutationId === "string"))) return;
    return !config.shouldProcessEvent || config.shouldProcessEvent(event) ? event : undefined;
  }

  /** Applies an event {@link #wanted} kept. */
  #handle(event: RealtimeEvent): void {
    const config = this.#config;
    const custom = config.customHandlers?.[event.type];
    if (custom) {
      custom(this.#store, event);
      return;
    }
    const data = config.dataExtractor ? config.dataExtractor(event) : event.data;
    if (!KINDS.has(event.event)) {
      this.#sink.report(new OptimisticError(`realtime event on "${config.eventType}" has unknown kind ${JSON.stringify(event.event)}; expected INSERT, UPDATE or DELETE. It was dropped.`), event);
      return;
    }
    if (data === null || typeof data !== "object") {
      this.#sink.report(new OptimisticError(`realtime ${event.event} event on "${config.eventType}" carries no data; it was dropped.`), event);
      return;
    }
    if (this.#sink.isOwnEcho?.(event, data)) return;
    if (event.event === "DELETE") this.#sink.remove(data, event);
    else this.#sink.upsert(data, event);
  }
}

/** A sink for a store used on its own: writes through the store's realtime helpers. */
function storeSink<T extends Entity>(store: OptimisticStore<T>, config: RealtimeConfig<T>): RealtimeSink {
  return {
    upsert: (data) => store.upsertFromRealtime(data as T),
    remove: (data) => {
      const id = (data as Entity).id;
      if (!isValidId(id)) throw new OptimisticEntityError(`realtime DELETE on "${config.eventType}" has no valid id; it was dropped.`);
      store.removeFromRealtime(id);
    },
    report(error, event) {
      try {
        config.onError?.(toError(error), event);
      } catch (hookError) {
        // Never into the socket library, nor at the cost of the rest of the batch.
        rethrowAsync(hookError);
      }
    },
  };
}

/**
 * Creates a {@link RealtimeExtension} for `store` listening to `eventType` (the plan's signature). By
 * default only events whose `type` equals `eventType` are processed.
 */
export function createRealtimeExtension<T extends Entity>(
  store: OptimisticStore<T>,
  eventType: string,
  options?: Omit<RealtimeConfig<T>, "eventType">,
): RealtimeExtension<T> {
  return new RealtimeExtension(store, {
    ...options,
    eventType,
    shouldProcessEvent: options?.shouldProcessEvent ?? ((event) => event.type === eventType),
  });
}
