import type { DataTransformer } from "../transforms/types";
import { isValidId, OptimisticEntityError } from "./errors";
import { OptimisticLayers } from "./OptimisticLayers";
import type { Entity, WriteStatus } from "./shapes";

const NONE: never[] = Object.freeze([]) as never[];

let layersOf: <T extends Entity>(store: OptimisticStore<T>) => OptimisticLayers<T>;

/**
 * A MobX store of entities keyed by `id`. What it shows is the server's confirmed state with every
 * optimistic change still in flight applied on top; the manager keeps both layers. Entities are
 * stored as plain immutable objects: a change replaces the object, so an unchanged entity keeps its
 * identity and only observers of a changed entity run.
 *
 * Methods called directly (`upsert`, `update`, `remove`, `reconcile`, the realtime helpers) write
 * the confirmed layer; changes in flight stay on top of them.
 *
 * @example
 * class TodoStore extends OptimisticStore<Todo> {
 *   constructor() {
 *     super();
 *     makeObservable(this, { done: computed });
 *   }
 *   get done() {
 *     return this.list.filter((todo) => todo.completed);
 *   }
 * }
 */
export class OptimisticStore<T extends Entity> {
  /** Visible entities by id (observable per key; iteration and `size` observe the whole map). */
  readonly entities: Map<string, T>;
  #layers: OptimisticLayers<T>;
  #snapshots: Map<string, T>[] = [];
  /** Only its `toUi` is used, on realtime data. */
  #transformer: DataTransformer<Entity, T> | undefined;

  static {
    layersOf = (store) => store.#layers;
  }

  /** @param transformer applied by `upsertFromRealtime` to incoming server data. */
  constructor(transformer?: DataTransformer<any, T>) { // eslint-disable-line @typescript-eslint/no-explicit-any -- the plan's signature
    this.#transformer = transformer;
    this.#layers = new OptimisticLayers<T>({
      set: (id, value) => {
        if (value?.id !== id) throw new OptimisticEntityError(`entities.set("${id}", value): value.id must equal the key; use store.upsert(value).`);
        this.upsert(value);
      },
      delete: (id) => {
        const had = this.#layers.entities.peek(id) !== undefined;
        this.remove(id);
        return had;
      },
      clear: () => this.clear(),
    });
    this.entities = this.#layers.entities;
  }

  /** Visible entities in order: server order after a fetch, new ones appended. Updated in place. */
  get list(): T[] {
    const layers = this.#layers;
    // Entities of a scope that is no longer current are never seen, not even before the switch runs.
    return layers.entities.hidden?.() ? NONE : layers.list;
  }

  /** Number of visible entities. */
  get count(): number {
    return this.entities.size;
  }

  /** The visible entity with this id. */
  get(id: string): T | undefined {
    return this.entities.get(id);
  }

  /**
   * A key for rendering that stays the same when an optimistically created entity gets its server
   * id (it is the temporary id), so list rows are not remounted. For other entities, the id.
   */
  viewKey(id: string): string {
    return this.#layers.viewKey(id);
  }

  /** Whether the entity has an optimistic change in flight (observable per entity). */
  isPending(id: string): boolean {
    return this.#layers.hasPending(id);
  }

  /**
   * What of the entity is not confirmed yet — its changes in flight, and failed changes kept visible
   * with `keepFailed` — or `undefined` when there is none. Observable per entity: an `observer` row
   * re-renders when its own status changes, no other row does. A temporary id answered reads its
   * server id.
   *
   * @example
   * const status = store.writeStatus(todo.id);
   * if (status?.failed) showRetry(status.error, () => status.retry(), () => status.discard());
   * else if (status?.pending.length) showSaving(status.fields);
   */
  writeStatus(id: string): WriteStatus | undefined {
    return this.#layers.writeStatus(id);
  }

  /** Writes an entity into the confirmed state (adds it or replaces it). */
  upsert(entity: T): void {
    this.#layers.confirm(checkId(entity, "upsert"), entity);
  }

  /** Merges `updates` into the confirmed entity; does nothing if there is none. */
  update(id: string, updates: Partial<T>): void {
    const existing = this.#layers.confirmed(id);
    if (existing) this.#layers.confirm(id, { ...existing, ...updates, id: existing.id });
  }

  /** Removes an entity from the confirmed state. */
  remove(id: string): void {
    this.#layers.confirm(id, undefined);
  }

  /** Removes every entity, and forgets the optimistic changes in flight. */
  clear(): void {
    this.#layers.clear();
  }

  /** Applies server data from a realtime event (through the store's transformer); MobX-safe. */
  upsertFromRealtime<TApiData extends Entity>(apiData: TApiData): void {
    this.upsert(this.#transformer ? this.#transformer.toUi(apiData) : (apiData as unknown as T));
  }

  /** Removes an entity a realtime event says was deleted; MobX-safe. */
  removeFromRealtime(id: string): void {
    this.remove(id);
  }

  /** Saves the confirmed state; `rollback()` restores it. Snapshots nest. */
  pushSnapshot(): void {
    this.#snapshots.push(this.#layers.snapshot());
  }

  /** Restores the confirmed state saved by the latest `pushSnapshot()`; changes in flight stay on top. */
  rollback(): void {
    const snapshot = this.#snapshots.pop();
    if (snapshot) this.#layers.restore(snapshot);
  }

  /**
   * Makes `serverData` the confirmed state: changed entities are replaced, missing ones removed,
   * unchanged ones keep their identity, and `list` follows the server's order.
   */
  reconcile<TApiData extends Entity = T>(serverData: TApiData[], transformer?: DataTransformer<TApiData, T>): void {
    const entities = serverData.map((item) => (transformer ? transformer.toUi(item) : (item as unknown as T)));
    entities.forEach((entity) => checkId(entity, "reconcile"));
    this.#layers.applyServerList(entities, (entity) => entity as T, undefined, "fetch", false, true);
  }

  /** Visible entities that match `predicate`. */
  filter(predicate: (entity: T) => boolean): T[] {
    return this.list.filter(predicate);
  }

  /** The first visible entity that matches `predicate`. */
  find(predicate: (entity: T) => boolean): T | undefined {
    return this.list.find(predicate);
  }
}

/** The state layers behind a store; internal to the library. */
export function getLayers<T extends Entity>(store: OptimisticStore<T>): OptimisticLayers<T> {
  return layersOf(store);
}

function checkId<T extends Entity>(entity: T, method: string): string {
  if (!isValidId(entity?.id)) {
    throw new OptimisticEntityError(
      `${method}: entity has no valid id (got ${JSON.stringify(entity?.id)}). Every entity needs a non-empty string id; map your API's key to \`id\` in a transformer.`,
    );
  }
  return entity.id;
}
