import { createAtom, type IAtom } from "mobx";
import { KeyedSignals } from "./KeyedSignals";

/** Writes that the owning store performs; the map's own `set`/`delete`/`clear` are routed back to the store. */
export interface EntityMapWriter<T> {
  put(id: string, value: T): void;
  drop(id: string): void;
  dropAll(): void;
}

/** Public writes on the map, handled by the store so that they land in its confirmed layer. */
export interface EntityMapOwner<T> {
  set(id: string, value: T): void;
  delete(id: string): boolean;
  clear(): void;
}

/**
 * The visible entities: a real `Map` whose reads MobX tracks, per key for `get`/`has` and as a whole
 * for `size` and iteration. Entities are stored as they are (never converted to deep observables),
 * and a MobX atom exists only for keys something observes, so a store of 100,000 entities costs one
 * `Map` entry per entity.
 */
export class EntityMap<T> extends Map<string, T> {
  /**
   * With the `scope` option: whether the entities belong to a scope that is no longer the current
   * one (the switch is about to run); they read as absent meanwhile. Observable.
   */
  hidden: (() => boolean) | undefined;
  #owner: EntityMapOwner<T>;
  #keysAtom: IAtom = createAtom("EntityMap.keys");
  #valuesAtom: IAtom = createAtom("EntityMap.values");
  #keys = new KeyedSignals("EntityMap");

  constructor(owner: EntityMapOwner<T>) {
    super();
    this.#owner = owner;
  }

  /** The writer the owning store uses; not part of the public API. */
  static writer<T>(map: EntityMap<T>): EntityMapWriter<T> {
    return {
      put: (id, value) => map.#put(id, value),
      drop: (id) => map.#drop(id),
      dropAll: () => map.#dropAll(),
    };
  }

  override get(id: string): T | undefined {
    this.#keys.observe(id);
    return this.hidden?.() ? undefined : super.get(id);
  }

  override has(id: string): boolean {
    this.#keys.observe(id);
    return this.hidden?.() ? false : super.has(id);
  }

  override get size(): number {
    this.#keysAtom.reportObserved();
    return this.hidden?.() ? 0 : super.size;
  }

  override keys(): MapIterator<string> {
    this.#keysAtom.reportObserved();
    return this.hidden?.() ? new Map<string, T>().keys() : super.keys();
  }

  override values(): MapIterator<T> {
    this.#observeAll();
    return this.hidden?.() ? new Map<string, T>().values() : super.values();
  }

  override entries(): MapIterator<[string, T]> {
    this.#observeAll();
    return this.hidden?.() ? new Map<string, T>().entries() : super.entries();
  }

  override [Symbol.iterator](): MapIterator<[string, T]> {
    return this.entries();
  }

  override forEach(callback: (value: T, key: string, map: Map<string, T>) => void, thisArg?: unknown): void {
    this.#observeAll();
    if (!this.hidden?.()) super.forEach((value, key) => callback.call(thisArg, value, key, this));
  }

  /** Same as the store's `upsert(value)`; `id` must equal `value.id`. */
  override set(id: string, value: T): this {
    this.#owner.set(id, value);
    return this;
  }

  /** Same as the store's `remove(id)`. */
  override delete(id: string): boolean {
    return this.#owner.delete(id);
  }

  /** Same as the store's `clear()`. */
  override clear(): void {
    this.#owner.clear();
  }

  /** Reads without telling MobX; for the store's own bookkeeping. */
  peek(id: string): T | undefined {
    return super.get(id);
  }

  #observeAll(): void {
    this.#keysAtom.reportObserved();
    this.#valuesAtom.reportObserved();
  }

  #put(id: string, value: T): void {
    const added = !super.has(id);
    super.set(id, value);
    this.#keys.changed(id);
    if (added) this.#keysAtom.reportChanged();
    this.#valuesAtom.reportChanged();
  }

  #drop(id: string): void {
    if (!super.delete(id)) return;
    this.#keys.changed(id);
    this.#keysAtom.reportChanged();
    this.#valuesAtom.reportChanged();
  }

  #dropAll(): void {
    if (super.size === 0) return;
    super.clear();
    this.#keys.changedAll();
    this.#keysAtom.reportChanged();
    this.#valuesAtom.reportChanged();
  }
}
