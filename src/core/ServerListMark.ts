import { isValidId } from "./errors";

/**
 * How the last applied server list looked, so the next one can skip what did not change, and the
 * cache writer can find an entity's item in it.
 */
export interface ServerListMark {
  readonly data: readonly unknown[];
  /**
   * The id of each item's entity (undefined: the item was unusable). Left out when each is the
   * item's own `id` (no transformer, or one that keeps ids, as the default one does): a list of
   * 10,000 entities then costs no second array.
   */
  readonly ids?: readonly (string | undefined)[];
}

/** The item's own `id`, if it can key an entity. */
export function ownId(item: unknown): string | undefined {
  if (item === null || typeof item !== "object") return undefined;
  const id = (item as { id?: unknown }).id;
  return isValidId(id) ? id : undefined;
}

/** The id of the entity of item `i` of `mark`. */
export function idAt(mark: ServerListMark, i: number): string | undefined {
  return mark.ids ? mark.ids[i] : ownId(mark.data[i]);
}

/** A mark for `data` whose entities have `ids`; keeps `ids` only where one differs from its item's own id. */
export function markOf(data: readonly unknown[], ids: readonly (string | undefined)[]): ServerListMark {
  for (let i = 0; i < ids.length; i++) if (ids[i] !== ownId(data[i])) return { data, ids };
  return { data };
}
