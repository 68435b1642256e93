/* eslint-disable @typescript-eslint/no-explicit-any -- the plan's public signatures take `any` for user input; kept for source compatibility */
/**
 * The shapes every part of the library shares. A leaf module: it imports nothing, so the modules
 * that use these types (core, transforms, realtime) never import each other for them.
 */

/** Anything the store can hold: an object with a string `id`. */
export interface Entity {
  /** Unique key of the entity (the server's id, or a temporary one while its create is in flight). */
  id: string;
}

/** How to build the optimistic UI entity for a create (and, merged with the current entity, for an update). */
export interface OptimisticDefaults<TUiData extends Entity> {
  /** Builds the complete UI entity from what the user submitted; an `id` it returns is kept when unique. */
  createOptimisticUiData: (userInput: any, context?: any) => TUiData;
  /** Fields the server fills in; kept for compatibility, the store does not read it. */
  pendingFields?: (keyof TUiData)[];
}

/**
 * Identifies one mutation call. Passed as the second argument of every mutation function, so the
 * server can copy it into the realtime event it broadcasts and this client can recognise its own echo.
 */
export interface MutationReceipt {
  /** Unique per call. */
  mutationId: string;
  /** Unique per manager (or the realtime `browserId` when one is configured). */
  originId: string;
  /**
   * Updates only, with the `version` option: the version of the confirmed entity the change was made
   * on (after a conflict: the server's version it is sent again on), for an `If-Match` header. With a
   * field name as `version`, the field's value as the server sent it; with a function, what it returns.
   */
  baseVersion?: number | string | Date;
}

/**
 * Settles a conflict (the `conflict` option): `local` is the patch given to `update` (in the store's
 * shape), `base` the confirmed entity when the action was called (undefined if there was none),
 * `server` the server's current entity. Returns the change to send on top of the server's version,
 * or `null` to keep the server's entity (server-wins).
 *
 * @example
 * const keepBoth: ConflictResolver<Todo> = ({ local, server }) =>
 *   local.title === undefined ? local : { ...local, title: `${server.title} / ${local.title}` };
 */
export type ConflictResolver<TUiData> = (conflict: { local: Partial<TUiData>; base: TUiData | undefined; server: TUiData }) => Partial<TUiData> | null;

/**
 * What of an entity is not confirmed yet: its changes in flight and the failed ones kept visible
 * (with `keepFailed`). Read it with `store.writeStatus(id)`, which MobX observes per entity.
 */
export interface WriteStatus {
  /** The kinds of the entity's changes in flight, oldest first (a change being retried is in flight). */
  readonly pending: readonly ("create" | "update" | "remove")[];
  /** The fields its updates in flight (or kept failed) change, as a set. */
  readonly fields: readonly string[];
  /** Whether a failed change is kept visible (only with `keepFailed`). */
  readonly failed: boolean;
  /** The latest error of a kept failed change; undefined whenever `failed` is false. */
  readonly error: Error | undefined;
  /**
   * Sends the failed changes again, in their original order, through the same mutation functions
   * (new receipts). Resolves when all succeeded; rejects if one fails again, which stays failed.
   */
  retry(): Promise<void>;
  /** Drops the failed changes at once: exactly their effect disappears. */
  discard(): void;
}

