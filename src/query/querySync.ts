import { QueryObserver, replaceEqualDeep, type QueryClient, type QueryObserverResult } from "@tanstack/query-core";
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
}

/** Keeps a store's confirmed layer and a TanStack query in sync, both ways. */
export interface QuerySync {
  refetch(): Promise<unknown>;
  setEnabled(enabled: boolean): void;
  /** Writes pending confirmed changes to the query cache now. */
  flush(): void;
  destroy(): void;
}

/**
 * Query results become confirmed state (a fetch's result never overwrites what was written while it
 * was in flight), and confirmed changes are written back to the query cache, coalesced: once per
 * macrotask, or at once when another observer of the key subscribes, on disable and on destroy.
 */
export function createQuerySync<TApiData, TUiData extends Entity>(options: QuerySyncOptions<TApiData, TUiData>): QuerySync {
  const { client, name, layers, status, reporter, toEntity, toItem } = options;
  const queryKey = [name];
  let destroyed = false;
  let fetching = false;
  let writingBack = false;
  let mark: ServerListMark | undefined;
  /** Position of each id in `mark` (built on the first write-back that needs it). */
  let markIndex: { ids: ServerListMark["ids"]; at: Map<string, number> } | undefined;
  let markUpdatedAt = 0;
  let lastError: unknown = null;
  let timer: ReturnType<typeof setTimeout> | undefined;

  // Writes made after a fetch started must survive its result; a refetch that cancels it starts anew.
  const fetchStarted = (): void => {
    if (destroyed) return;
    fetching = true;
    layers.beginFetch();
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
  const structuralSharing = (previous: unknown, next: unknown): unknown => (writingBack ? next : replaceEqualDeep(previous, next));
  const observerOptions = (enabled: boolean) => ({ queryKey, queryFn, staleTime: options.staleTime, enabled, structuralSharing });
  const observer = new QueryObserver<TApiData[], Error, TApiData[], TApiData[], string[]>(client, observerOptions(options.enabled));

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
    if (writingBack && mark) {
      if (data) mark = { data, ids: mark.ids };
    } else if (data !== undefined && (data !== mark?.data || result.dataUpdatedAt !== markUpdatedAt)) {
      // A refetch equal to the cache still counts: entities kept against an older list get re-checked.
      mark = layers.applyServerList(data, toEntity as (item: unknown) => TUiData | undefined, mark);
      markUpdatedAt = result.dataUpdatedAt;
      reporter.debug?.("server list applied", { items: data.length });
    }
    if (result.fetchStatus === "idle" && fetching) {
      fetching = false;
      layers.endFetch();
    }
  };

  const flush = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (destroyed || !layers.isDirty) return;
    const { ids, cleared } = layers.takeChanges();
    const cached = query();
    const before = cached?.state;
    writingBack = true;
    mark = (!cleared && patchedMark(ids)) || fullMark();
    const data = mark.data as TApiData[];
    try {
      // Keep the fetch time and a fetch error: written-back changes are not a fetch. After clear()
      // (sign-out, say) the cache is emptied and stale, so enabling again fetches.
      const updatedAt = cleared ? 0 : (before?.dataUpdatedAt ?? 0);
      const stored = client.setQueryData<TApiData[]>(queryKey, data, { updatedAt });
      if (stored) mark = { data: stored, ids: mark.ids };
      if (cached && before?.status === "error") cached.setState({ status: "error", error: before.error });
    } finally {
      writingBack = false;
    }
  };

  /** The cached list with the changed entities replaced in place; undefined if any was added or removed. */
  const patchedMark = (ids: string[]): ServerListMark | undefined => {
    if (!mark || mark.data !== query()?.state.data) return undefined;
    if (markIndex?.ids !== mark.ids) markIndex = { ids: mark.ids, at: new Map(mark.ids.map((id, i) => [id as string, i])) };
    const data = mark.data.slice();
    for (const id of ids) {
      const at = markIndex.at.get(id);
      const entity = layers.confirmed(id);
      if (at === undefined || entity === undefined) return undefined;
      data[at] = toItem(entity);
    }
    return { data, ids: mark.ids };
  };
  const fullMark = (): ServerListMark => {
    const entities = layers.confirmedEntities();
    return { data: entities.map(toItem), ids: entities.map((entity) => entity.id) };
  };
  const query = () => observer.getCurrentQuery();

  layers.onConfirmedChange = () => {
    if (timer === undefined && !destroyed) timer = setTimeout(flush, 0);
  };

  const unsubscribeCache = client.getQueryCache().subscribe((event) => {
    if (event.query !== observer.getCurrentQuery()) return;
    if (event.type === "observerAdded" && event.observer !== observer) flush();
    else if (event.type === "updated" && event.action.type === "fetch") fetchStarted();
  });
  onResult(observer.getCurrentResult());
  const unsubscribeObserver = observer.subscribe(onResult);

  return {
    refetch: () => observer.refetch(),
    setEnabled(enabled) {
      if (!enabled) flush();
      observer.setOptions(observerOptions(enabled));
    },
    flush,
    destroy() {
      if (destroyed) return;
      flush();
      destroyed = true;
      layers.onConfirmedChange = undefined;
      if (fetching) layers.endFetch();
      unsubscribeObserver();
      unsubscribeCache();
    },
  };
}

function describe(value: unknown): string {
  if (value === null) return "null";
  return typeof value === "object" ? (value.constructor?.name ?? "object") : typeof value;
}
