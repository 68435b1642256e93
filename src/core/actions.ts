import { runInAction } from "mobx";
import { isFieldwise } from "../transforms/fieldwise";
import { shallowEqual } from "../utils/shallowEqual";
import type { ManagerContext } from "./context";
import { afterDestroy, goneTempId, isValidId, OptimisticEntityError } from "./errors";
import type { MutationRunner } from "./MutationRunner";
import type { PendingOp } from "./OptimisticLayers";
import type { Entity } from "./shapes";
import { isTempId, TEMP_ID_PREFIX } from "./temporaryId";

type Kind = PendingOp<unknown>["kind"];

/**
 * The manager's optimistic actions; what they are given is user input, checked here. Persistence
 * applies a stored change again through them, with its receipt's `mutationId` (a create's id, an update's base).
 */
export interface Actions<TApiData, TUiData extends Entity> {
  create: (data: unknown, mutationId?: string, id?: string) => Promise<TApiData>;
  update: (params: { id: string; data: unknown }, mutationId?: string, base?: TUiData) => Promise<TApiData>;
  remove: (id: string, mutationId?: string) => Promise<void | { id: string }>;
}

/**
 * Turns what the user submits into optimistic changes (the optimistic entity of a create, the patch
 * of an update, the target id) and hands them to the runner. Misuse never throws: the promise rejects.
 * `before` runs first in every action (the `scope` option switches a scope change that is due).
 */
export function createActions<TApiData, TUiData extends Entity>(
  ctx: ManagerContext<TApiData, TUiData>,
  runner: MutationRunner<TApiData, TUiData>,
  before?: () => void,
): Actions<TApiData, TUiData> {
  const { config, layers, transformer, name } = ctx;
  const optimisticDefaults = () => transformer?.optimisticDefaults ?? config.optimisticDefaults;

  const guard = (action: string): void => {
    before?.();
    if (ctx.isDestroyed()) throw afterDestroy(action, name);
  };

  const nextTempId = (): string => {
    let id: string;
    do id = `${TEMP_ID_PREFIX}${ctx.instanceId}-${runner.next()}`;
    while (layers.isTaken(id));
    return id;
  };

  /** The optimistic entity of a create: built by createOptimisticUiData, else the data through toUi. */
  const optimisticEntity = (data: unknown, restoredId?: string): TUiData => {
    const tempId = restoredId ?? nextTempId();
    const defaults = optimisticDefaults();
    let entity: TUiData;
    if (defaults?.createOptimisticUiData) entity = defaults.createOptimisticUiData(data, config.optimisticContext?.());
    else {
      const input = { ...(data as object), id: tempId };
      entity = transformer ? transformer.toUi(input as TApiData & Entity) : (input as TUiData);
    }
    if (entity === null || typeof entity !== "object") {
      throw new OptimisticEntityError(`createOptimisticUiData of "${name}" must return an object, got ${String(entity)}.`);
    }
    // The optimistic entity keeps an id it brings only if no other entity uses it (a restored one, its own).
    return restoredId !== undefined || !isValidId(entity.id) || layers.isTaken(entity.id) ? { ...entity, id: tempId } : entity;
  };

  /** The patch of an update, by the same rule as a create: createOptimisticUiData, else toUi. */
  const patchFor = (id: string, data: unknown): Partial<TUiData> => {
    const input = data !== null && typeof data === "object" ? (data as Record<string, unknown>) : {};
    const { id: _ignored, ...given } = input;
    const current = layers.entities.peek(id);
    const defaults = optimisticDefaults();
    let patch = transformer && !defaults?.createOptimisticUiData ? uiPatch(id, given, current) : given;
    if (defaults?.createOptimisticUiData && current) {
      // Recompute derived fields the way a create would, but keep only what differs.
      const full = defaults.createOptimisticUiData({ ...current, ...patch }, config.optimisticContext?.()) as Record<string, unknown>;
      patch = { ...patch };
      for (const field of Object.keys(full)) {
        if (field !== "id" && (field in patch || !Object.is(full[field], (current as Record<string, unknown>)[field]))) {
          patch[field] = full[field];
        }
      }
    }
    return patch as Partial<TUiData>;
  };

  /** The submitted data is in the API's shape (it is sent as is): show it in the store's shape. */
  const uiPatch = (id: string, given: Record<string, unknown>, current: TUiData | undefined): Record<string, unknown> => {
    const t = transformer!;
    if (isFieldwise(t)) {
      const converted = t.toUi({ ...given, id } as unknown as TApiData & Entity) as unknown as Record<string, unknown>;
      const patch: Record<string, unknown> = {};
      for (const field of Object.keys(given)) patch[field] = converted[field];
      return patch;
    }
    // Any other transformer may rename or combine fields: convert the whole entity, keep what changed.
    const base = current ? (ctx.codec.toItem(current) as unknown as Record<string, unknown>) : {};
    const full = t.toUi({ ...base, ...given, id } as unknown as TApiData & Entity) as unknown as Record<string, unknown>;
    const before = (current ?? {}) as Record<string, unknown>;
    const patch: Record<string, unknown> = {};
    for (const field of Object.keys(full)) {
      if (field !== "id" && (field in given || !(field in before) || !shallowEqual(full[field], before[field]))) patch[field] = full[field];
    }
    return patch;
  };

  /** What a call with `id` targets: a temporary id answered is the server id; one whose entity is gone is refused. */
  const targetOf = (id: unknown, action: Kind): string | undefined => {
    const target = layers.resolve(checkedId(id, action, name));
    if (isTempId(target) && !layers.isTaken(target)) {
      if (action === "remove") return undefined;
      throw goneTempId(action, name, target);
    }
    if (layers.awaitsServerId(target)) {
      throw new OptimisticEntityError(`${action} on "${name}": the create of "${target}" was answered without an entity, so its server id is not known yet; it shows after the refetch.`);
    }
    return target;
  };

  /**
   * Runs an action: misuse rejects the promise rather than throwing. In one MobX action: no reaction
   * sees the change applied before query-core paused it offline (not yet in `queuedCount`).
   */
  const attempt =
    <A extends unknown[], R>(action: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      try {
        return runInAction(() => action(...args));
      } catch (error) {
        return Promise.reject(error);
      }
    };

  return {
    create: attempt((data: unknown, mutationId?: string, restoredId?: string) => {
      guard("create");
      const entity = optimisticEntity(data, restoredId);
      return runner.create({ kind: "create", seq: layers.nextSeq(), id: entity.id, entity }, data, false, mutationId);
    }),
    update: attempt((params: { id: string; data: unknown }, mutationId?: string, base?: TUiData) => {
      guard("update");
      const id = targetOf(params?.id, "update") as string;
      return runner.update({ kind: "update", seq: layers.nextSeq(), id, patch: patchFor(id, params.data) }, params.data, false, mutationId, base);
    }),
    remove: attempt((id: string, mutationId?: string) => {
      guard("remove");
      const target = targetOf(id, "remove");
      // A temporary id whose entity is gone needs no server call: it never existed there.
      if (target === undefined) return Promise.resolve(undefined);
      return runner.remove({ kind: "remove", seq: layers.nextSeq(), id: target }, false, mutationId);
    }),
  };
}

function checkedId(id: unknown, action: string, name: string): string {
  if (typeof id !== "string" || id === "") {
    throw new OptimisticEntityError(`${action} on "${name}" needs the entity's id, got ${JSON.stringify(id)}: pass its id as a non-empty string.`);
  }
  return id;
}
