/* eslint-disable @typescript-eslint/no-explicit-any -- the plan's public signatures take `any` for user input; kept for source compatibility */
/**
 * The shapes every part of the library shares. A leaf module: it imports nothing, so the modules
 * that use these types (core, transforms, realtime) never import each other for them.
 */

/** Anything the store can hold: an object with a string `id`. */
export interface Entity {
  /** Unique key of the entity (the server's id, or a temporary one while its create is in flight). */
  id: string;
}

/** How to build the optimistic UI entity for a create (and, merged with the current entity, for an update). */
export interface OptimisticDefaults<TUiData extends Entity> {
  /** Builds the complete UI entity from what the user submitted; an `id` it returns is kept when unique. */
  createOptimisticUiData: (userInput: any, context?: any) => TUiData;
  /** Fields the server fills in; kept for compatibility, the store does not read it. */
  pendingFields?: (keyof TUiData)[];
}

/**
 * Identifies one mutation call. Passed as the second argument of every mutation function, so the
 * server can copy it into the realtime event it broadcasts and this client can recognise its own echo.
 */
export interface MutationReceipt {
  /** Unique per call. */
  mutationId: string;
  /** Unique per manager (or the realtime `browserId` when one is configured). */
  originId: string;
  /**
   * Updates only, with the `version` option: the version of the confirmed entity the change was made
   * on (after a conflict: the server's version it is sent again on), for an `If-Match` header. With a
   * field name as `version`, the field's value as the server sent it; with a function, what it returns.
   */
  baseVersion?: number | string | Date;
}

/**
 * Settles a conflict (the `conflict` option): `local` is the patch given to `update` (in the store's
 * shape), `base` the entity it was sent on: the confirmed entity when the action was called or, with
 * `version`, the newer answer to this client's own previous change of it (undefined if there was none),
 * `server` the server's current entity. Returns the change to send on top of the server's version,
 * or `null` to keep the server's entity (server-wins).
 *
 * @example
 * const keepBoth: ConflictResolver<Todo> = ({ local, server }) =>
 *   local.title === undefined ? local : { ...local, title: `${server.title} / ${local.title}` };
 */
export type ConflictResolver<TUiData> = (conflict: { local: Partial<TUiData>; base: TUiData | undefined; server: TUiData }) => Partial<TUiData> | null;

/**
 * What of an entity is not confirmed yet: its changes in flight and the failed ones kept visible
 * (with `keepFailed`). Read it with `store.writeStatus(id)`, which MobX observes per entity.
 */
export interface WriteStatus {
  /** The kinds of the entity's changes in flight, oldest first (a change being retried is in flight). */
  readonly pending: readonly ("create" | "update" | "remove")[];
  /** The fields its updates in flight (or kept failed) change, as a set. */
  readonly fields: readonly string[];
  /** Whether a failed change is kept visible (only with `keepFailed`). */
  readonly failed: boolean;
  /** The latest error of a kept failed change; undefined whenever `failed` is false. */
  readonly error: Error | undefined;
  /**
   * Sends the failed changes again, in their original order, through the same mutation functions
   * (new receipts). Resolves when all succeeded; rejects if one fails again, which stays failed.
   */
  retry(): Promise<void>;
  /** Drops the failed changes at once: exactly their effect disappears. */
  discard(): void;
}


/** What every event of the log carries. */
export interface EventBase {
  /** Which kind of event this is. */
  type: string;
  /** When it happened (ms since the epoch). */
  at: number;
  /** The manager's `name`. */
  store: string;
}

/**
 * One phase of an optimistic change. `data` is JSON-safe (a `Date` is written `{ "$date": ISO }`,
 * a `bigint` `{ "$bigint": "123" }`, `NaN` or `±Infinity` `{ "$number": "NaN" }`, an `undefined`
 * field `{ "$undefined": true }`):
 * on `applied`, the optimistic entity of a create or the patch of an update; on `succeeded`, the
 * server's entity (UI shape), when it answered with one.
 */
export interface MutationEvent extends EventBase {
  /** Always `"mutation"`. */
  type: "mutation";
  /**
   * `applied`: shown (and sent, or queued behind the entity's earlier changes); `succeeded`: the
   * server answered; `failed`: it refused (rolled back, or kept visible); `retried`: a kept failed
   * change is sent again; `discarded`: a kept failed change was dropped.
   */
  phase: "applied" | "succeeded" | "failed" | "retried" | "discarded";
  /** Which action made the change. */
  kind: "create" | "update" | "remove";
  /** The entity's id when it happened (a temporary id until its create is answered). */
  id: string;
  /** The receipt of the server call (a retry is a new call: a new id). */
  mutationId: string;
  /** Numbers the change: the same in every phase of it, retries included. */
  change: number;
  /** See above: the optimistic entity or the patch (`applied`), the server's entity (`succeeded`). */
  data?: unknown;
  /** On `failed`: the error's message. */
  error?: string;
  /** On `failed`: whether the change stays visible, marked failed (`keepFailed`). */
  kept?: boolean;
  /**
   * On `retried` by `retry()`: the change's new place in the order of changes (the server gets it
   * after every change made before the retry, so it is the newest of its entity).
   */
  order?: number;
}

/**
 * A complete list applied to the confirmed layer: a fetch result, or the query cache written by
 * another manager of the key (`source: "cache"`). `items` are the list's entities (UI shape,
 * JSON-safe); `kept` the ids whose confirmed state newer writes kept against it.
 */
export interface ServerListEvent extends EventBase {
  /** Always `"server-list"`. */
  type: "server-list";
  /** `fetch`: this manager's query (or `store.reconcile`); `cache`: another manager of the key wrote the list. */
  source: "fetch" | "cache";
  /** The list's entities, in its order (UI shape, JSON-safe). */
  items: unknown[];
  /** Entities it brought that were not confirmed before. */
  added: number;
  /** Confirmed entities it changed. */
  changed: number;
  /** Confirmed entities missing from it, removed. */
  removed: number;
  /** Entities of the list whose pending changes stayed on top. */
  keptPending: number;
  /** Ids whose confirmed state (present or deleted) writes newer than the list kept; none for `store.reconcile`'s list. */
  kept: string[];
}

/**
 * A realtime event applied to the confirmed layer, or recognised as this client's own change coming
 * back (`echo: true`). An echo that settled a pending change names it (`mutationId`, `change`); any
 * other echo changes nothing, except a `DELETE`, which is applied.
 */
export interface RealtimeChangeEvent extends EventBase {
  /** Always `"realtime"`. */
  type: "realtime";
  /** The event's kind. */
  action: "INSERT" | "UPDATE" | "DELETE";
  /** The entity it concerns. */
  id: string;
  /** The entity it carried (UI shape, JSON-safe); for a `DELETE`, `{ id }`. */
  data: unknown;
  /** Whether it was this client's own change coming back. */
  echo: boolean;
  /** The receipt of the pending change the echo settled. */
  mutationId?: string;
  /** The number of the pending change the echo settled (as in its {@link MutationEvent}s). */
  change?: number;
}

/** Any other confirmed write: the store's own methods (`upsert`, `update`, `remove`, `clear`, …). */
export interface ConfirmedEvent extends EventBase {
  /** Always `"confirmed"`. */
  type: "confirmed";
  /**
   * `upsert` (also `store.update`, and the server's entity a conflict brought), `remove`, `clear`,
   * `restore` (`store.rollback()`), or `scope`: the `scope` option switched the store to another
   * scope's data (emptied; that scope's cached list follows as a `server-list`).
   */
  op: "upsert" | "remove" | "clear" | "restore" | "scope";
  /** For `scope`: the scope now shown (`null`: signed out). */
  scope?: string | number | null;
  /** The entity written or removed. */
  id?: string;
  /** The entity written (UI shape, JSON-safe). */
  data?: unknown;
  /** For `restore`: the complete confirmed list. */
  items?: unknown[];
}

/** The state of a store when a recording started (or the state its dropped events folded into). */
export interface SnapshotEvent extends EventBase {
  /** Always `"snapshot"`. */
  type: "snapshot";
  /** The confirmed entities, the visible order and the changes in flight (a format of `replayEvents`, JSON-safe). */
  state: unknown;
}

/** One event of a store's log: see the `onEvent` option and `mobx-tanstack-optimistic/devtools`. */
export type OptimisticEvent = MutationEvent | ServerListEvent | RealtimeChangeEvent | ConfirmedEvent | SnapshotEvent;

/** An event before the log stamps it with `at` and `store`; internal. */
export type LogEntry = OptimisticEvent extends infer E ? (E extends OptimisticEvent ? Omit<E, "at" | "store"> : never) : never;
