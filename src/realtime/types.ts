/* eslint-disable @typescript-eslint/no-explicit-any -- the plan's event type is open-ended */
import type { OptimisticStore } from "../core/OptimisticStore";
import type { Entity } from "../core/shapes";

/** A change broadcast by the server: `{ type, event, data }`, plus optional origin fields. */
export interface RealtimeEvent<T = any> {
  /** The event name it was sent under (the configured `eventType`). */
  type: string;
  /** What happened to the entity in `data`. */
  event: "INSERT" | "UPDATE" | "DELETE";
  /** The entity (for DELETE, at least its `id`). */
  data?: T;
  /** The browser that made the change; events with this client's `browserId` are ignored. */
  browserId?: string;
  /** The `mutationId` of the receipt the change was made with, copied by the server. */
  mutationId?: string;
  /** The `originId` of the receipt the change was made with, copied by the server. */
  originId?: string;
  [key: string]: any;
}

/**
 * The socket the realtime extension listens on: anything with `on`, `off` and `connected`.
 * A socket.io-client `Socket` satisfies it; the library does not depend on socket.io-client.
 */
export interface RealtimeSocket {
  /** Adds a listener for `event`. */
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  /** Removes a listener added with `on`. */
  off(event: string, listener?: (...args: unknown[]) => void): unknown;
  /** Whether the socket is connected now. */
  readonly connected: boolean;
}

/** Realtime options: which events to listen to and how to read them. */
export interface RealtimeConfig<T extends Entity> {
  /** The socket event name to listen for (e.g. `"todo_update"`). */
  eventType: string;
  /** Where the entity is in an event (default: `event.data`). */
  dataExtractor?: (event: RealtimeEvent) => T | undefined;
  /** Return false to ignore an event (runs first, after echo suppression, as the event arrives). */
  shouldProcessEvent?: (event: RealtimeEvent) => boolean;
  /** This browser's id: events carrying it are this client's own echoes and are ignored. */
  browserId?: string;
  /** Handlers by `event.type`, called instead of the default INSERT/UPDATE/DELETE handling. */
  customHandlers?: {
    [eventType: string]: (store: OptimisticStore<T>, event: RealtimeEvent) => void;
  };
  /**
   * For an extension used on its own: receives dropped events and throwing handlers. Inside a
   * manager, the manager's `onError` / `logger` is used instead.
   */
  onError?: (error: Error, event: unknown) => void;
}
