import type { Query, QueryClient } from "@tanstack/query-core";
import type { EntityCodec } from "../core/entityCodec";
import type { OptimisticLayers, ServerListMark } from "../core/OptimisticLayers";
import type { Entity } from "../core/shapes";

/** A confirmed change to write to the cache without the store (after `destroy()`). */
export type CacheChange<TUiData> = { put: TUiData } | { remove: string };

/** Lists written back by any manager: a manager seeing one in the cache knows it is not a fetch. */
const writtenBack = /* @__PURE__ */ new WeakSet<readonly unknown[]>();

/** Whether `data` is a list some manager wrote back (not a fetch result). */
export function isWrittenBack(data: unknown): boolean {
  return Array.isArray(data) && writtenBack.has(data);
}

/** Marks a removed row while a list is patched. */
const REMOVED = {};

export interface CacheWriterOptions<TApiData, TUiData extends Entity> {
  client: QueryClient;
  queryKey: readonly unknown[];
  /** The query the manager observes. */
  query: () => Query<TApiData[], Error, TApiData[], string[]>;
  layers: OptimisticLayers<TUiData>;
  codec: EntityCodec<TApiData, TUiData>;
}

/**
 * Writes a manager's confirmed changes to the query cache, so another observer of the key, or a
 * manager created later, sees them without a refetch. Coalesced: once per macrotask (`schedule`),
 * or at once (`flush`) when the cache must be current. Only the changed entities are patched into
 * the list the cache holds: every other item stays exactly what the server sent last, and a list
 * another manager of the key wrote keeps that manager's changes.
 */
export class CacheWriter<TApiData, TUiData extends Entity> {
  /** The list the store has applied or written, as the cache holds it; undefined when the cache holds one it has not applied. */
  mark: ServerListMark | undefined;
  markUpdatedAt = 0;
  readonly #options: CacheWriterOptions<TApiData, TUiData>;
  /** Position of each id in a list's `ids` (built on the first write-back that needs it). */
  #index: { ids: ServerListMark["ids"]; at: Map<string, number> } | undefined;
  #writing = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #disposed = false;

  constructor(options: CacheWriterOptions<TApiData, TUiData>) {
    this.#options = options;
  }

  /** Whether a write-back is being stored (the query's listeners see it as it happens). */
  get writing(): boolean {
    return this.#writing;
  }

  /** Writes at the end of this macrotask. */
  schedule(): void {
    if (this.#timer === undefined && !this.#disposed) this.#timer = setTimeout(() => this.flush(), 0);
  }

  /** Writes the confirmed changes not written yet, now. */
  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const { layers, query } = this.#options;
    if (this.#disposed || !layers.isDirty) return;
    const { ids, cleared } = layers.takeChanges();
    const cached = query().state.data;
    // After clear() (sign-out, say) the cache is emptied and stale, so enabling again fetches.
    if (cleared || !Array.isArray(cached)) this.#write(this.#fullList(), cleared, true);
    else {
      const base = this.#baseOf(cached);
      this.#write(this.#patch(base, ids.map((id) => [id, layers.confirmed(id)])), false, base === this.mark);
    }
  }

  /** Writes one change settled after `destroy()` (the store no longer changes, the cache does). */
  writeDetached(change: CacheChange<TUiData>): void {
    const cached = this.#options.client.getQueryData<unknown>(this.#options.queryKey);
    if (!Array.isArray(cached)) return;
    const entry: [string, TUiData | undefined] = "put" in change ? [change.put.id, change.put] : [change.remove, undefined];
    this.#write(this.#patch(this.#baseOf(cached), [entry]), false, false);
  }

  /** Writes what is left and stops (`writeDetached` still works). */
  dispose(): void {
    this.flush();
    this.#disposed = true;
  }

  /** `seen`: the store has applied everything in `next` (else the next result applies it). */
  #write(next: ServerListMark | undefined, stale: boolean, seen: boolean): void {
    if (!next) return;
    const { client, queryKey, query } = this.#options;
    const current = query();
    const before = current.state;
    writtenBack.add(next.data);
    this.#writing = true;
    try {
      // Keep the fetch time and a fetch error: written-back changes are not a fetch.
      client.setQueryData<unknown[]>(queryKey, next.data as unknown[], { updatedAt: stale ? 0 : before.dataUpdatedAt });
      if (!this.#disposed) {
        // Patched onto a list this store has not applied (fetched while disabled): it still must be.
        this.mark = seen ? next : undefined;
        this.markUpdatedAt = query().state.dataUpdatedAt;
      }
      // A fetch error outlives write-backs, but not clear(): the data it failed to load is forgotten.
      if (before.status === "error" && !stale) current.setState({ status: "error", error: before.error });
    } finally {
      this.#writing = false;
    }
  }

  /** The cached list with its ids: the last list seen, or (written by someone unseen) one read anew. */
  #baseOf(cached: readonly unknown[]): ServerListMark {
    const mark = this.mark;
    if (mark && mark.data === cached) return mark;
    const { codec } = this.#options;
    return { data: cached, ids: cached.map((item) => codec.toEntity(item, "query")?.id) };
  }

  /** `base` with the given entities replaced, removed (undefined) or appended; undefined if nothing changes. */
  #patch(base: ServerListMark, changes: Iterable<[string, TUiData | undefined]>): ServerListMark | undefined {
    const { codec, layers } = this.#options;
    if (this.#index?.ids !== base.ids) this.#index = { ids: base.ids, at: new Map(base.ids.map((id, i) => [id as string, i])) };
    const index = this.#index.at;
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
      if (entity !== undefined) data[at] = codec.toItem(entity);
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
      outData.push(codec.toItem(entity));
      outIds.push(entity.id);
    }
    // Appended here, the new entities may stand elsewhere in `list`: a list equal to this one must
    // still put `list` in order.
    if (added.length > 0) layers.orderUnknown();
    return { data: outData, ids: outIds };
  }

  #fullList(): ServerListMark {
    const { layers, codec } = this.#options;
    const entities = layers.confirmedEntities();
    return { data: entities.map((entity) => codec.toItem(entity)), ids: entities.map((entity) => entity.id) };
  }
}
