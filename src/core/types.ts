/* eslint-disable @typescript-eslint/no-explicit-any -- the plan's public signatures take `any` for user input; kept for source compatibility */
import type { DataTransformer } from "../transforms/types";
import type { ConflictResolver, Entity, MutationReceipt, OptimisticDefaults, OptimisticEvent, WriteStatus } from "./shapes";
import type { RealtimeConfig, RealtimeSocket } from "../realtime/types";
import type { OptimisticStore } from "./OptimisticStore";
import type { PersistStorage } from "../persist/PersistStorage";

export type { ConflictResolver, Entity, MutationReceipt, OptimisticDefaults, OptimisticEvent, PersistStorage, WriteStatus };

/**
 * What `queryFn` receives: TanStack Query's query function context (the object itself, so its
 * other fields are there too), of which these two matter here.
 */
export interface OptimisticQueryContext {
  /** `[name]`, or `[name, scope]` with the `scope` option. */
  readonly queryKey: readonly unknown[];
  /** Aborted when the fetch is cancelled (a newer refetch, a scope change, `store.clear()`): pass it to `fetch`. */
  readonly signal: AbortSignal;
}

/**
 * The `conflict` option: how an update the server refuses because the entity changed meanwhile (an
 * HTTP 409 for an outdated `If-Match`, say) is settled.
 *
 * @example
 * conflict: {
 *   detect: (error) => (error instanceof HttpError && error.status === 409 ? error.body.current : undefined),
 *   resolve: "client-wins",
 * }
 */
export interface OptimisticConflictConfig<TApiData, TUiData> {
  /**
   * Tells a conflict from other errors of `mutations.update`: returns the server's current entity
   * (as the server sends it; it becomes confirmed), or undefined when `error` is no conflict.
   */
  detect: (error: unknown) => TApiData | undefined;
  /**
   * `"server-wins"` (default): the change is dropped and the action rejects with an
   * `OptimisticConflictError`; `"client-wins"`: the same change is sent again on top of the server's
   * version; a {@link ConflictResolver}: the change it returns is sent (`null`: server-wins).
   */
  resolve?: "server-wins" | "client-wins" | ConflictResolver<TUiData>;
  /** How many times one change is sent at most, the first included (default 3); then the action rejects with an `OptimisticConflictError`. */
  maxAttempts?: number;
}

/** Where an error reported to `onError` / `logger` came from. */
export interface OptimisticErrorInfo {
  /** The part of the library that caught the error. */
  source: "query" | "mutation" | "realtime" | "callback" | "store" | "persist";
  /** The manager's `name`. */
  name: string;
  /** The entity id concerned, when there is one. */
  id?: string;
  /** The realtime event, server item or log event that caused it, when there is one. */
  payload?: unknown;
}

/** Optional sink for the library's diagnostics; the library never prints on its own. */
export interface OptimisticLogger {
  /** Lifecycle and mutation events, for debugging. */
  debug?: (message: string, details?: unknown) => void;
  /** Problems the library recovered from (a dropped event, an invalid server item). */
  warn?: (message: string, details?: unknown) => void;
  /** Errors, when no `onError` hook is given. */
  error?: (message: string, details?: unknown) => void;
}

/** Configuration of {@link createOptimisticStoreManager}. */
export interface OptimisticStoreConfig<
  TApiData extends Entity = Entity,
  TUiData extends Entity = TApiData,
  TStore extends OptimisticStore<TUiData> = OptimisticStore<TUiData>,
> {
  /** Unique name of the collection; the TanStack Query key is `[name]` (with `scope`: `[name, scope()]`). */
  name: string;
  /**
   * Fetches the whole collection; its result is transformed and becomes the confirmed state. Receives
   * TanStack Query's context: `queryKey` (the scope is `queryKey[1]`) and `signal` (aborted when the
   * fetch is cancelled).
   */
  queryFn: (context: OptimisticQueryContext) => Promise<TApiData[]>;
  /** Server calls. Each also receives a {@link MutationReceipt} as its second argument. */
  mutations: {
    /** Creates on the server what `actions.create(data)` was given; resolves with the created entity. */
    create: (data: any, receipt: MutationReceipt) => Promise<TApiData>;
    /** Updates on the server; resolves with the updated entity (or nothing: the patch is then taken as confirmed). */
    update: (params: { id: string; data: any }, receipt: MutationReceipt) => Promise<TApiData>;
    /** Deletes on the server. */
    remove: (id: string, receipt: MutationReceipt) => Promise<{ id: string } | void>;
  };
  /** API ↔ UI conversion; default: {@link createDefaultTransformer}(); `false`: none. */
  transformer?: DataTransformer<TApiData, TUiData> | false;
  /** Builds optimistic entities (the transformer's `optimisticDefaults` take precedence). */
  optimisticDefaults?: OptimisticDefaults<TUiData>;
  /** Extra context handed to `createOptimisticUiData` (the current user, say). */
  optimisticContext?: () => any;
  /** A subclass of {@link OptimisticStore} to use as the store. */
  storeClass?: new (transformer?: DataTransformer<any, TUiData>) => TStore;
  /** How long fetched data stays fresh, in ms (default 5 minutes). */
  staleTime?: number;
  /** Whether the query may run; read at creation and by `updateOptions()` (default: always). */
  enabled?: () => boolean;
  /**
   * Keep a change the server refused visible, marked failed in `store.writeStatus(id)`, until
   * `retry()` or `discard()` (default `false`: it rolls back at once). The action still rejects.
   */
  keepFailed?: boolean;
  /**
   * Which of two versions of an entity is newer: a field name (`"version"`, `"updatedAt"`) or a
   * function. Numbers, ISO-8601 strings and `Date`s compare by value. Confirmed state never goes
   * back to an older version, whatever brings it (a fetch, a realtime event, a mutation's answer):
   * an older value is ignored (`logger.debug` says so) and the query cache keeps the newer one.
   * Update receipts carry `baseVersion`, and the changes of one entity are sent one answer at a time.
   */
  version?: string | ((entity: TUiData) => number | string | Date);
  /** Settles updates the server refuses as conflicting; see {@link OptimisticConflictConfig}. */
  conflict?: OptimisticConflictConfig<TApiData, TUiData>;
  /**
   * Per-user (per-tenant, per-filter) data: the query key becomes `[name, scope()]`. Read by MobX:
   * when its value changes the store switches to that scope's data at once (its cached data, if
   * any, else it loads); changes still in flight settle into the previous scope's cache. `null` or
   * `undefined`: signed out, nothing is fetched and the store is empty.
   *
   * @example
   * scope: () => auth.user?.id, // auth.user is a MobX observable
   */
  scope?: () => string | number | null | undefined;
  /** Realtime events from a socket.io server (see `manager.realtime`). */
  realtime?: RealtimeConfig<TUiData>;
  /**
   * Keeps the confirmed entities and every change not answered yet in `storage`, so they survive a
   * reload: restored at creation (see `manager.ready`), queued changes sent when online with their
   * original receipts. `key` defaults to `"mobx-tanstack-optimistic:<name>"`.
   * @example persist: { storage: localStorage }
   */
  persist?: PersistConfig;
  /** Receives every error the library catches (query errors, invalid server data, dropped events, throwing callbacks). */
  onError?: (error: Error, info: OptimisticErrorInfo) => void;
  /** Receives debug and warning messages. */
  logger?: OptimisticLogger;
  /**
   * Receives every change of the store as plain, JSON-safe data, synchronously, once the change is
   * visible: mutation phases, fetched lists, realtime events, other confirmed writes. Nothing is
   * built for events when it is not given. See `mobx-tanstack-optimistic/devtools` to record and replay.
   */
  onEvent?: (event: OptimisticEvent) => void;
}

/** The `persist` option: where a manager keeps its state across reloads. */
export interface PersistConfig {
  /** `localStorage`, `createIndexedDBStorage()` or any {@link PersistStorage}. */
  storage: PersistStorage;
  /** The storage key (default `"mobx-tanstack-optimistic:<name>"`); give managers that share a storage different keys. */
  key?: string;
}

/** What {@link createOptimisticStoreManager} returns. */
export interface OptimisticStoreManager<
  TApiData extends Entity = Entity,
  TUiData extends Entity = TApiData,
  TStore extends OptimisticStore<TUiData> = OptimisticStore<TUiData>,
> {
  /** The MobX store: `entities`, `list`, `get(id)` show confirmed state with pending changes applied. */
  store: TStore;
  /** Optimistic mutations and query triggers. */
  actions: {
    /** Shows the new entity at once under a temporary id, then replaces it with the server's. */
    create: (data: any) => Promise<TApiData>;
    /** Shows the change at once; rolls back only this change if the server refuses it. */
    update: (params: { id: string; data: any }) => Promise<TApiData>;
    /** Hides the entity at once; brings it back if the server refuses. */
    remove: (id: string) => Promise<void | { id: string }>;
    /** Refetches the collection now. */
    refetch: () => Promise<any>;
    /** Refetches if the manager is enabled. */
    triggerQuery: () => void;
  };
  /** Observable status of the query and of the mutations in flight. */
  status: {
    /** The first fetch is running and there is no data yet. */
    isLoading: boolean;
    /** The last fetch failed (the entities already shown stay). */
    isError: boolean;
    /** The last fetch's error, or null. */
    error: Error | null;
    /** A fetch is running (first load or refetch). */
    isSyncing: boolean;
    /** At least one create is in flight. */
    createPending: boolean;
    /** At least one update is in flight. */
    updatePending: boolean;
    /** At least one remove is in flight. */
    deletePending: boolean;
    /** At least one mutation of any kind is in flight. */
    hasPendingMutations: boolean;
    /** How many entities have failed changes kept visible (`keepFailed`), waiting for retry or discard. */
    failedCount: number;
    /** How many changes wait for the network (made offline, not sent yet); a change sent no longer counts. */
    queuedCount: number;
    /** Whether TanStack Query's `onlineManager` says the app is online (observable). */
    isOnline: boolean;
  };
  /**
   * Resolves once the state stored by `persist` is shown (at once without `persist`). Never rejects:
   * a storage that fails is reported through `onError` / `logger`, and the manager goes on without it.
   */
  ready: Promise<void>;
  /** Re-reads `enabled()` and starts or stops the query accordingly (fresh cached data is not refetched). */
  updateOptions: () => void;
  /** Whether the query is enabled now. */
  isEnabled: () => boolean;
  /** Enables the query (fetching only if data is missing or stale). */
  enable: () => void;
  /** Stops fetching; the entities stay. */
  disable: () => void;
  /** Unsubscribes everything, disconnects realtime, clears timers; later results are ignored. */
  destroy: () => void;
  /** Present when `realtime` is configured. */
  realtime?: {
    /** Whether the socket is attached and connected (observable). */
    isConnected: boolean;
    /** Starts applying the socket's events (a second call with the same socket does nothing). */
    connect: (socket: RealtimeSocket) => void;
    /** Stops listening; removes exactly the listeners `connect` added. */
    disconnect: () => void;
  };
}
