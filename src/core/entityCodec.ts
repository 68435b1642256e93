import { isFieldwise, isLossless } from "../transforms/fieldwise";
import type { DataTransformer } from "../transforms/types";
import { shallowEqual } from "../utils/shallowEqual";
import { isValidId, OptimisticEntityError } from "./errors";
import type { Reporter } from "./reporter";
import type { Entity } from "./shapes";

/** Where server data came from, for reports. */
export type DataSource = "query" | "mutation" | "realtime";

/**
 * Converts between the server's items and the store's entities, and remembers which item each
 * entity came from: writing an entity back to the query cache gives the server's own item (fields
 * the transformer drops, dates as the server wrote them), not a conversion of the entity.
 */
export interface EntityCodec<TApiData, TUiData extends Entity> {
  /** Server data → entity (through the transformer); undefined when it cannot be used (reported). */
  toEntity(item: unknown, source: DataSource): TUiData | undefined;
  /** Entity → the server item it stands for. */
  toItem(entity: TUiData): TApiData;
  /**
   * `kept` stays in the store for its identity although `incoming` (equal to it) came from the
   * server: it now stands for `incoming`'s item. Returns whether that item differs from its old one.
   */
  keep(kept: TUiData, incoming: TUiData): boolean;
  /** Whether an item's own `id` is its entity's (no transformer, or one that converts field by field and leaves `id`). */
  readonly ownIds: boolean;
  /** The store's id of a server item that may hold nothing but its key (a DELETE's): through the transformer when it maps ids; never reports. */
  idOf(item: object): unknown;
  /**
   * `entity` when it is the one `id` names (or no `id` is expected). Data about an update of `id`
   * that is another entity is a server's mistake: written, it would give one entity's row another's
   * id. It is reported (`what` names it) and counts as none.
   */
  ofEntity(entity: TUiData | undefined, id: string | undefined, what: string, source: DataSource, payload: unknown): TUiData | undefined;
}

export function createEntityCodec<TApiData, TUiData extends Entity>(
  name: string,
  transformer: DataTransformer<TApiData & Entity, TUiData> | undefined,
  reporter: Reporter,
): EntityCodec<TApiData, TUiData> {
  const itemOf = new WeakMap<object, TApiData>();
  // A lossless transformer gives the server's item back from the entity: nothing to remember then,
  // except for an entity kept for its identity whose newer item differs (a date written otherwise).
  const remember = transformer !== undefined && !isLossless(transformer);
  const ownIds = !transformer || isFieldwise(transformer);
  const toItem = (entity: TUiData): TApiData => {
    if (!transformer) return entity as unknown as TApiData;
    let item = itemOf.get(entity);
    if (!item) {
      item = transformer.toApi(entity) as TApiData;
      if (remember) itemOf.set(entity, item);
    }
    return item;
  };
  return {
    toEntity(item, source) {
      if (item === null || typeof item !== "object") return undefined;
      let entity: TUiData;
      try {
        entity = transformer ? transformer.toUi(item as TApiData & Entity) : (item as TUiData);
      } catch (error) {
        reporter.callbackError(error, { source: "callback", payload: item });
        return undefined;
      }
      if (!isValidId(entity?.id)) {
        reporter.dropped(new OptimisticEntityError(`${source} data of "${name}" has no valid id; it was ignored.`), { source, payload: item });
        return undefined;
      }
      // A lossless transformer's item could be rebuilt, but an answer's or an event's is about to be
      // written back: remembered, it costs no conversion then. A fetched item is in the cache already.
      if (remember || (transformer && source !== "query")) itemOf.set(entity, item as TApiData);
      return entity;
    },
    toItem,
    ownIds,
    idOf(item) {
      if (!ownIds) {
        try {
          return transformer!.toUi(item as TApiData & Entity).id;
        } catch {
          // A transformer that needs more than the key: the item's own id is all there is.
        }
      }
      return (item as Entity).id;
    },
    ofEntity(entity, id, what, source, payload) {
      if (entity === undefined || id === undefined || entity.id === id) return entity;
      reporter.dropped(new OptimisticEntityError(`${what} of "${id}" on "${name}" is entity "${entity.id}"; it was ignored.`), { source, payload });
      return undefined;
    },
    keep(kept, incoming) {
      if (!transformer) return false;
      if (!remember) {
        const item = toItem(incoming);
        if (shallowEqual(toItem(kept), item)) return false;
        itemOf.set(kept, item);
        return true;
      }
      const item = itemOf.get(incoming);
      if (!item) return false;
      const previous = itemOf.get(kept);
      itemOf.set(kept, item);
      return previous !== undefined && previous !== item && !shallowEqual(previous, item);
    },
  };
}
