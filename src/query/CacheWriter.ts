import type { Query, QueryCache, QueryCacheNotifyEvent, QueryClient } from "@tanstack/query-core";
import { observable, reaction, runInAction } from "mobx";
import type { EntityCodec } from "../core/entityCodec";
import type { DetachedChange } from "../core/MutationRunner";
import { idAt, type OptimisticLayers, type ServerListMark } from "../core/OptimisticLayers";
import type { Reporter } from "../core/reporter";
import type { Entity } from "../core/shapes";
import { shallowEqual } from "../utils/shallowEqual";

/**
 * Lists written back by any manager (a manager seeing one in the cache knows it is not a fetch),
 * with the ids whose confirmed values the writer wrote into it, if it said.
 */
const writtenBack = /* @__PURE__ */ new WeakMap<readonly unknown[], ReadonlySet<string> | undefined>();

/** Whether `data` is a list some manager wrote back (not a fetch result). */
export function isWrittenBack(data: unknown): boolean {
  return Array.isArray(data) && writtenBack.has(data);
}

/** The ids whose items in written-back list `data` are its writer's confirmed values (as new as this store's own writes). */
export function writtenIds(data: unknown): ReadonlySet<string> | undefined {
  return writtenBack.get(data as unknown[]);
}

/**
 * Which manager holds each list as the one it applied or wrote (this map itself: several), to compare
 * the next result with: it stays as it is when another manager of the key writes (not observing, the
 * holder would take the patched list for the one it has seen).
 */
const holders = /* @__PURE__ */ new WeakMap<readonly unknown[], object>();

/** Per query cache, how many of its listeners are managers' own: none of them reads a write-back's event. */
const ownListeners = /* @__PURE__ */ new WeakMap<QueryCache, number>();

/** Subscribes a manager's own listener to `cache` (counted: see {@link othersListen}); returns the disposer. */
export function listenToCache(cache: QueryCache, listener: (event: QueryCacheNotifyEvent) => void): () => void {
  ownListeners.set(cache, (ownListeners.get(cache) ?? 0) + 1);
  const unsubscribe = cache.subscribe(listener);
  let done = false;
  return () => {
    if (done) return;
    done = true;
    unsubscribe();
    ownListeners.set(cache, (ownListeners.get(cache) ?? 1) - 1);
  };
}

/**
 * Whether anyone but the managers listens to `cache` (a persister, devtools, the user). query-core
 * has no public count of listeners: when its `listeners` set cannot be read, assume someone does.
 */
function othersListen(cache: QueryCache): boolean {
  const listeners = (cache as unknown as { listeners?: unknown }).listeners;
  return !(listeners instanceof Set) || listeners.size > (ownListeners.get(cache) ?? 0);
}

export interface CacheWriterOptions<TApiData, TUiData extends Entity> {
  client: QueryClient;
  /** The query the manager observes. */
  query: () => Query<TApiData[], Error, TApiData[], string[]>;
  /** Whether observers other than the manager's own read the query (its list must then stay immutable). */
  shared: () => boolean;
  layers: OptimisticLayers<TUiData>;
  codec: EntityCodec<TApiData, TUiData>;
  reporter: Reporter;
}

/**
 * Writes a manager's confirmed changes to the query cache, so `getQueryData`, another observer of
 * the key, a persister or a manager created later see them without a refetch.
 *
 * When it is written: at the end of the MobX action that made the change (every write of the store
 * happens in one), so the cache is current whenever no action is running; a burst applied in one
 * action is written once.
 *
 * What is written: only the changed entities, patched into the list the cache holds, so every other
 * item stays exactly what the server sent last, and a list another manager of the key wrote keeps
 * that manager's changes. While nobody else observes the query, the cached list is patched in place
 * (a change costs the same at any size: `getQueryData` reads it current at once) and the query is
 * told (`setQueryData`, for the cache's subscribers: persisters, devtools) once per macrotask, if the
 * cache has subscribers besides the managers; when another observer reads it, a patched copy is
 * stored at once, as TanStack Query expects.
 */
export class CacheWriter<TApiData, TUiData extends Entity> {
  /** The list the store has applied or written, as the cache holds it; undefined when the cache holds one it has not applied. Set through {@link hold}. */
  mark: ServerListMark | undefined;
  /** Names this writer in `holders` (an object of its own: the cache's lists must not keep the writer). */
  readonly #self = {};
  markUpdatedAt = 0;
  readonly #options: CacheWriterOptions<TApiData, TUiData>;
  /**
   * Where each id stands in the mark's list, as of the last time they were indexed; the items
   * removed since (their positions, in order) shift those after them. Re-indexed after 64 removals,
   * so a removal costs the same at any size.
   */
  #positions = new Map<string, number>();
  #removals: number[] = [];
  /** The list the positions were built for: its `ids`, or its items when they carry their own ids. */
  #indexed: readonly unknown[] | undefined;
  #writing = false;
  #disposed = false;
  /** Bumped once per action that changed confirmed state: the reaction writes at the action's end. */
  #changes = observable.box(0);
  #due = false;
  #stop: () => void;
  /** The list was patched in place: the query's subscribers are told at the end of the macrotask. */
  #announce: ReturnType<typeof setTimeout> | undefined;

  constructor(options: CacheWriterOptions<TApiData, TUiData>) {
    this.#options = options;
    this.#stop = reaction(
      () => this.#changes.get(),
      () => this.flush(),
      { onError: (error) => options.reporter.error(error, { source: "store" }) },
    );
  }

  /** Makes `mark` the list the store has applied or written (no other manager patches it in place). */
  hold(mark: ServerListMark): void {
    this.mark = mark;
    holders.set(mark.data, (holders.get(mark.data) ?? this.#self) === this.#self ? this.#self : holders);
  }

  /** Whether a write-back is being stored (the query's listeners see it as it happens). */
  get writing(): boolean {
    return this.#writing;
  }

  /** Writes at the end of the running MobX action. */
  schedule(): void {
    if (this.#due || this.#disposed) return;
    this.#due = true;
    runInAction(() => this.#changes.set(this.#changes.get() + 1));
  }

  /** Writes the confirmed changes not written yet, now. */
  flush(): void {
    this.#due = false;
    const { layers, query } = this.#options;
    if (this.#disposed || !layers.isDirty) return;
    const { ids, cleared, order, whole } = layers.takeChanges();
    const cached = query().state.data;
    // After clear() (sign-out, say) the cache is emptied and stale, so enabling again fetches.
    if (cleared || !Array.isArray(cached)) return this.#write(this.#ordered(undefined, ids, order), cleared, true, undefined, ids);
    const base = this.#baseOf(cached);
    // `list` took an order of the store's own (reconcile(), rollback()): the whole cached list takes it.
    const next = order ? this.#ordered(base, ids, order, whole) : this.#patch(base, ids.map((id) => [id, layers.confirmed(id)]));
    if (next?.data !== base.data) this.#write(next, false, base === this.mark, undefined, ids);
    // Patched in place: only the cache's subscribers can want to hear of it (the managers' own ignore it).
    else if (this.#announce === undefined && othersListen(this.#options.client.getQueryCache())) this.#announce = setTimeout(() => this.announce(), 0);
  }

  /** Tells the query's subscribers of changes patched into its list in place. */
  announce(): void {
    clearTimeout(this.#announce);
    this.#announce = undefined;
    const mark = this.mark;
    if (mark && mark.data === this.#options.query().state.data) this.#write(mark, false, true);
  }

  /**
   * Writes one change settled after `destroy()` (the store no longer changes, the cache does), or
   * settled for the query of `key` (a previous scope), which the store no longer shows.
   */
  writeDetached(change: DetachedChange<TUiData>, key?: readonly unknown[]): void {
    const { client, codec, layers } = this.#options;
    const query = key ? (client.getQueryCache().find({ queryKey: key, exact: true }) as ReturnType<CacheWriterOptions<TApiData, TUiData>["query"]> | undefined) : this.#options.query();
    const cached: unknown = query?.state.data;
    if (!query || !Array.isArray(cached)) return;
    const [id, entity] = "put" in change ? [change.put.id, change.put] : [change.remove, undefined];
    const base = this.#baseOf(cached);
    // An answer older than the version the cache holds (written since by a realtime event, say) is not written.
    if (entity && layers.versions) {
      const at = this.#positionOf(base.data, base.ids, id);
      const current = at < 0 ? undefined : codec.toEntity(base.data[at], "query");
      if (current && layers.versions.isOlder(current, entity)) return;
    }
    this.#write(this.#patch(base, [[id, entity]], true), false, false, query);
  }

  /**
   * A fetch landed that the manager did not observe (disabled or destroyed while it ran): the items
   * of `ids`, written while it was in flight, go back to what `before` (the cached list just before
   * it landed) held for them; `all`: every item (the app's reconcile ran while it was in flight).
   * An id the store held when the fetch started that its list lacks was deleted since: the layers
   * learn it ({@link OptimisticLayers.lacks}), and it is not put back. Returns the list written, if it had to be.
   */
  keepWrites(ids: Iterable<string>, before: unknown, all?: boolean): readonly unknown[] | undefined {
    const cached = this.#options.query().state.data;
    if (!Array.isArray(cached) || !Array.isArray(before)) return undefined;
    const was = itemsById(this.#baseOf(before));
    const now = this.#baseOf(cached);
    if (all) ids = new Set([...was.keys(), ...itemsById(now).keys()]);
    const changes: Array<[string, unknown]> = [];
    for (const id of ids) {
      const item = was.get(id);
      const at = this.#positionOf(now.data, now.ids, id);
      // With `version`, a fetched item newer than the one written meanwhile stays.
      if (at >= 0 && item !== undefined && this.#isNewer(now.data[at], item)) continue;
      // The fetch's list has it as it was (or does not have it either, or no longer): nothing to put back.
      if (at < 0 && !all && this.#options.layers.lacks(id)) continue;
      if (at < 0 ? item !== undefined : item === undefined || !shallowEqual(now.data[at], item)) changes.push([id, item]);
    }
    const next = this.#patch(now, changes, true, true);
    if (next) this.#write(next, false, false);
    return next?.data;
  }

  /** With `version`: whether cached item `item` is a newer version of its entity than item `than`. */
  #isNewer(item: unknown, than: unknown): boolean {
    const { codec, layers } = this.#options;
    if (!layers.versions || item === than) return false;
    const entity = codec.toEntity(item, "query");
    const other = codec.toEntity(than, "query");
    return !!entity && !!other && layers.versions.isOlder(entity, other);
  }

  /** Writes what is left and stops (`writeDetached` still works). */
  dispose(): void {
    this.flush();
    if (this.#announce !== undefined) this.announce();
    this.#disposed = true;
    this.#stop();
  }

  /** `seen`: the store has applied everything in `next` (else the next result applies it). `ids`: those it wrote its confirmed values of. */
  #write(next: ServerListMark | undefined, stale: boolean, seen: boolean, current = this.#options.query(), ids?: readonly string[]): void {
    if (!next) return;
    const { client, query } = this.#options;
    const before = current.state;
    writtenBack.set(next.data, ids && new Set(ids));
    this.#writing = true;
    try {
      // One action: observers of the manager's status see the error kept, never a moment without it.
      runInAction(() => {
        // Keep the fetch time and a fetch error: written-back changes are not a fetch.
        client.setQueryData<unknown[]>(current.queryKey, next.data as unknown[], { updatedAt: stale ? 0 : before.dataUpdatedAt });
        // Stale also for `staleTime: Infinity`, which no `updatedAt` makes stale: the next observer fetches.
        if (stale) current.setState({ isInvalidated: true });
        if (!this.#disposed && current === query()) {
          // Patched onto a list this store has not applied (fetched while disabled): it still must be.
          if (seen) this.hold(next);
          else this.mark = undefined;
          this.markUpdatedAt = query().state.dataUpdatedAt;
        }
        // A fetch error and an invalidation outlive write-backs, but not clear(): the data they concern is forgotten.
        if (!stale && (before.status === "error" || before.isInvalidated)) {
          current.setState(before.status === "error" ? { status: "error", error: before.error, isInvalidated: before.isInvalidated } : { isInvalidated: true });
        }
      });
    } finally {
      this.#writing = false;
    }
  }

  /** The cached list with its ids: the last list seen, or (written by someone unseen) one read anew. */
  #baseOf(cached: readonly unknown[]): ServerListMark {
    const mark = this.mark;
    if (mark && mark.data === cached) return mark;
    const { codec } = this.#options;
    return codec.ownIds ? { data: cached } : { data: cached, ids: cached.map((item) => codec.toEntity(item, "query")?.id) };
  }

  /** Where `id` stands in `data` (its items' ids: `ids`, else their own); -1 when it is not there. */
  #positionOf(data: readonly unknown[], ids: readonly (string | undefined)[] | undefined, id: string): number {
    if (this.#indexed !== (ids ?? data) || this.#removals.length > 64) this.#index(data, ids);
    let at = this.#positions.get(id);
    if (at === undefined) return -1;
    for (const removed of this.#removals) if (removed < at) at--;
    if (idAt(data, ids, at) === id) return at;
    for (let i = 0; i < data.length; i++) if (idAt(data, ids, i) === id) return i;
    return -1;
  }

  #index(data: readonly unknown[], ids: readonly (string | undefined)[] | undefined): void {
    const positions = this.#positions;
    positions.clear();
    for (let i = 0; i < data.length; i++) {
      const known = idAt(data, ids, i);
      if (known !== undefined) positions.set(known, i);
    }
    this.#removals = [];
    this.#indexed = ids ?? data;
  }

  /**
   * `base` with the given entities (`items`: cached items already) replaced, removed (undefined) or
   * appended; undefined when nothing changes. The list itself is patched when nobody else observes
   * it, else a patched copy.
   */
  #patch(base: ServerListMark, changes: Iterable<[string, unknown]>, elsewhere = false, items = false): ServerListMark | undefined {
    const { codec, layers } = this.#options;
    const ids = base.ids;
    let data: unknown[] | undefined = base === this.mark && !this.#options.shared() && holders.get(base.data) === this.#self ? (base.data as unknown[]) : undefined;
    let changed = false;
    const toItem = (entity: unknown) => (items ? entity : codec.toItem(entity as TUiData));
    for (const [id, entity] of changes) {
      const at = this.#positionOf(data ?? base.data, ids, id);
      if (at < 0 && entity === undefined) continue;
      const item = entity === undefined ? undefined : toItem(entity);
      // Already so (written by another manager of the key, each keeping its write against a fetch in
      // flight): written again, each would answer the other's list with its own, endlessly.
      if (at >= 0 && item !== undefined && shallowEqual((data ?? base.data)[at], item)) continue;
      if (!data) {
        data = base.data.slice();
        // The copy has its items where the list has them: the positions hold for it.
        if (this.#indexed === base.data) this.#indexed = data;
      }
      changed = true;
      if (at < 0) {
        // Appended here, the new entity may stand elsewhere in `list`: the next server list, even
        // one equal to this, puts `list` in order.
        if (!elsewhere) layers.orderUnknown();
        // Stored as of the last indexing: the removals since were all before it.
        this.#positions.set(id, data.length + this.#removals.length);
        data.push(item);
        ids?.push(id);
      } else if (item !== undefined) data[at] = item;
      else {
        data.splice(at, 1);
        ids?.splice(at, 1);
        this.#positions.delete(id);
        this.#removals.push(at);
      }
    }
    return changed ? { data: data!, ids } : undefined;
  }

  /**
   * The confirmed entities as a list, in `order` and then in `list`'s: the item of an entity not
   * `changed` is the one `base` holds (the server's own), else written through `toItem`; the items
   * of `base` the store does not hold (unusable ones, or written while it did not observe) follow,
   * unless `whole` (the app's reconcile: its list is the server's). Undefined when that is `base` as it is.
   */
  #ordered(base: ServerListMark | undefined, changed: readonly string[], order: Iterable<string | undefined> = [], whole = false): ServerListMark | undefined {
    const { layers, codec } = this.#options;
    const dirty = new Set(changed);
    const held = base ? itemsById(base) : new Map<string, unknown>();
    const baseIds = base ? base.data.map((_, i) => idAt(base.data, base.ids, i)) : [];
    const data: unknown[] = [];
    const ids: (string | undefined)[] = [];
    const placed = new Set<string>();
    const take = (id: string | undefined) => {
      const entity = id === undefined || placed.has(id) ? undefined : layers.confirmed(id);
      if (!entity) return;
      placed.add(entity.id);
      data.push(!dirty.has(entity.id) && held.has(entity.id) ? held.get(entity.id) : codec.toItem(entity));
      ids.push(entity.id);
    };
    for (const id of order) take(id);
    for (const entity of layers.confirmedEntities()) take(entity.id);
    baseIds.forEach((id, i) => {
      if (!whole && (id === undefined || (!placed.has(id) && !dirty.has(id)))) {
        data.push(base!.data[i]);
        ids.push(id);
      }
    });
    if (base && data.length === base.data.length && data.every((item, i) => item === base.data[i])) return undefined;
    return codec.ownIds ? { data } : { data, ids };
  }
}

/** The item of each id in `list` (its first). */
function itemsById(list: ServerListMark): Map<string, unknown> {
  const items = new Map<string, unknown>();
  list.data.forEach((item, i) => {
    const id = idAt(list.data, list.ids, i);
    if (id !== undefined && !items.has(id)) items.set(id, item);
  });
  return items;
}
