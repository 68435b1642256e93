import { observable, type IObservableArray } from "mobx";
import type { Entity } from "./shapes";

/** Where an entity hidden by a pending change goes back. */
export interface Place {
  /** Its index when it was hidden (or where the last server list put it): used when `after` cannot place it. */
  at: number;
  /**
   * The id that stood right before it (null: it was first), hidden ones counted, so entities hidden
   * side by side come back side by side, in their order; undefined when unknown (older snapshots).
   */
  after?: string | null;
}

/**
 * The order of the visible entities: `list`, updated in place as the layers add, replace and
 * remove entities, so one change costs one splice (or one slot write), not a rebuild.
 *
 * - An added entity goes where it stood before it was hidden (a failed remove brings it back in its
 *   place, after the entity it followed, or where a server list applied meanwhile put it), else at
 *   the end.
 * - A server list puts `list` in its order (`rebuild`); entities this class placed by itself since
 *   then may stand elsewhere, so the next server list rebuilds even when it did not change.
 * - While a server list is applied, additions and removals are only noted (`deferring`): the
 *   rebuild that follows places everything at once.
 */
export class ListOrder<T extends Entity> {
  readonly list: IObservableArray<T> = observable.array<T>([], { deep: false });
  /**
   * `list`'s items in a plain array, written alongside it: reading an observable array goes through
   * its proxy (about 20 times the cost of a plain read), and finding an entity's slot reads it.
   * Copied from `list` when first needed after a rebuild: a store that only shows what it loaded
   * keeps no second array.
   */
  #copy: T[] | undefined;
  /** Best-known position of each id in `list` (verified on use; filled when first needed, not per rebuild). */
  #pos = new Map<string, number>();
  /** Where each entity hidden by a pending change stood, to bring it back there. */
  #places = new Map<string, Place>();
  #deferred = false;
  #structureChanged = false;
  #placedLocally = false;

  /**
   * @param visible the visible entity of an id.
   * @param visibleIds every visible id.
   */
  constructor(
    private readonly visible: (id: string) => T | undefined,
    private readonly visibleIds: () => Iterable<string>,
  ) {}

  /** Whether an entity was placed by local logic since the last server order (the next one must rebuild). */
  get placedLocally(): boolean {
    return this.#placedLocally;
  }

  /** Where each entity a pending change hides goes back (the devtools' snapshots save and load it). */
  get places(): Map<string, Place> {
    return this.#places;
  }

  /** The cache holds the entities in an order of its own: the next server list rebuilds `list`. */
  markUnordered(): void {
    this.#placedLocally = true;
  }

  /** Runs `apply` noting additions and removals instead of making them; returns whether there were any. */
  deferring(apply: () => void): boolean {
    this.#deferred = true;
    this.#structureChanged = false;
    try {
      apply();
    } finally {
      this.#deferred = false;
    }
    return this.#structureChanged;
  }

  /** `list`'s items, plain. */
  get #items(): T[] {
    return (this.#copy ??= this.list.slice());
  }

  indexOf(id: string, entity: T): number {
    const items = this.#items;
    let at = this.#pos.get(id);
    if (at === undefined || items[at] !== entity) {
      // Few positions known (after a rebuild): learn them all at once rather than search per entity.
      if (this.#pos.size < items.length / 2) {
        for (let i = 0; i < items.length; i++) this.#pos.set(items[i]!.id, i);
        at = this.#pos.get(id);
        if (at !== undefined && items[at] === entity) return at;
      }
      // A known position is off by the entities added and removed before it since: look near it.
      at = at === undefined ? items.indexOf(entity) : near(items, entity, at);
      if (at >= 0) this.#pos.set(id, at);
    }
    return at;
  }

  add(id: string, entity: T): void {
    if (this.#deferred) {
      this.#structureChanged = true;
      return;
    }
    this.#placedLocally = true;
    const length = this.list.length;
    let at = this.#afterIndex(id);
    if (at === undefined) {
      const hint = this.#places.get(id)?.at;
      at = hint !== undefined && hint < length ? hint : length;
    }
    this.#insertAt(at, entity);
    this.#pos.set(id, at);
  }

  /** Where the hidden `id` goes back: right after the entity it followed, or one that entity followed if hidden too. */
  #afterIndex(id: string): number | undefined {
    let before = this.#places.get(id)?.after;
    for (let steps = this.#places.size; before !== undefined && steps > 0; steps--) {
      if (before === null) return 0;
      const entity = this.visible(before);
      if (entity !== undefined) {
        const at = this.indexOf(before, entity);
        return at < 0 ? undefined : at + 1;
      }
      before = this.#places.get(before)?.after;
    }
    return undefined;
  }

  /** Takes `entity` out; `remember`: it may come back (a pending change hides it), so keep its place. */
  remove(id: string, entity: T, remember: boolean): void {
    if (this.#deferred) {
      this.#structureChanged = true;
      return;
    }
    const at = this.indexOf(id, entity);
    if (at < 0) return;
    if (remember || this.#places.size > 0) {
      const before = this.#before(id, at);
      if (remember) this.#places.set(id, { at, after: before });
      else this.#relink(id, before); // gone for good: what followed it follows what it followed
    }
    this.#removeAt(at);
    this.#pos.delete(id);
  }

  /** What `id`, standing at `at`, follows: the entity before it, or the last of the hidden ones that stood between them. */
  #before(id: string, at: number): string | null {
    let before: string | null = at > 0 ? this.#items[at - 1]!.id : null;
    for (let steps = this.#places.size; steps > 0; steps--) {
      const next = this.#followerOf(before, id);
      if (next === undefined) break;
      before = next;
    }
    return before;
  }

  /** The hidden entities that follow `from` follow `to` instead (never themselves). */
  #relink(from: string, to: string | null): void {
    for (const [hidden, place] of this.#places) if (place.after === from && hidden !== to) place.after = to;
  }

  /** The hidden entity (other than `except`) that stood right after `before`. */
  #followerOf(before: string | null, except: string): string | undefined {
    for (const [hidden, place] of this.#places) if (place.after === before && hidden !== except && !this.visible(hidden)) return hidden;
    return undefined;
  }

  replace(id: string, current: T, next: T): void {
    const at = this.indexOf(id, current);
    if (at >= 0) {
      this.#setAt(at, next);
      this.#pos.set(id, at);
    } else if (this.#deferred) {
      this.#structureChanged = true;
    }
  }

  /** The entity of `id` has nothing pending that could hide it: no place to remember. */
  forgetHint(id: string): void {
    const before = this.#places.get(id)?.after;
    // Gone for good (its remove answered): the hidden ones that followed it follow what it followed.
    if (before !== undefined && !this.visible(id)) this.#relink(id, before);
    this.#places.delete(id);
  }

  /**
   * The id leaves `list` for good: a temporary id whose entity, `renamed`, got its server id (`at`:
   * where its row stands, -1 when hidden).
   */
  forgetPlace(id: string, renamed: string, at: number): void {
    // The created entity stands where the temporary row stood: hidden, it goes back there (and
    // what followed it where it stood before follows what it followed).
    const row = this.visible(renamed) ? undefined : at >= 0 ? { at, after: this.#before(id, at) } : this.#places.get(id);
    if (row?.after !== undefined) {
      const old = this.#places.get(renamed)?.after;
      if (old !== undefined) this.#relink(renamed, old);
      this.#places.set(renamed, { at: row.at, after: row.after });
    }
    this.#relink(id, renamed);
    this.forgetHint(id);
    this.#pos.delete(id);
  }

  /** Puts the visible entity of `id` at `at` (replacing what stands there) and drops its other row. */
  placeAt(id: string, at: number): void {
    const entity = this.visible(id);
    const old = entity === undefined ? -1 : this.#items.indexOf(entity);
    if (entity === undefined) {
      this.#removeAt(at);
      return;
    }
    // The slot is a local choice: the next server list puts the entity in its order.
    this.#placedLocally = true;
    this.#setAt(at, entity);
    this.#pos.set(id, at);
    if (old >= 0 && old !== at) {
      this.#removeAt(old);
      if (old < at) this.#pos.set(id, at - 1);
    }
  }

  /**
   * Rebuilds `list` in `order` (then every other visible entity in its current order), if it
   * differs. `fromServer`: the order is a server list's, which also says where hidden entities go back.
   */
  rebuild(order: Iterable<string | undefined>, fromServer = false): void {
    const next: T[] = [];
    const placed = new Set<string>();
    const take = (id: string | undefined) => {
      if (id === undefined || placed.has(id)) return;
      const entity = this.visible(id);
      if (entity === undefined) return;
      placed.add(id);
      next.push(entity);
    };
    let before: string | null = null;
    for (const id of order) {
      if (id === undefined) continue;
      // An entity a pending change hides comes back where this order puts it.
      if (fromServer && this.#places.has(id) && !this.visible(id)) {
        this.#places.set(id, { at: next.length, after: before });
        before = id;
      }
      take(id);
      if (placed.has(id)) before = id;
    }
    const items = this.#items;
    for (const entity of items) take(entity.id);
    for (const id of this.visibleIds()) take(id);
    this.#placedLocally = false;
    if (next.length === items.length && next.every((entity, i) => items[i] === entity)) return;
    this.list.replace(next);
    this.#copy = undefined;
    this.#pos.clear();
  }

  clear(): void {
    this.#places.clear();
    this.#pos.clear();
    if (this.list.length > 0) {
      this.list.clear();
      this.#copy = undefined;
    }
  }

  // `list` and its plain copy change together, only here (and in rebuild and clear).
  #insertAt(at: number, entity: T): void {
    this.list.splice(at, 0, entity);
    this.#copy?.splice(at, 0, entity);
  }

  #setAt(at: number, entity: T): void {
    this.list[at] = entity;
    if (this.#copy) this.#copy[at] = entity;
  }

  #removeAt(at: number): void {
    this.list.splice(at, 1);
    this.#copy?.splice(at, 1);
  }
}

/** Where `entity` stands in `items`, searched outward from `from`; -1 if it is not there. */
function near<T>(items: readonly T[], entity: T, from: number): number {
  for (let d = 0; from - d >= 0 || from + d < items.length; d++) {
    if (items[from - d] === entity) return from - d;
    if (items[from + d] === entity) return from + d;
  }
  return -1;
}
