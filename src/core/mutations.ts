import { MutationObserver, type QueryClient } from "@tanstack/query-core";
import { observable, runInAction } from "mobx";
import type { DataTransformer } from "../transforms/types";
import { isValidId, OptimisticEntityError, OptimisticLifecycleError } from "./errors";
import type { OptimisticLayers, PendingOp } from "./OptimisticLayers";
import type { OptimisticStore } from "./OptimisticStore";
import type { Reporter } from "./reporter";
import type { Entity, MutationReceipt, OptimisticStoreConfig } from "./types";

type Kind = "create" | "update" | "remove";

export interface MutationActionsOptions<TApiData extends Entity, TUiData extends Entity> {
  client: QueryClient;
  config: OptimisticStoreConfig<TApiData, TUiData, OptimisticStore<TUiData>>;
  layers: OptimisticLayers<TUiData>;
  transformer: DataTransformer<TApiData, TUiData> | undefined;
  originId: string;
  /** Server answer → entity; undefined when it carries no usable entity. */
  toEntity: (item: unknown) => TUiData | undefined;
  isDestroyed: () => boolean;
  reporter: Reporter;
}

/** Counts of mutations in flight, by kind (observable). */
export interface PendingCounts {
  create: number;
  update: number;
  remove: number;
}

export interface MutationActions<TApiData, TUiData> {
  create: (data: unknown) => Promise<TApiData>;
  update: (params: { id: string; data: unknown }) => Promise<TApiData>;
  remove: (id: string) => Promise<void | { id: string }>;
  counts: PendingCounts;
  /** Settles the change made with `mutationId` from a realtime echo; returns whether one was pending. */
  acknowledge: (mutationId: string, entity: TUiData | undefined) => boolean;
}

/**
 * The optimistic actions: each applies its change to the pending layer synchronously, runs the
 * server call as a TanStack Query mutation, and settles exactly its own change when that ends.
 */
export function createMutationActions<TApiData extends Entity, TUiData extends Entity>(
  options: MutationActionsOptions<TApiData, TUiData>,
): MutationActions<TApiData, TUiData> {
  const { client, config, layers, transformer, originId, toEntity, reporter } = options;
  const counts = observable<PendingCounts>({ create: 0, update: 0, remove: 0 });
  const inFlight = new Map<string, PendingOp<TUiData>>();
  /** Temporary id → its server id, once the create that made it answers. */
  const serverIds = new Map<string, Promise<string>>();
  let sequence = 0;

  const receipt = (): MutationReceipt => ({ mutationId: `${originId}:${++sequence}`, originId });

  const guard = (action: string): void => {
    if (options.isDestroyed()) {
      throw new OptimisticLifecycleError(
        `${action} on "${config.name}" after destroy(): the manager is destroyed. Create a new manager instead of reusing this one.`,
      );
    }
  };

  /** Runs a server call through query-core (mutation cache, retries, offline pausing) and settles the change. */
  const run = <TVars, TResult>(
    kind: Kind,
    op: PendingOp<TUiData>,
    key: MutationReceipt,
    variables: TVars,
    mutationFn: (variables: TVars) => Promise<TResult>,
    settle: (result: TResult) => void,
  ): Promise<TResult> => {
    inFlight.set(key.mutationId, op);
    reporter.debug?.(`${kind} applied`, { id: op.id, mutationId: key.mutationId });
    const observer = new MutationObserver<TResult, Error, TVars>(client, { mutationKey: [config.name, kind], mutationFn, gcTime: 0 });
    const finish = (ok: boolean, result?: TResult) => {
      inFlight.delete(key.mutationId);
      reporter.debug?.(`${kind} ${ok ? "confirmed" : "rolled back"}`, { id: op.id, mutationId: key.mutationId });
      observer.reset();
      runInAction(() => {
        counts[kind]--;
        if (options.isDestroyed()) return;
        if (ok) settle(result as TResult);
        else layers.fail(op);
      });
    };
    return observer.mutate(variables).then(
      (result) => {
        finish(true, result);
        return result;
      },
      (error: unknown) => {
        finish(false);
        throw error;
      },
    );
  };

  const begin = (kind: Kind, op: PendingOp<TUiData>) =>
    runInAction(() => {
      layers.begin(op);
      counts[kind]++;
    });

  /** The id the server knows: waits for the create of a temporary id (rejects if it failed). */
  const serverIdOf = (id: string): Promise<string> => serverIds.get(id) ?? Promise.resolve(layers.resolve(id));

  const nextTempId = (): string => {
    let id: string;
    do id = `temp-${originId}-${++sequence}`;
    while (layers.isTaken(id));
    return id;
  };

  const create = (data: unknown): Promise<TApiData> => {
    try {
      guard("create");
      const tempId = nextTempId();
      const defaults = transformer?.optimisticDefaults ?? config.optimisticDefaults;
      let entity: TUiData;
      if (defaults?.createOptimisticUiData) entity = defaults.createOptimisticUiData(data, config.optimisticContext?.());
      else {
        const input = { ...(data as object), id: tempId };
        entity = transformer ? transformer.toUi(input as TApiData) : (input as TUiData);
      }
      if (entity === null || typeof entity !== "object") {
        throw new OptimisticEntityError(`createOptimisticUiData of "${config.name}" must return an object, got ${String(entity)}.`);
      }
      // The optimistic entity keeps an id it brings only if no other entity uses it.
      if (!isValidId(entity.id) || layers.isTaken(entity.id)) entity = { ...entity, id: tempId };
      const op: PendingOp<TUiData> = { kind: "create", seq: layers.nextSeq(), id: entity.id, entity };
      let resolveId!: (id: string) => void;
      let rejectId!: (error: unknown) => void;
      const serverId = new Promise<string>((resolve, reject) => {
        resolveId = resolve;
        rejectId = reject;
      });
      serverId.catch(() => undefined);
      serverIds.set(op.id, serverId);
      const key = receipt();
      begin("create", op);
      return run("create", op, key, data, (variables) => config.mutations.create(variables, key), (result) => {
        layers.succeedCreate(op, toEntity(result));
      }).then(
        (result) => {
          serverIds.delete(op.id);
          resolveId(layers.resolve(op.id));
          return result;
        },
        (error: unknown) => {
          serverIds.delete(op.id);
          rejectId(error);
          throw error;
        },
      );
    } catch (error) {
      return Promise.reject(error);
    }
  };

  const patchFor = (id: string, data: unknown): Partial<TUiData> => {
    const input = data !== null && typeof data === "object" ? (data as Record<string, unknown>) : {};
    const { id: _ignored, ...patch } = input;
    const defaults = transformer?.optimisticDefaults ?? config.optimisticDefaults;
    const current = layers.entities.peek(id);
    if (defaults?.createOptimisticUiData && current) {
      // Recompute derived fields the way a create would, but keep only what differs.
      const full = defaults.createOptimisticUiData({ ...current, ...patch }, config.optimisticContext?.()) as Record<string, unknown>;
      for (const field of Object.keys(full)) {
        if (field !== "id" && (field in patch || !Object.is(full[field], (current as Record<string, unknown>)[field]))) {
          patch[field] = full[field];
        }
      }
    }
    return patch as Partial<TUiData>;
  };

  const update = (params: { id: string; data: unknown }): Promise<TApiData> => {
    try {
      guard("update");
      const id = checkedId(params?.id, "update", config.name);
      const op: PendingOp<TUiData> = { kind: "update", seq: layers.nextSeq(), id: layers.resolve(id), patch: patchFor(layers.resolve(id), params.data) };
      const key = receipt();
      begin("update", op);
      const call = async ({ data }: { id: string; data: unknown }) => config.mutations.update({ id: await serverIdOf(op.id), data }, key);
      return run("update", op, key, { id: op.id, data: params.data }, call, (result) => layers.succeed(op, toEntity(result)));
    } catch (error) {
      return Promise.reject(error);
    }
  };

  const remove = (id: string): Promise<void | { id: string }> => {
    try {
      guard("remove");
      const target = layers.resolve(checkedId(id, "remove", config.name));
      const op: PendingOp<TUiData> = { kind: "remove", seq: layers.nextSeq(), id: target };
      const key = receipt();
      begin("remove", op);
      const call = async (): Promise<void | { id: string }> => {
        // Removing an entity whose create failed needs no server call: it never existed.
        const serverId = await serverIdOf(op.id).catch(() => undefined);
        return serverId === undefined ? undefined : config.mutations.remove(serverId, key);
      };
      return run("remove", op, key, target, call, () => layers.succeed(op, undefined));
    } catch (error) {
      return Promise.reject(error);
    }
  };

  const acknowledge = (mutationId: string, entity: TUiData | undefined): boolean => {
    const op = inFlight.get(mutationId);
    if (!op || !layers.isPending(op)) return false;
    if (op.kind === "create") layers.succeedCreate(op, entity);
    else layers.succeed(op, op.kind === "update" ? entity : undefined);
    return true;
  };

  return { create, update, remove, counts, acknowledge };
}

function checkedId(id: unknown, action: string, name: string): string {
  if (!isValidId(id)) {
    throw new OptimisticEntityError(`${action} on "${name}" needs the entity's id, got ${JSON.stringify(id)}.`);
  }
  return id;
}
