import { observable, runInAction, type IObservableArray } from "mobx";
import { shallowEqual } from "../utils/shallowEqual";
import { EntityMap, type EntityMapOwner, type EntityMapWriter } from "./EntityMap";
import { isValidId } from "./errors";
import { KeyedSignals } from "./KeyedSignals";
import { Deletions } from "./Deletions";
import { ListOrder } from "./ListOrder";
import type { Entity, LogEntry, WriteStatus } from "./shapes";
import { TempIds } from "./TempIds";
import { compareVersions, type VersionRule } from "./versions";

/**
 * What every optimistic change has: `seq` orders changes by the time they were sent (made, or
 * retried: a retry goes after every change made before it).
 */
interface OpBase {
  seq: number;
  /** Its number in events once a retry gave it a later `seq` (else `seq`). */
  change?: number;
  id: string;
  /** The receipt of its latest server call. */
  mutationId?: string;
  /** What its action was called with (an update's: the resolver's change once shown in its place): sent again on `retry()`, stored by persistence. */
  input?: unknown;
  /** Kept after its server call failed (`keepFailed`): the error, until retried or discarded. */
  failed?: Error;
  /** Made on a created entity before its create was answered: the create's `seq` (a deletion since then orphans it). */
  created?: number;
}

/** One optimistic change, in flight or kept failed. */
export type PendingOp<T> =
  | (OpBase & { readonly kind: "create"; readonly entity: T })
  | (OpBase & { readonly kind: "update"; readonly patch: Partial<T> })
  | (OpBase & { readonly kind: "remove" });

/** What a failed change kept visible can do; supplied by the manager's mutation runner. */
export interface FailedChanges<T> {
  /** Sends the changes again, in their order; resolves when all succeeded. */
  retry(ops: PendingOp<T>[]): Promise<void>;
  /** Drops the changes: exactly their effect disappears. */
  discard(ops: PendingOp<T>[]): void;
}

type UpdateOp<T> = PendingOp<T> & { kind: "update" };

/** The state of one entity that has changes in flight. */
export interface Track<T> {
  /** What the server said last (undefined: the entity does not exist on the server). */
  confirmed: T | undefined;
  /** Changes in flight (and kept failed ones), oldest first. */
  ops: PendingOp<T>[];
  /** The latest error of a kept failed change, while there is one. */
  error: Error | undefined;
  /** Whether this entity is counted among those with kept failed changes. */
  failing: boolean;
  /**
   * Per field, the `seq` of the newest update whose server answer is in `confirmed`: an older update
   * no longer applies that field (a later change of it was already answered).
   */
  acks: Map<string, number> | undefined;
  /** What its write status showed when last told to an observer (undefined: nobody observed it then). */
  status?: string;
}

/** How the last applied server list looked, so the next one can skip what did not change. */
export interface ServerListMark {
  readonly data: readonly unknown[];
  /**
   * The id of the entity each item stands for (undefined: none). Absent when every item's own `id`
   * is its entity's (no transformer, or one that keeps ids): no array of ids is kept then.
   */
  readonly ids?: (string | undefined)[];
}

/** The id of the entity `data[at]` stands for: from `ids` when given, else the item's own valid `id`. */
export function idAt(data: readonly unknown[], ids: readonly (string | undefined)[] | undefined, at: number): string | undefined {
  if (ids) return ids[at];
  const id = (data[at] as { id?: unknown } | null | undefined)?.id;
  return isValidId(id) ? id : undefined;
}

/**
 * Where a complete list comes from: a fetch (the server's word, newer than every confirmed write
 * made before the fetch started), or the query cache written by someone else (another manager of
 * the key): this layer's own confirmed changes not yet written back stay.
 */
export type ServerListSource = "fetch" | "cache";

/** What the devtools' snapshots read and load; internal. */
export interface LayersInternals<T extends Entity> {
  tracks: Map<string, Track<T>>;
  placeholders: Set<PendingOp<T>>;
  deletions: Deletions;
  order: ListOrder<T>;
  /** The last `seq` given (`setTick` moves it), and the count of changes in flight. */
  tick(): number;
  setTick(tick: number): void;
  countOps(count: number): void;
  /** The ids a server list about to be applied must leave as they are. */
  protect(ids: Iterable<string>): void;
  setVisible(id: string, value: T | undefined): void;
  refresh(id: string, track: Track<T>): void;
}

let internals: <T extends Entity>(layers: OptimisticLayers<T>) => LayersInternals<T>;

/** The private state of `layers`, for the devtools' snapshots; internal. */
export function layersInternals<T extends Entity>(layers: OptimisticLayers<T>): LayersInternals<T> {
  return internals(layers);
}

/**
 * The state model: a confirmed layer (what the server said) and, per entity, the ordered changes in
 * flight; the visible `entities` and `list` are confirmed with those changes applied.
 *
 * Only entities with changes in flight carry a separate confirmed value; for every other entity the
 * visible value is the confirmed one. Every write touches the ids it concerns and nothing else.
 *
 * | pending change | applied to the entity below it                    |
 * |----------------|--------------------------------------------------|
 * | create         | replaces it with the optimistic entity           |
 * | update         | spreads its patch over it (skipped if superseded) |
 * | remove         | hides it                                          |
 *
 * | confirmed write                  | wins over                                                        |
 * |----------------------------------|------------------------------------------------------------------|
 * | answer to a change               | older answers, field by field; never a deletion learned after the change was made |
 * | realtime event, `store.upsert`   | everything before it                                             |
 * | fetched list                     | writes made before the fetch started                             |
 * | list another manager wrote back  | writes this layer has not written back yet lose to nothing       |
 *
 * With a {@link VersionRule} (the `version` option), no confirmed write of any kind replaces an
 * entity with an older version of it; an older item of a fetched list is written back to the cache.
 */
export class OptimisticLayers<T extends Entity> {
  readonly entities: EntityMap<T>;
  readonly list: IObservableArray<T>;
  /** Called after any confirmed change that did not come from a server list. */
  onConfirmedChange: (() => void) | undefined;
  /** Called by `clear()`, once everything is gone. */
  onClear: (() => void) | undefined;
  /** Called before a confirmed write of its own (`store.upsert`, ...): in the transaction that changed the scope, it switches first. */
  beforeConfirm: (() => void) | undefined;
  /**
   * Called when a confirmed write brings a value equal to the current one, which is kept for its
   * identity; returns whether the query cache must still learn of the write (its server item differs).
   */
  onKeep: ((kept: T, incoming: T) => boolean) | undefined;
  /** Retries and discards kept failed changes (set by the manager). */
  failedChanges: FailedChanges<T> | undefined;
  /** With the `version` option: which of two confirmed values is newer (set by the manager). */
  versions: VersionRule<T> | undefined;
  /** Set while the manager's event log has listeners: describes a change once it is visible. */
  emit: ((entry: LogEntry) => void) | undefined;

  #write: EntityMapWriter<T>;
  #order: ListOrder<T>;
  #tracks = new Map<string, Track<T>>();
  #tick = 0;
  /** While a fetch is in flight, ids written since it started: its (older) result must not overwrite them. */
  #protected: Set<string> | undefined;
  /** Of those, the ones the store held when the fetch started: missing from its list, they were deleted since. */
  #existed: Set<string> | undefined;
  /** The last `seq` given when the fetch in flight started. */
  #fetchTick = 0;
  /**
   * The app's `store.reconcile()` ran since the fetch in flight started: that fetch's (older) list
   * changes nothing (a list the app writes under the key meanwhile is newer: not while it is applied).
   */
  superseded = false;
  /** Ids whose confirmed value changed since the last server list was applied or written back. */
  #dirty = new Set<string>();
  /** While a server list is applied with a version rule: ids whose (older) item was ignored. */
  #refused: Set<string> | undefined;
  /** `clear()` ran since the last write-back: the cache must not look freshly fetched. */
  #cleared = false;
  /**
   * `list` was put in an order of the store's own (`reconcile()`, `rollback()`) since the last
   * write-back: that order, which the next write-back gives the whole cached list.
   */
  #reordered: Iterable<string | undefined> | undefined;
  /** That order is a whole list's (`reconcile()`): the cached list becomes exactly the store's. */
  #whole = false;
  #tempIds = new TempIds();
  /** Changes in flight or kept failed (to be sent again): placeholders excluded. */
  #opCount = 0;
  /** Deletions learned while changes were in flight: older answers cannot undo them. */
  #deletions = new Deletions();
  /** Creates the server answered without a usable entity: shown until the next fetched list. */
  #placeholders = new Set<PendingOp<T>>();
  /** Per entity, observed write status (changes in flight, kept failed changes). */
  #status = new KeyedSignals("writeStatus");
  /** How many entities have kept failed changes (observable). */
  #failedCount = observable.box(0);

  static {
    internals = <T extends Entity>(l: OptimisticLayers<T>): LayersInternals<T> => ({
      tracks: l.#tracks,
      placeholders: l.#placeholders,
      deletions: l.#deletions,
      order: l.#order,
      tick: () => l.#tick,
      setTick: (tick) => void (l.#tick = tick),
      countOps: (count) => void (l.#opCount = count),
      protect: (ids) => void (l.#protected = new Set(ids)),
      setVisible: (id, value) => void l.#setVisible(id, value),
      refresh: (id, track) => l.#refresh(id, track),
    });
  }

  constructor(owner: EntityMapOwner<T>) {
    this.entities = new EntityMap(owner);
    this.#write = EntityMap.writer(this.entities);
    this.#order = new ListOrder<T>(
      (id) => this.entities.peek(id),
      () => Map.prototype.keys.call(this.entities) as MapIterator<string>,
    );
    this.list = this.#order.list;
  }

  nextSeq(): number {
    return ++this.#tick;
  }

  /** The server id a temporary id became, or the id itself. */
  resolve(id: string): string {
    return this.#tempIds.resolve(id, this.#names);
  }

  /** Whether `id` names an entity itself (a server may issue a client-chosen id): then it is never redirected. */
  readonly #names = (id: string): boolean => this.#tracks.has(id) || this.entities.peek(id) !== undefined;

  /** A key that stays the same from an entity's temporary id to its server id. */
  viewKey(id: string): string {
    return this.#tempIds.viewKey(id);
  }

  /** Whether `id` is used by anything: visible, confirmed or pending. */
  isTaken(id: string): boolean {
    return this.entities.peek(id) !== undefined || this.#tracks.has(id) || this.#tempIds.has(id);
  }

  confirmed(id: string): T | undefined {
    const track = this.#tracks.get(id);
    return track ? track.confirmed : this.entities.peek(id);
  }

  /** Observes the write status of `key` and returns its track, noting what the observer saw. */
  #observeStatus(key: string): Track<T> | undefined {
    this.#status.observe(key);
    const track = this.#tracks.get(key);
    if (track && this.#status.observed(key)) track.status = this.#statusKey(track);
    return track;
  }

  /** Whether the entity has a change in flight; observable. */
  hasPending(id: string): boolean {
    const key = this.resolve(id);
    const track = this.#observeStatus(key);
    return track !== undefined && this.#inFlight(track);
  }

  /** Whether a change of `track` is in flight (not kept failed, not a create's placeholder). */
  #inFlight(track: Track<T>): boolean {
    return track.ops.some((op) => !op.failed && !this.#placeholders.has(op));
  }

  /** How many entities have kept failed changes; observable. */
  get failedCount(): number {
    return this.#failedCount.get();
  }

  /**
   * What of `id` is not confirmed yet: its changes in flight and its kept failed changes
   * (undefined when there are none); observable per entity. A temporary id answered reads its server id.
   */
  writeStatus(id: string): WriteStatus | undefined {
    const track = this.#observeStatus(this.resolve(id));
    if (!track) return undefined;
    const pending: PendingOp<T>["kind"][] = [];
    const fields = new Set<string>();
    const failed: PendingOp<T>[] = [];
    for (const op of track.ops) {
      if (this.#placeholders.has(op)) continue;
      if (op.failed) failed.push(op);
      else pending.push(op.kind);
      if (op.kind === "update") for (const field of Object.keys(op.patch)) fields.add(field);
    }
    if (pending.length === 0 && failed.length === 0) return undefined;
    const handlers = this.failedChanges;
    return {
      pending,
      fields: [...fields],
      failed: failed.length > 0,
      error: failed.length > 0 ? track.error : undefined,
      retry: () => (failed.length > 0 && handlers ? handlers.retry(failed) : Promise.resolve()),
      discard: () => void (failed.length > 0 && handlers?.discard(failed)),
    };
  }

  /** Whether `id` is a created entity whose server id is unknown (its create was answered without one). */
  awaitsServerId(id: string): boolean {
    if (this.#placeholders.size === 0) return false;
    const op = this.#tracks.get(id)?.ops[0];
    return op !== undefined && this.#placeholders.has(op);
  }

  // ---- confirmed layer -------------------------------------------------------------------

  /** Writes what the server said about one entity (`undefined`: it no longer exists). */
  writeConfirmed(id: string, value: T | undefined): void {
    runInAction(() => {
      if (value === undefined) this.#learnDeleted(id);
      this.#noteExisting(id, this.confirmed(id));
      this.#markChanged(id, this.#setConfirmed(id, value));
    });
  }

  /** The server's answer to a change no longer tracked (made before the scope was left and come back to); not when older than the confirmed entity. */
  writeAnswer(id: string, value: T | undefined): void {
    if (!this.#older(id, this.confirmed(id), value)) this.confirm(id, value);
  }

  /**
   * A confirmed write of its own (a store method, the server's entity a conflict brought), told to
   * the event log as such. The entity update `conflicted` was refused with is confirmed as an answer
   * to it would be: a field that a newer update's answer set keeps that answer's value.
   */
  confirm(id: string, value: T | undefined, conflicted?: PendingOp<T>): void {
    this.beforeConfirm?.();
    const track = this.#tracks.get(id);
    if (track && conflicted) for (const [field, seq] of track.acks ?? []) if (seq > conflicted.seq) value = { ...value, [field]: track.confirmed?.[field as keyof T] } as T;
    this.writeConfirmed(id, value);
    this.emit?.(value ? { type: "confirmed", op: "upsert", id, data: value } : { type: "confirmed", op: "remove", id });
  }

  /**
   * Applies a complete list: entities in it become confirmed (unless written after the fetch started,
   * or, for a list from the cache, not yet written back), confirmed entities missing from it are
   * removed, and `list` follows its order. Items identical to the previous list's are skipped
   * without converting them. `ownIds`: each item's own `id` is its entity's (the mark keeps no ids).
   * `local`: the app's own `store.reconcile()`, newer than any fetch in flight and written back.
   * `fresh`: of a list from the cache, the ids another manager wrote its confirmed values of: as new
   * as this store's writes (kept against them, each manager would answer the other's list endlessly).
   * `older`: a fetch's list that the app's reconcile is newer than (by default, while one ran since
   * the fetch started; not a list the app writes under the key while the fetch runs).
   */
  applyServerList(
    data: readonly unknown[],
    convert: (item: unknown) => T | undefined,
    previous?: ServerListMark,
    source: ServerListSource = "fetch",
    ownIds = false,
    local = false,
    fresh?: ReadonlySet<string>,
    older = this.superseded,
  ): ServerListMark {
    const ids: (string | undefined)[] = new Array<string | undefined>(data.length);
    let orderChanged = !previous || previous.data.length !== data.length;
    const fromCache = source === "cache";
    // A fetch older than the app's reconcile keeps every id against it (and learns nothing).
    const superseded = older && !fromCache && !local;
    const kept = (id: string) => !local && ((this.#protected?.has(id) === true && !fresh?.has(id)) || (fromCache && this.#dirty.has(id)) || (superseded && !!this.#protected!.add(id)));
    // Only while the event log listens: what the list did, for its event.
    const emit = this.emit;
    const items: T[] = [];
    let stale = false;
    const counts = { added: 0, changed: 0, removed: 0 };
    // What another manager wrote is kept as it stands before the list (its writes join `#protected`).
    const keptIds = emit && fromCache ? [...new Set([...(this.#protected ?? []), ...this.#dirty])].filter(kept) : undefined;
    const write = (id: string, value: T | undefined) => {
      if (value === undefined) this.#learnDeleted(id);
      const had = emit && this.confirmed(id) !== undefined;
      const changed = this.#setConfirmed(id, value);
      if (emit && changed) counts[value === undefined ? "removed" : had ? "changed" : "added"]++;
      // What another manager confirmed is as new as an answer: a fetch in flight must not undo it. The
      // app's reconcile speaks of every id it names or removes, also where nothing changed.
      if ((fromCache && changed) || local) this.#protected?.add(id);
      if (local && changed) this.#dirty.add(id);
    };
    if (this.versions) this.#refused = new Set();
    runInAction(() => {
      const structureChanged = this.#order.deferring(() => {
        for (let i = 0; i < data.length; i++) {
          const item = data[i];
          const previousId = previous && idAt(previous.data, previous.ids, i);
          if (previous && item === previous.data[i] && (previousId === undefined || !this.#dirty.has(previousId))) {
            ids[i] = previousId;
            const unchanged = emit && previousId !== undefined && this.confirmed(previousId);
            if (unchanged) items.push(unchanged);
            continue;
          }
          const entity = convert(item);
          const id = entity?.id;
          ids[i] = id;
          if (emit && entity) items.push(entity);
          if (id !== previousId) orderChanged = true;
          // With `version`, an item newer than a write kept against the list is the newer word.
          if (entity && (!kept(entity.id) || this.#newer(entity))) write(entity.id, entity);
          else if (entity) stale = true;
        }
        if (orderChanged || this.#dirty.size > 0) {
          const inList = new Set(ids);
          for (const id of this.#confirmedIds()) {
            // Held when the fetch started, and not in its list: deleted since, whatever was written of it meanwhile.
            if (!inList.has(id) && (!kept(id) || (!superseded && !fromCache && this.lacks(id)))) write(id, undefined);
          }
        }
        if (!fromCache) this.#dropPlaceholders();
      });
      // Entities placed locally (appended, or back after a failed remove) may stand where the server
      // no longer puts them; rebuilding leaves `list` alone when it is in order.
      if (orderChanged || structureChanged || this.#order.placedLocally) this.#order.rebuild(ids, true);
      // An item kept against the list placed what shows under its id (a create reusing a removed id)
      // where the server no longer may: the next server list rebuilds, also when equal to a write-back.
      if (stale) this.#order.markUnordered();
      // The app's own order (a reconcile): the cache learns it, and the next server list puts `list` in its order.
      this.#reorderedAs(local ? ids : undefined, local);
      // The fetch in flight read the server before the app's list: it is older.
      if (local) this.supersede();
      // Entities kept against this (older) list now differ from it: the cache must learn them.
      if (!fromCache && !local) {
        this.#dirty = new Set(this.#protected);
        this.#cleared = false;
      } else for (const id of this.#protected ?? []) this.#dirty.add(id);
      // The list holds older items than the store: the cache keeps the newer ones.
      for (const id of this.#refused ?? []) this.#dirty.add(id);
      this.#refused = undefined;
      if (emit) {
        let keptPending = 0;
        for (const entity of items) if (this.#tracks.get(entity.id)?.ops.some((op) => !this.#placeholders.has(op))) keptPending++;
        // The app's own list keeps nothing against it: it is newer than every write.
        emit({ type: "server-list", source, items, ...counts, keptPending, kept: local ? [] : (keptIds ?? [...(this.#protected ?? [])]) });
      }
    });
    if (this.#dirty.size > 0 || local) this.onConfirmedChange?.();
    return ownIds ? { data } : { data, ids };
  }

  /** The cache's list was written in an order of its own: the next server list puts `list` in its order. */
  orderUnknown(): void {
    this.#order.markUnordered();
  }

  /**
   * A fetch (or a retry of one) has started: from now on, remember what is written. `keep`: an
   * earlier fetch's result is still to be applied, so what was remembered for it stays too.
   */
  beginFetch(keep = false): void {
    this.#protected = keep ? (this.#protected ?? new Set()) : new Set();
    if (!keep) {
      this.#existed = undefined;
      this.#fetchTick = this.#tick;
    }
    this.superseded = false;
  }

  /** The app's list (this store's, or another manager's of the key) is newer than the fetch in flight, if any. */
  supersede(): void {
    if (this.#protected) this.superseded = true;
  }

  /** The ids written since the fetch in flight started (none while no fetch is). */
  writtenSinceFetch(): Iterable<string> {
    return this.#protected ?? [];
  }

  /**
   * The list of the fetch in flight lacks `id`: whether the store held the entity when that fetch
   * started (noted at its first write since), so it was deleted since (ids are not reused), whatever
   * was written of it meanwhile. Then that list outranks those writes: `id` is no longer kept against it.
   */
  lacks(id: string): boolean {
    return !!this.#existed?.has(id) && this.#protected!.delete(id);
  }

  /** Ids written while the fetch in flight ran, by a manager no longer observing it: its result leaves them as they are. */
  keepAgainstFetch(ids: Iterable<string> = []): void {
    for (const id of ids) this.#protected?.add(id);
  }

  /** The fetch ended (its result, if any, was applied). */
  endFetch(): void {
    this.#protected = this.#existed = undefined;
    this.superseded = false;
  }

  /** Whether confirmed state changed since the last server list or write-back. */
  get isDirty(): boolean {
    return this.#dirty.size > 0 || this.#cleared || this.#reordered !== undefined;
  }

  /**
   * The ids whose confirmed value changed, whether `clear()` ran, and the order the store gave
   * `list` of its own (the cached list must take it), since the last call or server list.
   */
  takeChanges(): { ids: string[]; cleared: boolean; order: Iterable<string | undefined> | undefined; whole: boolean } {
    const changes = { ids: [...this.#dirty], cleared: this.#cleared, order: this.#reordered, whole: this.#whole };
    this.#dirty.clear();
    this.#cleared = false;
    this.#reorderedAs(undefined);
    return changes;
  }

  /**
   * `order`: `list` was just rebuilt in an order of the store's own, which the next write-back gives
   * the cached list; the next server list rebuilds `list` even when it equals that (it puts hidden
   * entities' places in its order too, as a replay of the event log does). Undefined: a server list's order.
   * `whole`: the order of the app's complete list, which nothing else in the cached list survives
   * (also when a rollback reorders `list` again before the write-back: the list stays whole).
   */
  #reorderedAs(order: Iterable<string | undefined> | undefined, whole = false): void {
    this.#reordered = order;
    this.#whole = !!order && (whole || this.#whole);
    if (order) this.#order.markUnordered();
  }

  /** Every confirmed entity, in list order (then those hidden by a pending remove). */
  confirmedEntities(): T[] {
    return runInAction(() => [...this.#confirmedEntities()]);
  }

  // ---- pending layer ---------------------------------------------------------------------

  /** Applies an optimistic change; visible at once. */
  begin(op: PendingOp<T>): void {
    runInAction(() => {
      let track = this.#tracks.get(op.id);
      if (!track) {
        track = { confirmed: this.entities.peek(op.id), ops: [], acks: undefined, error: undefined, failing: false };
        this.#tracks.set(op.id, track);
      }
      track.ops.push(op);
      this.#opCount++;
      this.#refresh(op.id, track);
    });
  }

  /** Whether `op` is still in flight (not settled, not cleared). */
  isPending(op: PendingOp<T>): boolean {
    return this.#tracks.get(op.id)?.ops.includes(op) ?? false;
  }

  /** A change the server refused stays applied, marked failed with `error`, until retried or discarded. */
  keepFailed(op: PendingOp<T>, error: Error): void {
    const track = this.#tracks.get(op.id);
    if (!track?.ops.includes(op) || op.failed) return;
    runInAction(() => {
      op.failed = error;
      track.error = error;
      this.#refresh(op.id, track);
    });
  }

  /**
   * Whether `op` is an update whose every field a newer answered update has set: nothing of it shows,
   * and sent again it would undo that newer change, so it is not kept failed.
   */
  isMoot(op: PendingOp<T>): boolean {
    const track = this.#tracks.get(op.id);
    return !!track?.acks && op.kind === "update" && Object.keys(liveFields(track, op, op.patch)).length === 0;
  }

  /** Whether `id` was learned deleted after the change made at `seq` (while that change is held). */
  deletedSince(id: string, seq: number): boolean {
    return this.#deletions.since(id, seq);
  }

  /** Whether a create of `id` is in flight or kept failed. */
  hasCreate(id: string): boolean {
    return this.#tracks.get(id)?.ops.some((op) => op.kind === "create") ?? false;
  }

  /** The kept failed changes of `id`, oldest first. */
  failedOf(id: string): PendingOp<T>[] {
    return this.#tracks.get(id)?.ops.filter((op) => op.failed) ?? [];
  }

  /**
   * A kept failed change is sent again: it is in flight once more, as the newest change of its
   * entity (`seq`: its new place; the next by default), since the server gets it after the others.
   */
  retrying(op: PendingOp<T>, seq?: number): void {
    const track = this.#tracks.get(op.id);
    if (!track?.ops.includes(op) || !op.failed) return;
    runInAction(() => {
      op.failed = undefined;
      // A create stays first of its entity (the changes made on it wait for it), as does a change
      // told to keep its place (`seq` its own: a recording made before retries moved changes).
      if (op.kind !== "create" && seq !== op.seq) {
        op.change ??= op.seq;
        op.seq = seq ?? this.nextSeq();
        if (this.#tick < op.seq) this.#tick = op.seq;
        track.ops.splice(track.ops.indexOf(op), 1);
        track.ops.push(op);
      }
      this.#refresh(op.id, track);
    });
  }

  /** An update in flight goes on with another patch (a conflict settled by a merge): shown at once. */
  repatch(op: PendingOp<T>, patch: Partial<T>): void {
    const track = this.#tracks.get(op.id);
    if (!track?.ops.includes(op) || op.kind !== "update") return;
    runInAction(() => {
      (op as { patch: Partial<T> }).patch = patch;
      this.#refresh(op.id, track);
    });
  }

  /** Drops a change the server refused: exactly its own effect disappears. */
  fail(op: PendingOp<T>): void {
    runInAction(() => {
      const track = this.#take(op);
      if (track) this.#refresh(op.id, track);
      this.#forgetDeletions();
    });
  }

  /** An update or remove succeeded; `entity` is the server's answer (undefined if it sent none). */
  succeed(op: PendingOp<T>, entity: T | undefined): void {
    runInAction(() => {
      const track = this.#take(op);
      if (!track) return;
      if (op.kind === "remove") {
        this.#learnDeleted(op.id);
        this.#noteExisting(op.id, track.confirmed);
        this.#setTracked(track, undefined);
        // Written back also when the store never held it: the cached list may (a disabled manager's stored one).
        this.#markChanged(op.id, true);
        this.#dropFailed(track);
      } else if (op.kind === "update" && !this.#deletions.since(op.id, op.seq)) {
        const answered = this.#answered(track, op, entity);
        // Updated before the fetch started (not as a new entity): the entity existed then, also unheld.
        this.#noteExisting(op.id, track.confirmed ?? (op.seq > this.#fetchTick || op.created ? undefined : entity));
        // An older answer with no field left to set writes nothing, so it keeps nothing against the fetch in flight.
        if (answered !== null && !this.#older(op.id, track.confirmed, answered)) this.#markChanged(op.id, this.#setTracked(track, answered));
        // A kept failed update whose every field a newer answered one has set is moot: nothing of it shows or would be sent.
        for (const failed of track.ops.filter((other) => other.failed && this.isMoot(other))) this.#take(failed);
      }
      this.#refresh(op.id, track);
      this.#forgetDeletions();
    });
  }

  /**
   * A create succeeded: the server entity replaces the temporary one in place (same `list` position),
   * and changes queued on the temporary id move to the server id. Without a usable `entity` the
   * optimistic one stays, as a placeholder, until the next fetched list shows the server's.
   * Returns the id the queued changes now target.
   */
  succeedCreate(op: PendingOp<T>, entity: T | undefined): string {
    const target = runInAction(() => this.#succeedCreate(op, entity));
    this.#forgetDeletions();
    return target;
  }

  #succeedCreate(op: PendingOp<T>, entity: T | undefined): string {
    const tempId = op.id;
    const track = this.#take(op);
    if (!track || op.kind !== "create") return tempId;
    if (!entity) {
      track.ops.unshift(op);
      this.#placeholders.add(op);
      // No longer pending: its write status says so.
      this.#refresh(tempId, track);
      return tempId;
    }
    const serverId = entity.id;
    for (const queued of track.ops) queued.created ??= op.seq;
    // An entity the server deleted before this client learned of its creation stays deleted: the
    // answer writes nothing (what shows it now arrived after the deletion).
    const value = this.#deletions.since(serverId, op.seq) ? undefined : entity;
    if (serverId === tempId) {
      // The server took the client's id: the entity stays where it is.
      this.#noteExisting(serverId, track.confirmed, true);
      this.#markChanged(serverId, value !== undefined && !this.#older(serverId, track.confirmed, value) && this.#setTracked(track, value));
      this.#refresh(tempId, track);
      return tempId;
    }
    if (track.confirmed !== undefined) {
      // A server entity already goes by the client's id, and an alias must never redirect it:
      // that id keeps its entity and its queued changes, and the created one is added beside it.
      this.#refresh(tempId, track);
      this.#noteExisting(serverId, this.confirmed(serverId), true);
      this.#markChanged(serverId, value !== undefined && this.#setConfirmed(serverId, value));
      return tempId;
    }
    this.#tempIds.link(tempId, serverId);
    const tempVisible = this.entities.peek(tempId);
    const at = tempVisible === undefined ? -1 : this.#order.indexOf(tempId, tempVisible);
    this.#tracks.delete(tempId);
    this.#status.changed(tempId);
    this.#write.drop(tempId);
    this.#order.forgetPlace(tempId, serverId, at);

    let serverTrack = this.#tracks.get(serverId);
    if (track.ops.length > 0) {
      serverTrack ??= { confirmed: this.entities.peek(serverId), ops: [], acks: undefined, error: undefined, failing: false };
      for (const queued of track.ops) queued.id = serverId;
      serverTrack.ops = [...serverTrack.ops, ...track.ops].sort((a, b) => a.seq - b.seq);
      serverTrack.error ??= track.error;
      this.#tracks.set(serverId, serverTrack);
    }
    this.#countFailing(track, false);
    const write = () => {
      // An echo of the create (or a newer event) may have confirmed the server entity already. The
      // answer of an entity deleted since writes nothing: what shows it arrived after the deletion.
      const current = serverTrack ? serverTrack.confirmed : this.entities.peek(serverId);
      this.#noteExisting(serverId, current, true);
      const older = value === undefined || this.#older(serverId, current, value);
      this.#markChanged(serverId, !older && (serverTrack ? this.#setTracked(serverTrack, value) : this.#setVisible(serverId, value)));
      if (serverTrack) this.#refresh(serverId, serverTrack);
      // Deleted since, and not brought back meanwhile: the temporary id names nothing any more.
      else if (value === undefined && this.entities.peek(serverId) === undefined) this.#tempIds.forget(serverId);
    };
    // A visible temporary row is where the server entity goes.
    if (at < 0) write();
    else {
      this.#order.deferring(write);
      this.#order.placeAt(serverId, at);
    }
    return serverId;
  }

  // ---- whole-store operations (legacy API) -----------------------------------------------

  /** Removes everything, confirmed and pending; changes still in flight are forgotten. */
  clear(): void {
    runInAction(() => {
      const removed = [...this.#confirmedIds()];
      for (const id of removed) this.#dirty.add(id);
      this.#cleared = true;
      this.#dropAll();
      this.onClear?.();
      this.onConfirmedChange?.();
      this.emit?.({ type: "confirmed", op: "clear" });
    });
  }

  /**
   * Removes everything, confirmed and pending, without a word to the query cache: what the store
   * showed stays there, and the store now stands for another query (the `scope` changed).
   */
  reset(): void {
    runInAction(() => {
      this.#dropAll();
      this.#dirty.clear();
      this.#cleared = false;
      this.#reorderedAs(undefined);
      this.endFetch();
    });
  }

  #dropAll(): void {
    this.#tracks.clear();
    this.#failedCount.set(0);
    this.#status.changedAll();
    this.#tempIds.clear();
    this.#deletions.clear();
    this.#placeholders.clear();
    this.#opCount = 0;
    this.#write.dropAll();
    this.#order.clear();
  }

  /** A copy of the confirmed layer, in list order. */
  snapshot(): Map<string, T> {
    return runInAction(() => new Map([...this.#confirmedEntities()].map((entity) => [entity.id, entity])));
  }

  /** Makes `snapshot` the confirmed layer again; pending changes stay on top. */
  restore(snapshot: ReadonlyMap<string, T>): void {
    runInAction(() => {
      const structureChanged = this.#order.deferring(() => {
        for (const id of [...this.#confirmedIds()]) if (!snapshot.has(id)) this.writeConfirmed(id, undefined);
        for (const [id, entity] of snapshot) this.writeConfirmed(id, entity);
      });
      if (structureChanged) {
        const order = [...snapshot.keys()];
        this.#order.rebuild(order);
        this.#reorderedAs(order);
        this.onConfirmedChange?.();
      }
      this.emit?.({ type: "confirmed", op: "restore", items: [...snapshot.values()] });
    });
  }

  // ---- internals -------------------------------------------------------------------------

  *#confirmedEntities(): Generator<T> {
    for (const visible of this.list.slice()) {
      const value = this.confirmed(visible.id);
      if (value !== undefined) yield value;
    }
    for (const [id, track] of this.#tracks) {
      if (track.confirmed !== undefined && this.entities.peek(id) === undefined) yield track.confirmed;
    }
  }

  *#confirmedIds(): Generator<string> {
    for (const id of Map.prototype.keys.call(this.entities) as MapIterator<string>) {
      if (!this.#tracks.has(id)) yield id;
    }
    for (const [id, track] of this.#tracks) if (track.confirmed !== undefined) yield id;
  }

  /**
   * Before a confirmed write of `id` (`confirmed`: its value now) while a fetch is in flight: the first
   * since the fetch started tells whether the store held the entity then. Such an entity that the
   * fetch's list lacks was deleted after it was written (ids are not reused): the list outranks the write.
   */
  #noteExisting(id: string, confirmed: T | undefined, created = false): void {
    // A create answered over nothing names a new entity, also under a reused id: the list may be older.
    if (confirmed === undefined) {
      if (created) this.#existed?.delete(id);
    } else if (this.#protected && !this.#protected.has(id)) (this.#existed ??= new Set()).add(id);
  }

  /** After a confirmed write from anywhere but a server list: the fetch in flight must not undo it. */
  #markChanged(id: string, changed: boolean): void {
    this.#protected?.add(id);
    if (!changed) return;
    this.#dirty.add(id);
    this.onConfirmedChange?.();
  }

  /** This client learned that `id` is deleted: answers to changes made before now cannot bring it back. */
  #learnDeleted(id: string): void {
    if (this.#opCount === 0) return;
    this.#deletions.learn(id, this.nextSeq(), this.#oldestSeq);
  }

  /**
   * The number of the oldest change an answer may still come for: in flight, or a kept failed create
   * (sent again, it keeps its number). A kept failed update or remove gets a new one when sent again,
   * and goes when its entity is deleted: no older deletion concerns it.
   */
  readonly #oldestSeq = (): number => {
    let oldest = Infinity;
    for (const track of this.#tracks.values()) for (const op of track.ops) if (!op.failed || op.kind === "create") oldest = Math.min(oldest, op.seq);
    return oldest;
  };

  /** With no change in flight, no answer is left that a deletion must outrank. */
  #forgetDeletions(): void {
    if (this.#opCount === 0) this.#deletions.clear();
  }

  /** Sets the confirmed value of `id`; returns whether the query cache must learn of it. */
  #setConfirmed(id: string, value: T | undefined): boolean {
    const track = this.#tracks.get(id);
    if (!track) {
      const current = this.entities.peek(id);
      if (value === undefined) {
        const changed = this.#setVisible(id, undefined);
        this.#tempIds.forget(id);
        return changed;
      }
      if (this.#older(id, current, value)) return false;
      return this.#setVisible(id, value) || (current !== undefined && this.#keep(current, value));
    }
    const current = track.confirmed;
    if (this.#older(id, current, value)) return false;
    const changed = this.#setTracked(track, value);
    if ((value === undefined && this.#dropFailed(track)) || changed) this.#refresh(id, track);
    return changed || (current !== undefined && value !== undefined && this.#keep(current, value));
  }

  /**
   * The entity of `track` is deleted: the failed changes kept of it can never be sent, and go
   * (not when the id is that of a create of this client: it names a new entity). Whether any went.
   */
  #dropFailed(track: Track<T>): boolean {
    if (!track.failing || track.ops.some((op) => op.kind === "create")) return false;
    for (const failed of track.ops.filter((op) => op.failed)) this.#take(failed);
    return true;
  }

  /** Equal content and version (its microseconds, which a `Date` does not compare by): the current object may stay. */
  #same(current: T | undefined, next: T | undefined): boolean {
    if (current === next) return true;
    const versions = this.versions;
    return !!current && !!next && shallowEqual(current, next) && (!versions || compareVersions(versions.of(current), versions.of(next)) === 0);
  }

  /** Whether the version rule refuses `incoming` over `current` (an older version of the entity). */
  #older(id: string, current: T | undefined, incoming: T | undefined): boolean {
    if (!this.versions || current === undefined || incoming === undefined || current === incoming || !this.versions.isOlder(current, incoming)) return false;
    this.#refused?.add(id);
    return true;
  }

  /** Whether `incoming` is a newer version than the confirmed entity of its id (never without `version`). */
  #newer(incoming: T): boolean {
    const current = this.versions && this.confirmed(incoming.id);
    return !!current && compareVersions(this.versions!.of(incoming), this.versions!.of(current)) > 0;
  }

  /** The error its write status shows: the latest failure while that change is kept, else the newest kept one's. */
  #failure(track: Track<T>): Error | undefined {
    let newest: Error | undefined;
    for (const op of track.ops) {
      if (op.failed && op.failed === track.error) return op.failed;
      newest = op.failed ?? newest;
    }
    return newest;
  }

  /** Keeps `failedCount` right as an entity gets or loses kept failed changes. */
  #countFailing(track: Track<T>, failing: boolean): void {
    if (failing === track.failing) return;
    track.failing = failing;
    this.#failedCount.set(this.#failedCount.get() + (failing ? 1 : -1));
  }

  /** `current` stays for its identity although `incoming` is equal to it: tell the owner. */
  #keep(current: T, incoming: T): boolean {
    return current !== incoming && this.onKeep !== undefined && this.onKeep(current, incoming);
  }

  #setTracked(track: Track<T>, value: T | undefined): boolean {
    const current = track.confirmed;
    if (this.#same(current, value)) return false;
    track.confirmed = value;
    return true;
  }

  /** Removes a settled change from its track; undefined if it was no longer pending. */
  #take(op: PendingOp<T>): Track<T> | undefined {
    const track = this.#tracks.get(op.id);
    const index = track ? track.ops.indexOf(op) : -1;
    if (!track || index < 0) return undefined;
    track.ops.splice(index, 1);
    if (!this.#placeholders.delete(op)) this.#opCount--;
    return track;
  }

  /** Drops the placeholders of creates answered without an entity: the fetched list has the real one. */
  #dropPlaceholders(): void {
    for (const op of this.#placeholders) {
      const track = this.#tracks.get(op.id);
      const index = track ? track.ops.indexOf(op) : -1;
      if (!track || index < 0) continue;
      track.ops.splice(index, 1);
      this.#refresh(op.id, track);
    }
    this.#placeholders.clear();
  }

  #refresh(id: string, track: Track<T>): void {
    // Observers of the write status run only when it changes (not on a confirmed write beneath it).
    if (this.#status.observed(id)) {
      const status = this.#statusKey(track);
      if (status !== track.status) this.#status.changed(id);
      track.status = status;
    } else track.status = undefined;
    track.error = this.#failure(track);
    this.#countFailing(track, track.error !== undefined);
    if (track.ops.length > 0) {
      this.#setVisible(id, this.#fold(track));
      return;
    }
    this.#tracks.delete(id);
    const shown = this.entities.peek(id);
    // The visible object becomes the confirmed one; kept when equal, it stands for the server's item.
    if (!this.#setVisible(id, track.confirmed) && shown !== undefined && track.confirmed !== undefined) this.#keep(shown, track.confirmed);
    this.#order.forgetHint(id);
    if (track.confirmed === undefined) this.#tempIds.forget(id);
  }

  /** What an observer of the write status (or `hasPending`) of `track` sees, as a string to compare. */
  #statusKey(track: Track<T>): string {
    let key = "";
    for (const op of track.ops) key += `${op.kind}${op.failed ? "!" : ""}${this.#placeholders.has(op) ? "?" : ""}${op.kind === "update" ? Object.keys(op.patch).join() : ""};`;
    return `${key}${track.error?.message}`;
  }

  #fold(track: Track<T>): T | undefined {
    let entity = track.confirmed;
    for (const op of track.ops) {
      if (op.kind === "create") entity = op.entity;
      else if (op.kind === "remove") entity = undefined;
      else if (entity !== undefined) entity = { ...entity, ...liveFields(track, op, op.patch) };
    }
    return entity;
  }

  /**
   * The confirmed entity after the server answered update `op`. The answer to the newest update
   * replaces the entity; an answer to an older one only sets its own fields that no newer answered
   * update has set, so a late answer never moves a field back. With none left, null: nothing is
   * written, and a fetch in flight is not kept from the entity (what the store holds of it was
   * written before that fetch started, or is kept against it already).
   */
  #answered(track: Track<T>, op: UpdateOp<T>, answer: T | undefined): T | undefined | null {
    let newest = true;
    for (const seq of track.acks?.values() ?? []) if (seq > op.seq) newest = false;
    const fields = liveFields(track, op, answer ?? op.patch);
    track.acks ??= new Map();
    for (const field of Object.keys(fields)) track.acks.set(field, op.seq);
    if (newest && answer) return answer;
    return newest || Object.keys(fields).length > 0 ? track.confirmed && { ...track.confirmed, ...fields } : null;
  }

  /** Makes `next` the visible value of `id`, keeping the current object when its content is equal. */
  #setVisible(id: string, next: T | undefined): boolean {
    const current = this.entities.peek(id);
    if (this.#same(current, next)) return false;
    if (next === undefined) {
      this.#write.drop(id);
      this.#order.remove(id, current as T, this.#tracks.has(id));
    } else {
      this.#write.put(id, next);
      if (current === undefined) this.#order.add(id, next);
      else this.#order.replace(id, current, next);
    }
    return true;
  }
}

/** The fields of `source` that update `op` still decides: those no newer answered update has set. */
function liveFields<T>(track: Track<T>, op: UpdateOp<T>, source: Partial<T>): Partial<T> {
  const acks = track.acks;
  if (!acks && source === op.patch) return source;
  const live: Record<string, unknown> = {};
  for (const field of Object.keys(op.patch)) {
    if ((acks?.get(field) ?? 0) < op.seq && field in source) live[field] = (source as Record<string, unknown>)[field];
  }
  return live as Partial<T>;
}
