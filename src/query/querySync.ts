import { QueryObserver, replaceEqualDeep, type Query, type QueryClient, type QueryObserverResult } from "@tanstack/query-core";
import { runInAction } from "mobx";
import { OptimisticConfigError } from "../core/errors";
import type { OptimisticLayers, ServerListMark } from "../core/OptimisticLayers";
import type { Reporter } from "../core/reporter";
import type { Entity } from "../core/types";

/** The observable query status a manager exposes. */
export interface QueryStatus {
  isLoading: boolean;
  isError: boolean;
  error: Error | null;
  isSyncing: boolean;
}

/** A confirmed change to write to the cache without the store (after `destroy()`). */
export type CacheChange<TUiData> = { put: TUiData } | { remove: string };

export interface QuerySyncOptions<TApiData, TUiData extends Entity> {
  client: QueryClient;
  name: string;
  queryFn: () => Promise<TApiData[]>;
  staleTime: number;
  enabled: boolean;
  layers: OptimisticLayers<TUiData>;
  /** Server item → entity; undefined for an item that cannot be used (already reported). */
  toEntity: (item: TApiData) => TUiData | undefined;
  /** Entity → server item, for writing confirmed state back to the query cache. */
  toItem: (entity: TUiData) => TApiData;
  status: QueryStatus;
  reporter: Reporter;
  /** Applies what arrived before a fetched list (queued realtime events), so the list lands after it. */
  beforeList: () => void;
}

/** Keeps a store's confirmed layer and a TanStack query in sync, both ways. */
export interface QuerySync<TUiData> {
  /** Fetches now; never joins a fetch that started before the call. */
  refetch(): Promise<unknown>;
  setEnabled(enabled: boolean): void;
  /** Writes pending confirmed changes to the query cache now. */
  flush(): void;
  /** Writes a change settled after `destroy()` to the query cache. */
  writeDetached(change: CacheChange<TUiData>): void;
  destroy(): void;
}

/** Lists written back by any manager: a manager seeing one in the cache knows it is not a fetch. */
const writtenBack = /* @__PURE__ */ new WeakSet<readonly unknown[]>();

/**
 * Query results become confirmed state (a fetch's result never overwrites what was written while it
 * was in flight), and confirmed changes are written back to the query cache, coalesced: once per
 * macrotask, or at once when another observer of the key subscribes, on disable, on `clear()` and
 * on destroy. A write-back patches the changed entities into the list the cache holds, so another
 * manager's changes already written there stay.
 *
 * While disabled, the query is not observed: nothing it fetches or holds reaches the store, except
 * the result of an explicit `refetch()`.
 */
export function createQuerySync<TApiData, TUiData extends Entity>(options: QuerySyncOptions<TApiData, TUiData>): QuerySync<TUiData> {
  const { client, name, layers, status, reporter, toEntity, toItem } = options;
  const queryKey = [name];
  let destroyed = false;
  let fetching = false;
  let writingBack = false;
  /** While a cancelled fetch reverts the query: what it shows must not reach the store. */
  let reverting = false;
  let unsubscribe: (() => void) | undefined;
  let mark: ServerListMark | undefined;
  /** Position of each id in a list's `ids` (built on the first write-back that needs it). */
  let markIndex: { ids: ServerListMark["ids"]; at: Map<string, number> } | undefined;
  let markUpdatedAt = 0;
  let lastError: unknown = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** refetch() calls made while not observing, still running: their results are shown when they land. */
  let explicitRefetches = 0;

  // Writes made after a fetch started must survive its result; a refetch that cancels it starts anew.
  const fetchStarted = (): void => {
    if (destroyed) return;
    fetching = true;
    // While data another fetch brought is not shown yet (disabled), the writes it must not undo stay known.
    if (unsubscribe || query().state.data === mark?.data) layers.beginFetch();
    else layers.beginFetch(true);
  };
  const queryFn = async (): Promise<TApiData[]> => {
    fetchStarted();
    const data = await options.queryFn();
    if (!Array.isArray(data)) {
      throw new OptimisticConfigError(`queryFn of "${name}" must resolve to an array of entities, got ${describe(data)}.`);
    }
    return data;
  };
  // A write-back is already the new list: comparing it item by item with the cache is wasted work.
  const structuralSharing = (previous: unknown, next: unknown): unknown =>
    Array.isArray(next) && writtenBack.has(next) ? next : replaceEqualDeep(previous, next);
  const observerOptions = (enabled: boolean) => ({ queryKey, queryFn, staleTime: options.staleTime, enabled, structuralSharing });
  const observer = new QueryObserver<TApiData[], Error, TApiData[], TApiData[], string[]>(client, observerOptions(options.enabled));
  const query = (): Query<TApiData[], Error, TApiData[], string[]> => observer.getCurrentQuery();

  const onResult = (result: QueryObserverResult<TApiData[], Error>): void => {
    if (destroyed) return;
    runInAction(() => {
      status.isLoading = result.isLoading;
      status.isError = result.isError;
      status.error = result.error;
      status.isSyncing = result.isFetching;
    });
    if (result.error && result.error !== lastError) reporter.error(result.error, { source: "query" });
    lastError = result.error;
    if (result.fetchStatus !== "idle" && !fetching) fetchStarted();
    const data = result.data;
    if (!writingBack && !reverting && data !== undefined && (data !== mark?.data || result.dataUpdatedAt !== markUpdatedAt)) {
      // A list another manager wrote back is not a fetch: this store's unwritten changes stay on it.
      const source = writtenBack.has(data) ? "cache" : "fetch";
      // Beside a failed fetch, the data is an older fetch's that was not shown (fetched while this
      // manager was disabled): writes made since the failed fetch started cannot be told apart from it.
      if (source === "fetch" && result.isError) return endFetchIfIdle(result);
      if (source === "fetch") options.beforeList();
      // A refetch equal to the cache still counts: entities kept against an older list get re-checked.
      mark = layers.applyServerList(data, toEntity as (item: unknown) => TUiData | undefined, mark, source);
      markUpdatedAt = result.dataUpdatedAt;
      reporter.debug?.("server list applied", { items: data.length, source });
    }
    endFetchIfIdle(result);
  };
  const endFetchIfIdle = (result: QueryObserverResult<TApiData[], Error>): void => {
    if (result.fetchStatus === "idle" && fetching) {
      fetching = false;
      layers.endFetch();
    }
  };

  const observe = (): void => {
    if (unsubscribe || destroyed) return;
    onResult(observer.getCurrentResult());
    unsubscribe = observer.subscribe(onResult);
  };
  const stopObserving = (): void => {
    if (!unsubscribe) return;
    unsubscribe();
    unsubscribe = undefined;
    runInAction(() => {
      status.isSyncing = explicitRefetches > 0;
      status.isLoading = false;
    });
  };

  const flush = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (destroyed || !layers.isDirty) return;
    const { ids, cleared } = layers.takeChanges();
    const cached = query().state.data;
    // After clear() (sign-out, say) the cache is emptied and stale, so enabling again fetches.
    if (cleared || !Array.isArray(cached)) write(fullList(), cleared, true);
    else {
      const base = baseOf(cached);
      write(patchList(base, ids.map((id) => [id, layers.confirmed(id)])), false, base === mark);
    }
  };

  /** `seen`: the store has applied everything in `next` (else the next result applies it). */
  const write = (next: ServerListMark | undefined, stale: boolean, seen: boolean): void => {
    if (!next) return;
    const current = query();
    const before = current.state;
    writtenBack.add(next.data);
    writingBack = true;
    try {
      // Keep the fetch time and a fetch error: written-back changes are not a fetch.
      client.setQueryData<TApiData[]>(queryKey, next.data as TApiData[], { updatedAt: stale ? 0 : before.dataUpdatedAt });
      if (!destroyed) {
        // Patched onto a list this store has not applied (fetched while disabled): it still must be.
        mark = seen ? next : undefined;
        markUpdatedAt = query().state.dataUpdatedAt;
      }
      // A fetch error outlives write-backs, but not clear(): the data it failed to load is forgotten.
      if (before.status === "error" && !stale) current.setState({ status: "error", error: before.error });
    } finally {
      writingBack = false;
    }
  };

  /** The cached list with its ids: the last list seen, or (written by someone unseen) one read anew. */
  const baseOf = (cached: readonly unknown[]): ServerListMark => {
    if (mark && mark.data === cached) return mark;
    return { data: cached, ids: cached.map((item) => (item !== null && typeof item === "object" ? toEntity(item as TApiData)?.id : undefined)) };
  };

  /** `base` with the given entities replaced, removed (undefined) or appended; undefined if nothing changes. */
  const patchList = (base: ServerListMark, changes: Iterable<[string, TUiData | undefined]>): ServerListMark | undefined => {
    if (markIndex?.ids !== base.ids) markIndex = { ids: base.ids, at: new Map(base.ids.map((id, i) => [id as string, i])) };
    const index = markIndex.at;
    let data: unknown[] | undefined;
    let removed = false;
    const added: TUiData[] = [];
    for (const [id, entity] of changes) {
      const at = index.get(id);
      if (at === undefined) {
        if (entity !== undefined) added.push(entity);
        continue;
      }
      data ??= base.data.slice();
      if (entity !== undefined) data[at] = toItem(entity);
      else {
        data[at] = REMOVED;
        removed = true;
      }
    }
    if (!removed && added.length === 0) return data && { data, ids: base.ids };
    const rows = data ?? base.data;
    const outData: unknown[] = [];
    const outIds: (string | undefined)[] = [];
    for (let i = 0; i < rows.length; i++) {
      if (rows[i] === REMOVED) continue;
      outData.push(rows[i]);
      outIds.push(base.ids[i]);
    }
    for (const entity of added) {
      outData.push(toItem(entity));
      outIds.push(entity.id);
    }
    // Appended here, the new entities may stand elsewhere in `list`: a list equal to this one must
    // still put `list` in order.
    if (added.length > 0) layers.orderUnknown();
    return { data: outData, ids: outIds };
  };

  const fullList = (): ServerListMark => {
    const entities = layers.confirmedEntities();
    return { data: entities.map(toItem), ids: entities.map((entity) => entity.id) };
  };

  layers.onConfirmedChange = () => {
    if (timer === undefined && !destroyed) timer = setTimeout(flush, 0);
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
    flush();
    // The cleared list is the query's state now (its fetch error was forgotten with the data).
    if (!unsubscribe) {
      runInAction(() => {
        status.isError = false;
        status.error = null;
      });
    }
  };

  const unsubscribeCache = client.getQueryCache().subscribe((event) => {
    if (event.query !== observer.getCurrentQuery()) return;
    if (event.type === "observerAdded" && event.observer !== observer) flush();
    else if (event.type === "updated" && event.action.type === "fetch") fetchStarted();
  });
  if (options.enabled) observe();

  return {
    refetch() {
      // query-core joins a first load in flight instead of starting anew: cancel it so the data
      // delivered was fetched after this call (a refetch over data cancels on its own).
      const current = query();
      if (current.state.fetchStatus !== "idle" && current.state.data === undefined) void current.cancel({ silent: true });
      if (unsubscribe) return observer.refetch();
      // Not observing (disabled): the result of a refetch asked for explicitly is still shown. What
      // the cache got meanwhile is taken first, while the writes it must not undo are still known.
      onResult(observer.getOptimisticResult(client.defaultQueryOptions(observer.options)));
      explicitRefetches++;
      runInAction(() => (status.isSyncing = true));
      return observer.refetch().then((result) => {
        explicitRefetches--;
        if (!unsubscribe) onResult(result);
        return result;
      });
    },
    setEnabled(enabled) {
      if (destroyed) return;
      if (!enabled) flush();
      observer.setOptions(observerOptions(enabled));
      if (enabled) observe();
      else stopObserving();
    },
    flush,
    writeDetached(change) {
      const cached = client.getQueryData<TApiData[]>(queryKey);
      if (!Array.isArray(cached)) return;
      const entry: [string, TUiData | undefined] = "put" in change ? [change.put.id, change.put] : [change.remove, undefined];
      write(patchList(baseOf(cached), [entry]), false, false);
    },
    destroy() {
      if (destroyed) return;
      flush();
      destroyed = true;
      layers.onConfirmedChange = undefined;
      layers.onClear = undefined;
      if (fetching) layers.endFetch();
      stopObserving();
      unsubscribeCache();
    },
  };
}

/** Marks a removed row while a list is patched. */
const REMOVED = {};

function describe(value: unknown): string {
  if (value === null) return "null";
  return typeof value === "object" ? (value.constructor?.name ?? "object") : typeof value;
}
