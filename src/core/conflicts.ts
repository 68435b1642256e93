import { shallowEqual } from "../utils/shallowEqual";
import type { ManagerContext } from "./context";
import { OptimisticConflictError } from "./errors";
import type { PendingOp } from "./OptimisticLayers";
import type { Entity } from "./shapes";
import type { OptimisticConflictConfig } from "./types";

type UpdateOp<T> = PendingOp<T> & { kind: "update" };

/** Sends an update's data once; `server`: the server's entity it is sent on top of, after a conflict. */
export type SendUpdate<TApiData, TUiData> = (data: unknown, server: TUiData | undefined) => Promise<TApiData>;

/** The `conflict` option at work, for the mutation runner. */
export interface Conflicts<TApiData, TUiData> {
  /**
   * Sends an update; each time the server refuses it as a conflict, the server's entity becomes
   * confirmed (under the change, which stays visible) and the strategy decides: send again (the same
   * change, or the resolver's, shown at once) or reject with an `OptimisticConflictError`. A change
   * `detached` (its scope left) is settled all the same, without touching the store.
   */
  send(op: UpdateOp<TUiData>, data: unknown, base: TUiData | undefined, send: SendUpdate<TApiData, TUiData>, detached: () => boolean): Promise<TApiData>;
  /** Whether `error` ended a change by the strategy's choice (server-wins): it is dropped, never kept failed. */
  drops(error: unknown): boolean;
  /** The server's entity of `op`'s last conflict: the version it is sent on since, `retry()` included. */
  rebased(op: PendingOp<TUiData>): TUiData | undefined;
}

/**
 * Builds the conflict handling of a manager. A conflict is an error of `mutations.update` for which
 * `detect` returns the server's entity; any other error fails the change as usual.
 *
 * | strategy              | on a conflict                                                          |
 * |-----------------------|------------------------------------------------------------------------|
 * | `"server-wins"`       | the change is dropped; the action rejects with `OptimisticConflictError` |
 * | `"client-wins"`       | the same data is sent again on top of the server's version             |
 * | resolver → change     | that change is shown in place of the user's and sent                   |
 * | resolver → `null`     | as server-wins                                                         |
 * | `maxAttempts` reached | rejects with `OptimisticConflictError` (kept failed with `keepFailed`)   |
 */
export function createConflicts<TApiData, TUiData extends Entity>(
  ctx: ManagerContext<TApiData, TUiData>,
  config: OptimisticConflictConfig<TApiData, TUiData>,
): Conflicts<TApiData, TUiData> {
  const { layers, codec, reporter, name, transformer } = ctx;
  const { resolve = "server-wins", maxAttempts = 3 } = config;
  const dropped = new WeakSet<object>();
  /** The server's entity of each change's last conflict: also the one that ended its round, for retry(). */
  const rebased = new WeakMap<object, TUiData>();
  /** Each change's own patch: the resolver's `local` in every round, also once a merge is shown in its place. */
  const own = new WeakMap<object, Partial<TUiData>>();

  /** The server's entity of `id` a conflict error carries, or undefined when it is no conflict. */
  const detect = (error: unknown, id: string): TUiData | undefined => {
    let item: TApiData | undefined;
    try {
      item = config.detect(error);
    } catch (thrown) {
      reporter.callbackError(thrown, { source: "callback", payload: error });
    }
    return item === undefined || item === null ? undefined : codec.ofEntity(codec.toEntity(item, "mutation"), id, "the server's entity of a conflicting update", "mutation", item);
  };

  /** The resolver's change (UI shape) as the mutation function takes data: in the API's shape. */
  const toData = (patch: Partial<TUiData>, server: TUiData): unknown => {
    if (!transformer) return patch;
    // The transformer may rename or combine fields: its fields that differ from the server's item.
    const item = transformer.toApi({ ...server, ...patch }) as unknown as Record<string, unknown>;
    const before = codec.toItem(server) as unknown as Record<string, unknown>;
    return Object.fromEntries(Object.entries(item).filter(([key, value]) => key !== "id" && (key in patch || !shallowEqual(value, before[key]))));
  };

  return {
    async send(op, data, base, sendOnce, detached) {
      const local = own.get(op) ?? op.patch;
      own.set(op, local);
      let server: TUiData | undefined;
      for (let attempt = 1; ; attempt++) {
        try {
          return await sendOnce(data, server);
        } catch (error) {
          // A change of the previous scope still settles by its strategy (its answer goes to that scope's cache);
          // one dropped from the store (cleared, destroyed) is not resolved here.
          const away = detached();
          server = ctx.isDestroyed() || !(away || layers.isPending(op)) ? undefined : detect(error, op.id);
          // A deletion learned since the change was made outranks the server's entity: the change fails as without the option.
          if (!server || (!away && layers.deletedSince(op.id, op.seq))) throw error;
          if (!away) {
            layers.confirm(op.id, server, op);
            // With `version`, a newer entity the store already had stays: it is the one to build on.
            server = layers.confirmed(op.id) ?? server;
          }
          rebased.set(op, server);
          reporter.debug?.("update conflicted", { id: op.id, attempt });
          let next: Partial<TUiData> | null = null;
          if (attempt >= maxAttempts) {
            throw new OptimisticConflictError(`update of "${op.id}" on "${name}" still conflicted after ${attempt} sends (conflict.maxAttempts).`, server, attempt, error);
          }
          if (resolve === "client-wins") next = local;
          else if (typeof resolve === "function") {
            try {
              next = resolve({ local, base, server });
            } catch (thrown) {
              reporter.callbackError(thrown, { source: "callback", id: op.id, payload: server });
            }
          }
          if (!next) {
            const conflict = new OptimisticConflictError(`update of "${op.id}" on "${name}" conflicted; the server's version was kept.`, server, attempt, error);
            dropped.add(conflict);
            throw conflict;
          }
          if (next !== op.patch) {
            layers.repatch(op, next);
            // What is shown is what retry() sends and persistence stores.
            op.input = data = toData(next, server);
          }
        }
      }
    },
    drops: (error) => typeof error === "object" && error !== null && dropped.has(error),
    rebased: (op) => rebased.get(op),
  };
}
