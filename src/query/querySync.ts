import { hashKey, QueryObserver, type Query, type QueryFunctionContext, type QueryObserverResult } from "@tanstack/query-core";
import { runInAction } from "mobx";
import type { ManagerContext, ManagerPart } from "../core/context";
import { kindOf, OptimisticConfigError, OptimisticEntityError, toError } from "../core/errors";
import type { DetachedChange } from "../core/MutationRunner";
import type { Entity } from "../core/shapes";
import type { QueryStatus } from "../core/status";
import { shallowEqual } from "../utils/shallowEqual";
import { CacheWriter, isWrittenBack, listenToCache, writtenIds } from "./CacheWriter";

const DEFAULT_STALE_TIME = 5 * 60 * 1000;

/** A fetch in flight that a manager stopped observing: the ids written while it ran, the cached list before it lands. */
interface Watch {
  query: object;
  ids: Set<string>;
  before: unknown;
  /** The app's reconcile ran while it was in flight (before the manager was destroyed): it keeps no item. */
  all?: boolean | undefined;
}

/**
 * Per query, the fetch in flight that managers stopped observing (disabled or destroyed): a manager
 * that applies its result keeps its own values of the ids written while it ran.
 */
const watched = /* @__PURE__ */ new WeakMap<object, Watch>();

/**
 * Per query, the list it held when a manager's `store.reconcile()` ran while its fetch was in flight
 * (until the next fetch starts): that fetch's result is older than the app's list for every manager
 * of the key, also those notified of it before the one that reconciled.
 */
const reconciled = /* @__PURE__ */ new WeakMap<object, unknown>();

export interface QuerySyncOptions {
  /** The observable query status the manager exposes. */
  status: QueryStatus;
  /** Whether the query starts enabled. */
  enabled: boolean;
  /** Applies what arrived so far (queued realtime events): called when a fetch starts and before its list lands, so the list outranks it. */
  beforeList: () => void;
  /** With the `scope` option: the scope at creation (`null`: signed out). The key is then `[name, scope]`. */
  scope?: { value: ScopeValue };
}

/** What the `scope` option returns: the key's second part, or nothing (signed out). */
export type ScopeValue = string | number | null | undefined;

/** Keeps a store's confirmed layer and a TanStack query in sync, both ways. */
export interface QuerySync<TUiData> extends ManagerPart {
  /** Fetches now; never joins a fetch that started before the call. */
  refetch(): Promise<unknown>;
  /**
   * Realtime may have missed events (the socket was away): fetches now if the query is observed,
   * else when it is observed again, however fresh its cached data.
   */
  resync(): void;
  setEnabled(enabled: boolean): void;
  /** Writes a change settled after `destroy()` (or, `key`, for a previous scope) to the query cache. */
  writeDetached(change: DetachedChange<TUiData>, key?: readonly unknown[]): void;
  /** The key of the query the store shows. */
  key(): readonly unknown[];
  /** Whether the store has applied the list the cache holds (not while disabled since it was restored or fetched). */
  shows(): boolean;
  /** Shows the list the cache holds, if any, without observing the query (with persist, while the storage is read). */
  showCached(): void;
  /**
   * Makes the store show another scope's query, in the running MobX action: the previous scope's
   * changes are written to its cache, the store is emptied and filled with the new scope's cached
   * data (fetched when stale or missing); nothing of the previous query reaches the store again.
   */
  setScope(value: ScopeValue): void;
}

/**
 * Query results become confirmed state (a fetch's result never overwrites what was written while it
 * was in flight), and confirmed changes go back to the query cache through a {@link CacheWriter}:
 * coalesced, or at once when another observer of the key subscribes, on disable, on `clear()` and
 * on destroy.
 *
 * While disabled, the query is not observed: nothing it fetches or holds reaches the store, except
 * the result of an explicit `refetch()`.
 */
export function createQuerySync<TApiData, TUiData extends Entity>(
  ctx: ManagerContext<TApiData, TUiData>,
  options: QuerySyncOptions,
): QuerySync<TUiData> {
  const { client, name, layers, reporter, codec, config } = ctx;
  const { status } = options;
  const scoped = options.scope !== undefined;
  let scope: ScopeValue = options.scope?.value ?? null;
  let queryKey: unknown[] = scoped ? [name, scope] : [name];
  let enabled = options.enabled;
  /** Whether the query is observed: enabled, and (with `scope`) signed in. */
  const active = () => enabled && (!scoped || scope !== null);
  /** Bumped by every scope change: a refetch asked for before shows nothing after it. */
  let generation = 0;
  let destroyed = false;
  let fetching = false;
  /** While a cancelled fetch reverts the query: what it shows must not reach the store. */
  let reverting = false;
  let unsubscribe: (() => void) | undefined;
  let lastError: unknown = null;
  /** The query's last error as `status.error` shows it (and `onError` gets it): an `Error`, made once per error. */
  let shownError: { raw: unknown; error: Error | null } = { raw: null, error: null };
  /** refetch() calls made while not observing, still running: their results are shown when they land. */
  let explicitRefetches = 0;
  /** Realtime missed events while the query was not observed, and no fetch has started since. */
  let missedEvents = false;
  /**
   * A fetch in flight that this manager does not observe (disabled, or destroyed, while it ran): the
   * ids written while it ran, and the cached list as it stands before it lands.
   */
  let watch: Watch | undefined;

  // Writes made after a fetch started must survive its result; a refetch that cancels it starts anew.
  const fetchStarted = (): void => {
    // Read after everything a destroyed manager wrote: it has nothing to keep against it.
    if (destroyed) return watch && endWatch();
    // Realtime events that arrived before (waiting for their batch) are older than its list.
    options.beforeList();
    fetching = true;
    missedEvents = false;
    // While data another fetch brought is not shown yet (disabled), the writes it must not undo stay known.
    layers.beginFetch(!unsubscribe && query().state.data !== writer.mark?.data);
  };
  /** A fetch (or a retry of one) starts now. */
  const started = (): void => {
    reconciled.delete(query());
    fetchStarted();
    if (!unsubscribe && !destroyed) watchFetch(true);
  };
  // Not observed, a fetch's result would land over the writes made while it ran (query-core stores
  // it as it is): they are patched back in when it lands, the fetch is not cancelled (another
  // observer of the key, or the app's fetchQuery, may wait for it).
  const watchFetch = (restarted = false): void => {
    const current = query();
    if (current.state.fetchStatus === "idle") return;
    // A fetch (re)started now reads everything written before: only what the layers still protect counts.
    const ids = (!restarted && watched.get(current)?.ids) || new Set<string>();
    for (const id of layers.writtenSinceFetch()) ids.add(id);
    watched.set(current, (watch = { query: current, ids, before: current.state.data }));
  };
  const endWatch = (): void => {
    if (watch && watched.get(watch.query) === watch) watched.delete(watch.query);
    watch = undefined;
    if (destroyed) release();
  };
  /** Destroyed, and no fetch left to watch: nothing of the manager is needed by the cache any more. */
  const release = (): void => {
    unsubscribeCache();
    hooks.started = hooks.share = undefined;
  };
  /** The watched fetch landed: what was written while it ran goes back into the cached list. */
  const keepWrites = (): void => {
    const { ids, before, all } = watch!;
    endWatch();
    // Destroyed, the layers no longer follow the fetch: the watch says it.
    const data = writer.keepWrites(destroyed ? ids : new Set([...ids, ...layers.writtenSinceFetch()]), before, all || layers.superseded);
    // Enabled again, the store applies it as that fetch's result. Every item put back (a reconcile
    // ran), it holds nothing of that older fetch: the list it shows, the app's own, is no older.
    if (data && !destroyed) {
      fetched = data;
      layers.superseded = false;
    }
  };
  /** The data the last fetch (or a user's setQueryData) stored: its list is the server's, not a write-back. */
  let fetched: unknown;
  /**
   * Lists stored by fetches (or a user's setQueryData), and how many of them the store has applied:
   * a list equal to the cache (so the very array of the last write-back) that lands in the same
   * millisecond as that write-back is still a new server list (its order counts).
   */
  let listsIn = 0;
  let listsApplied = 0;
  /** The last data under the key that was no list (reported once). */
  let notAList: unknown;
  // A write-back is already the new list. A fetch keeps the previous item of each unchanged entity,
  // so the store skips them without converting them again.
  const hooks: QueryHooks = {
    // A retry of a previous scope's fetch is not this store's.
    started: (context) => (!scoped || context.queryKey[1] === scope) && started(),
    share: (previous, next) => (listsIn++, (fetched = shareItems(previous, next))),
  };
  const { queryFn, structuralSharing } = queryFunctions(config.queryFn, name, hooks);
  const observerOptions = (enabled: boolean) => ({
    queryKey: queryKey as string[],
    queryFn,
    staleTime: config.staleTime ?? DEFAULT_STALE_TIME,
    enabled,
    structuralSharing,
    // The client's defaults must not put data no fetch of this key brought into the store (another scope's, with keepPreviousData).
    placeholderData: undefined,
    // status follows every field of the result, whatever the defaults track.
    notifyOnChangeProps: "all" as const,
  });
  const observer = new QueryObserver<TApiData[], Error, TApiData[], TApiData[], string[]>(client, observerOptions(active()));
  const query = (): Query<TApiData[], Error, TApiData[], string[]> => observer.getCurrentQuery();
  const writer = new CacheWriter<TApiData, TUiData>({
    client,
    query,
    layers,
    codec,
    reporter,
    shared: () => query().observers.some((other) => other !== observer),
  });

  /** Status while not observing: syncing while a refetch() runs, loading too while there is no data yet. */
  const refetchStatus = () =>
    runInAction(() => {
      status.isSyncing = explicitRefetches > 0;
      status.isLoading = status.isSyncing && query().state.data === undefined;
    });

  // One action: no reaction sees the fetch over (isLoading, isSyncing false) before its list shows.
  const onResult = (result: QueryObserverResult<TApiData[], Error>): void => runInAction(() => {
    if (destroyed) return;
    // A queryFn may reject with anything (a string, a plain object, undefined): status.error is typed
    // Error. A falsy rejection is told apart from the next by its count.
    const raw: unknown = result.isError && ((result.error as unknown) || result.errorUpdateCount);
    if (raw && raw !== shownError.raw) shownError = { raw, error: toError(result.error) };
    // Also while the first fetch waits for the network (query-core's `fetchStatus: "paused"`): no data yet is not an empty list.
    status.isLoading = result.isPending && result.fetchStatus !== "idle";
    status.isError = result.isError;
    status.error = raw ? shownError.error : null;
    status.isSyncing = result.isFetching;
    // A write-back stores the list, then the fetch error again: not a new error.
    if (!writer.writing) {
      if (raw && raw !== lastError) reporter.error(shownError.error, { source: "query" });
      lastError = raw;
    }
    if (result.fetchStatus !== "idle" && !fetching) fetchStarted();
    const data = result.data;
    const mark = writer.mark;
    if (!writer.writing && !reverting && data !== undefined && (data !== mark?.data || result.dataUpdatedAt !== writer.markUpdatedAt || listsIn !== listsApplied)) {
      // The app wrote something else under the key (setQueryData, a persister restoring an older shape): no list to show.
      if (!Array.isArray(data)) {
        if (data !== notAList) reporter.dropped(new OptimisticConfigError(`the query data of "${name}" must be an array of entities, got ${kindOf(data)}.`), { source: "query", payload: data });
        notAList = data;
        return endFetchIfIdle(result);
      }
      // A list another manager wrote back is not a fetch: this store's unwritten changes stay on it.
      const source = isWrittenBack(data) && data !== fetched ? "cache" : "fetch";
      // Beside a failed fetch, the data is an older fetch's that was not shown (fetched while this
      // manager was disabled): writes made since the failed fetch started cannot be told apart from it.
      if (source === "fetch" && result.isError) return endFetchIfIdle(result);
      // In the one action, what the queued events change is written back after the list is applied.
      listsApplied = listsIn;
      const atReconcile = reconciled.get(query());
      if (source === "fetch") {
        options.beforeList();
        // The result of a fetch another manager stopped observing (not the cached list it watches).
        const other = watched.get(query());
        if (other && other.before !== data) layers.keepAgainstFetch(other.ids);
        // The fetch another manager's store.reconcile() made older, landing while this store
        // observes (a store enabled since holds older values than that fetch's list).
        if (unsubscribe && (atReconcile ?? data) !== data) layers.supersede();
      }
      // While the fetch runs, a list is not its result (that ends it): one other than the list the
      // cache held at the reconcile (which the write-back replaced unless equal) is the app's, written after it.
      const older = layers.superseded && !(result.fetchStatus !== "idle" && data !== atReconcile);
      // A refetch equal to the cache still counts: entities kept against an older list get re-checked.
      writer.hold(layers.applyServerList(data, toEntity, mark, source, codec.ownIds, false, source === "cache" ? writtenIds(data) : undefined, older));
      writer.markUpdatedAt = result.dataUpdatedAt;
      reporter.debug?.("server list applied", { items: data.length, source });
    }
    endFetchIfIdle(result);
  });
  /** A fetched item as an entity; one that is not even an object (`null`) is reported as an item without an id is. */
  const toEntity = (item: unknown) => {
    if (item !== null && typeof item === "object") return codec.toEntity(item, "query");
    reporter.dropped(new OptimisticEntityError(`query data of "${name}" holds ${kindOf(item)} instead of an entity; it was ignored.`), { source: "query", payload: item });
    return undefined;
  };
  const endFetchIfIdle = (result: QueryObserverResult<TApiData[], Error>): void => {
    if (result.fetchStatus === "idle" && fetching) {
      fetching = false;
      layers.endFetch();
    }
  };

  // One action: no reaction sees the result the query holds (no data and no fetch yet: not loading)
  // before the fetch that subscribing starts.
  const observe = (): void => runInAction(() => {
    if (unsubscribe || destroyed) return;
    // Observed again, the store applies the fetch and writes back what it must not undo.
    if (watch) endWatch();
    onResult(observer.getCurrentResult());
    unsubscribe = observer.subscribe(onResult);
    // Subscribing fetched if the data was stale; fresh data may still lack what realtime missed.
    if (missedEvents) void observer.refetch();
  });
  const stopObserving = (): void => {
    if (!unsubscribe) return;
    unsubscribe();
    unsubscribe = undefined;
    refetchStatus();
  };

  layers.onConfirmedChange = () => {
    if (layers.superseded && !reconciled.has(query())) reconciled.set(query(), query().state.data);
    writer.schedule();
  };
  // store.clear(): a fetch in flight started before it and must never land, in the store or the
  // cache; the cache is emptied (and marked stale) at once.
  layers.onClear = () => {
    if (destroyed) return;
    const current = query();
    if (current.state.fetchStatus !== "idle") {
      reverting = true;
      try {
        void current.cancel({ revert: true });
      } finally {
        reverting = false;
      }
    }
    writer.flush();
    // The cleared list is the query's state now (its fetch error was forgotten with the data).
    if (!unsubscribe) {
      runInAction(() => {
        status.isError = false;
        status.error = null;
      });
    }
  };

  const unsubscribeCache = listenToCache(client.getQueryCache(), (event) => {
    if (watch && event.query === watch.query) {
      if (event.type === "removed") endWatch();
      else if (event.type === "updated") {
        if (event.action.type === "success" && !event.action.manual) keepWrites();
        // Failed or cancelled: nothing landed (and no older fetch is left for a reconcile to be newer than).
        else if (event.query.state.fetchStatus === "idle") {
          endWatch();
          layers.superseded = false;
        }
        else watch.before = event.query.state.data;
      }
    }
    if (destroyed || event.query !== observer.getCurrentQuery()) return;
    // The app removed the query (removeQueries, queryClient.clear(), garbage collection): observe
    // the new one of the key, which an enabled manager fetches; its data is no list the store has seen.
    if (event.type === "removed") {
      writer.mark = undefined;
      observer.setOptions(observerOptions(active()));
    } else if (event.type === "observerAdded" && event.observer !== observer) {
      writer.flush();
      writer.announce();
    }
    else if (event.type === "updated" && event.action.type === "fetch") started();
  });
  if (active()) observe();

  return {
    refetch() {
      // Signed out: nothing is fetched.
      if (scoped && scope === null) return Promise.resolve(undefined);
      // query-core joins a first load in flight instead of starting anew: cancel it so the data
      // delivered was fetched after this call (a refetch over data cancels on its own).
      const current = query();
      if (current.state.fetchStatus !== "idle" && current.state.data === undefined) void current.cancel({ silent: true });
      if (unsubscribe) return observer.refetch();
      // Not observing (disabled): the result of a refetch asked for explicitly is still shown. What
      // the cache got meanwhile is taken first, while the writes it must not undo are still known.
      onResult(observer.getOptimisticResult(client.defaultQueryOptions(observer.options)));
      explicitRefetches++;
      runInAction(() => {
        status.isSyncing = true;
        // No data yet: this is the first load.
        if (query().state.data === undefined) status.isLoading = true;
      });
      const asked = generation;
      return observer.refetch().then((result) => {
        explicitRefetches--;
        if (unsubscribe) return result;
        if (asked === generation) onResult(result);
        // Another scope's fetch: its result is not shown, and it no longer runs for this one.
        else refetchStatus();
        return result;
      });
    },
    resync() {
      if (destroyed) return;
      if (unsubscribe) void this.refetch();
      else missedEvents = true;
    },
    setEnabled(next) {
      if (destroyed) return;
      enabled = next;
      if (!active()) {
        writer.flush();
        writer.announce();
        if (unsubscribe) watchFetch();
      }
      observer.setOptions(observerOptions(active()));
      if (active()) observe();
      else stopObserving();
    },
    key: () => queryKey,
    shows: () => query().state.data === writer.mark?.data,
    showCached() {
      if (query().state.data !== undefined) onResult(observer.getCurrentResult());
    },
    setScope(value) {
      const next = value ?? null;
      if (destroyed || next === scope) return;
      runInAction(() => {
        // The previous scope's last events and unwritten changes go to its own cache.
        options.beforeList();
        writer.flush();
        writer.announce();
        const previous = query();
        // The previous scope's fetch is cancelled below when nobody else observes it.
        if (watch) endWatch();
        stopObserving();
        scope = next;
        queryKey = [name, next];
        generation++;
        if (fetching) fetching = false;
        lastError = null;
        writer.mark = undefined;
        layers.reset();
        layers.emit?.({ type: "confirmed", op: "scope", scope: next });
        status.isError = false;
        status.error = null;
        observer.setOptions(observerOptions(active()));
        // Nobody shows the previous scope's fetch any more; landing later, it could overwrite the
        // answers of its changes still in flight in its cache.
        if (previous.state.fetchStatus !== "idle" && previous.observers.length === 0) void previous.cancel({ revert: true });
        if (active()) observe();
      });
      reporter.debug?.("scope changed", { scope: next });
    },
    writeDetached(change, key) {
      if (destroyed && !key) watch?.ids.add("put" in change ? change.put.id : change.remove);
      // The store shows that scope again (left and come back to): the answer is confirmed there, and written back from it.
      if (destroyed || !key || hashKey(key) !== query().queryHash) return writer.writeDetached(change, key);
      if ("put" in change) layers.writeAnswer(change.put.id, change.put);
      else layers.writeAnswer(change.remove, undefined);
    },
    dispose() {
      if (destroyed) return;
      writer.dispose();
      destroyed = true;
      layers.onConfirmedChange = undefined;
      layers.onClear = undefined;
      if (unsubscribe) watchFetch();
      if (watch) watch.all ||= layers.superseded;
      if (fetching) layers.endFetch();
      stopObserving();
      if (!watch) release();
    },
  };
}


/** What the query's functions call in the manager: emptied once it is destroyed (and watches no fetch). */
interface QueryHooks {
  /** A fetch of the key (`context`) starts. */
  started?: (context: QueryFunctionContext) => void;
  /** Stores a fetched list (not a write-back), its items shared with the previous list's. */
  share?: (previous: unknown, next: unknown) => unknown;
}

/**
 * The query function and structural sharing of a manager's query. query-core keeps them in the
 * query's options as long as the query is cached (`gcTime` after its last observer leaves, forever
 * with `Infinity`): made out here, they reach the manager only through `hooks`, so a destroyed
 * manager (its store, its entities) is not kept with them.
 */
function queryFunctions<TApiData>(fetch: (context: QueryFunctionContext) => Promise<TApiData[]>, name: string, hooks: QueryHooks) {
  return {
    queryFn: async (context: QueryFunctionContext): Promise<TApiData[]> => {
      hooks.started?.(context);
      const data = await fetch(context);
      if (!Array.isArray(data)) {
        throw new OptimisticConfigError(`queryFn of "${name}" must resolve to an array of entities, got ${kindOf(data)}.`);
      }
      return data;
    },
    // A write-back is already the new list.
    structuralSharing: (previous: unknown, next: unknown): unknown => (isWrittenBack(next) ? next : (hooks.share ?? shareItems)(previous, next)),
  };
}

/**
 * Structural sharing of a fetched list: each item equal to the one at its place in the previous
 * list is that previous item, and an unchanged list is the previous list itself. One comparison
 * per item, no copies (query-core's `replaceEqualDeep` rebuilds every object it walks).
 */
function shareItems(previous: unknown, next: unknown): unknown {
  if (!Array.isArray(previous) || !Array.isArray(next)) return next;
  let same = previous.length === next.length;
  const shared = new Array<unknown>(next.length);
  for (let i = 0; i < next.length; i++) {
    const item: unknown = next[i];
    const before: unknown = previous[i];
    if (before !== undefined && shallowEqual(before, item)) shared[i] = before;
    else {
      shared[i] = item;
      same = false;
    }
  }
  return same ? previous : shared;
}

