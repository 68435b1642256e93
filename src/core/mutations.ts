import { MutationObserver, type QueryClient } from "@tanstack/query-core";
import { observable, runInAction } from "mobx";
import { isFieldwise } from "../transforms/fieldwise";
import type { DataTransformer } from "../transforms/types";
import { shallowEqual } from "../utils/shallowEqual";
import { isValidId, OptimisticEntityError, OptimisticLifecycleError } from "./errors";
import type { OptimisticLayers, PendingOp } from "./OptimisticLayers";
import type { OptimisticStore } from "./OptimisticStore";
import type { Reporter } from "./reporter";
import type { Entity, MutationReceipt, OptimisticStoreConfig } from "./types";

type Kind = "create" | "update" | "remove";

/** A settled change of a destroyed manager, for the query cache (its store no longer changes). */
export type DetachedChange<TUiData> = { put: TUiData } | { remove: string };

export interface MutationActionsOptions<TApiData extends Entity, TUiData extends Entity> {
  client: QueryClient;
  config: OptimisticStoreConfig<TApiData, TUiData, OptimisticStore<TUiData>>;
  layers: OptimisticLayers<TUiData>;
  transformer: DataTransformer<TApiData, TUiData> | undefined;
  originId: string;
  /** Server answer → entity; undefined when it carries no usable entity (reported). */
  toEntity: (item: unknown) => TUiData | undefined;
  /** Entity → its server item. */
  toItem: (entity: TUiData) => TApiData;
  isDestroyed: () => boolean;
  reporter: Reporter;
  /** Applies what arrived before an answer (queued realtime events), so the answer lands after it. */
  beforeAnswer: () => void;
  /** Fetches the collection (to learn the id of an entity created without an answer). */
  refetch: () => void;
  /** Writes a change settled after `destroy()` to the query cache. */
  writeDetached: (change: DetachedChange<TUiData>) => void;
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

/** A change's place in its entity's send order. */
interface Turn {
  /** Resolves when the entity's previous change has been sent (a create: answered). */
  prior: Promise<void> | undefined;
  /** This change has been sent (a create: answered): the next one may go. */
  done: () => void;
}

/**
 * The optimistic actions: each applies its change to the pending layer synchronously, runs the
 * server call as a TanStack Query mutation, and settles exactly its own change when that ends.
 *
 * Changes of one entity are sent in the order they were made: each waits until the previous one
 * has been sent, and a change of an entity whose create is in flight waits for the create's answer
 * (or its realtime echo) to learn the server id.
 */
export function createMutationActions<TApiData extends Entity, TUiData extends Entity>(
  options: MutationActionsOptions<TApiData, TUiData>,
): MutationActions<TApiData, TUiData> {
  const { client, config, layers, transformer, originId, toEntity, reporter } = options;
  const { name } = config;
  const counts = observable<PendingCounts>({ create: 0, update: 0, remove: 0 });
  const inFlight = new Map<string, PendingOp<TUiData>>();
  /** Temporary id → settles when its create does (rejecting with the create's error). */
  const creates = new Map<string, Promise<void>>();
  /** Entity id → the last change made on it, which the next change waits for. */
  const lastChange = new Map<string, Promise<void>>();
  /** Creates in flight → what settles them when their realtime echo comes first. */
  const echoes = new Map<PendingOp<TUiData>, (entity: TUiData | undefined) => void>();
  const tempPrefix = `temp-${originId}-`;
  let sequence = 0;

  const receipt = (): MutationReceipt => ({ mutationId: `${originId}:${++sequence}`, originId });

  const guard = (action: string): void => {
    if (options.isDestroyed()) {
      throw new OptimisticLifecycleError(
        `${action} on "${name}" after destroy(): the manager is destroyed. Create a new manager instead of reusing this one.`,
      );
    }
  };

  const takeTurn = (id: string): Turn => {
    const prior = lastChange.get(id);
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    lastChange.set(id, mine);
    return {
      prior,
      done: () => {
        release();
        for (const key of [id, layers.resolve(id)]) if (lastChange.get(key) === mine) lastChange.delete(key);
      },
    };
  };

  /** A create answered: later changes of the entity now queue under its server id. */
  const moveTurns = (tempId: string, serverId: string): void => {
    const tail = lastChange.get(tempId);
    if (tail === undefined || tempId === serverId) return;
    lastChange.delete(tempId);
    const other = lastChange.get(serverId);
    const joined = other ? Promise.all([other, tail]).then(() => undefined) : tail;
    lastChange.set(serverId, joined);
    if (other) void joined.then(() => lastChange.get(serverId) === joined && lastChange.delete(serverId));
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
    const observer = new MutationObserver<TResult, Error, TVars>(client, { mutationKey: [name, kind], mutationFn, gcTime: 0 });
    const finish = (ok: boolean, result?: TResult) => {
      // Events that arrived before this answer go first (this change's own echo among them).
      if (!options.isDestroyed()) options.beforeAnswer();
      inFlight.delete(key.mutationId);
      reporter.debug?.(`${kind} ${ok ? "confirmed" : "rolled back"}`, { id: op.id, mutationId: key.mutationId });
      observer.reset();
      runInAction(() => {
        counts[kind]--;
        if (ok) settle(result as TResult);
        else if (!options.isDestroyed()) layers.fail(op);
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

  /**
   * Sends a change once its turn comes, with the id the server knows (the next change of the entity
   * may go as soon as this one is sent). A change still waiting when the store was cleared or the
   * manager destroyed is dropped, never sent.
   */
  const sendInTurn = async <R>(op: PendingOp<TUiData>, turn: Turn, create: Promise<void> | undefined, send: (id: string) => Promise<R>): Promise<R> => {
    let sent: Promise<R>;
    try {
      if (turn.prior) await turn.prior;
      if (create) await create;
      if (options.isDestroyed() || !layers.isPending(op)) {
        const cause = options.isDestroyed() ? "the manager was destroyed" : "store.clear() ran";
        throw new OptimisticLifecycleError(`${op.kind} of "${op.id}" on "${name}" was not sent: ${cause} while it waited for the create of that entity.`);
      }
      sent = send(op.id);
    } finally {
      turn.done();
    }
    return sent;
  };

  const nextTempId = (): string => {
    let id: string;
    do id = `${tempPrefix}${++sequence}`;
    while (layers.isTaken(id));
    return id;
  };

  /** A create's server entity is known (answer or echo): show it and let the entity's queued changes go. */
  const settleCreate = (op: PendingOp<TUiData>, entity: TUiData | undefined, turn: Turn, settled: (error?: unknown) => void) => {
    if (!layers.isPending(op)) {
      // Settled by its echo already, or forgotten by store.clear(): its queued changes are dropped then.
      settled(new OptimisticLifecycleError(`the create of "${op.id}" on "${name}" was forgotten by store.clear()`));
      turn.done();
      return;
    }
    const tempId = op.id;
    const target = layers.succeedCreate(op, entity);
    moveTurns(tempId, target);
    if (entity) settled();
    else {
      settled(new OptimisticEntityError(`create on "${name}" was answered without an entity, so its server id is unknown; the store refetches to show it. Resolve mutations.create with the created entity.`));
      options.refetch();
    }
    turn.done();
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
        throw new OptimisticEntityError(`createOptimisticUiData of "${name}" must return an object, got ${String(entity)}.`);
      }
      // The optimistic entity keeps an id it brings only if no other entity uses it.
      if (!isValidId(entity.id) || layers.isTaken(entity.id)) entity = { ...entity, id: tempId };
      const op: PendingOp<TUiData> = { kind: "create", seq: layers.nextSeq(), id: entity.id, entity };
      let settled!: (error?: unknown) => void;
      const outcome = new Promise<void>((resolve, reject) => {
        settled = (error) => (error === undefined ? resolve() : reject(error));
      });
      outcome.catch(() => undefined);
      creates.set(op.id, outcome);
      const turn = takeTurn(op.id);
      const key = receipt();
      begin("create", op);
      const forget = () => {
        if (creates.get(op.id) === outcome) creates.delete(op.id);
        echoes.delete(op);
      };
      echoes.set(op, (entity) => settleCreate(op, entity, turn, settled));
      return run("create", op, key, data, (variables) => config.mutations.create(variables, key), (result) => {
        const answer = answerEntity(result, "create");
        if (options.isDestroyed()) {
          if (answer) options.writeDetached({ put: answer });
          settled(new OptimisticLifecycleError(`create on "${name}" was answered after destroy().`));
          turn.done();
        } else settleCreate(op, answer, turn, settled);
        forget();
      }).catch((error: unknown) => {
        settled(error);
        turn.done();
        forget();
        throw error;
      });
    } catch (error) {
      return Promise.reject(error);
    }
  };

  /** The entity a mutation answered with; reports an answer that carries none. */
  const answerEntity = (result: unknown, kind: Kind): TUiData | undefined => {
    if (result === null || typeof result !== "object") {
      if (kind === "create") {
        reporter.dropped(new OptimisticEntityError(`create on "${name}" was answered with ${String(result)} instead of the created entity.`), {
          source: "mutation",
          payload: result,
        });
      }
      return undefined;
    }
    return toEntity(result);
  };

  const patchFor = (id: string, data: unknown): Partial<TUiData> => {
    const input = data !== null && typeof data === "object" ? (data as Record<string, unknown>) : {};
    const { id: _ignored, ...given } = input;
    const current = layers.entities.peek(id);
    const defaults = transformer?.optimisticDefaults ?? config.optimisticDefaults;
    // The same rule as create: the optimistic entity is built by createOptimisticUiData when there is
    // one, else the submitted data goes through the transformer's toUi.
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

  /** The submitted data is in the API's shape (it is sent as is): show it in the store's shape, as create does. */
  const uiPatch = (id: string, given: Record<string, unknown>, current: TUiData | undefined): Record<string, unknown> => {
    const t = transformer as DataTransformer<TApiData, TUiData>;
    if (isFieldwise(t)) {
      const converted = t.toUi({ ...given, id } as unknown as TApiData) as unknown as Record<string, unknown>;
      const patch: Record<string, unknown> = {};
      for (const field of Object.keys(given)) patch[field] = converted[field];
      return patch;
    }
    // Any other transformer may rename or combine fields: convert the whole entity, keep what changed.
    const base = current ? (options.toItem(current) as unknown as Record<string, unknown>) : {};
    const full = t.toUi({ ...base, ...given, id } as unknown as TApiData) as unknown as Record<string, unknown>;
    const before = (current ?? {}) as Record<string, unknown>;
    const patch: Record<string, unknown> = {};
    for (const field of Object.keys(full)) {
      if (field !== "id" && (field in given || !(field in before) || !shallowEqual(full[field], before[field]))) patch[field] = full[field];
    }
    return patch;
  };

  /** What a call with `id` targets: a temporary id answered is the server id; one whose entity is gone is refused. */
  const targetOf = (id: string, action: Kind): string | undefined => {
    const target = layers.resolve(checkedId(id, action, name));
    if (target.startsWith(tempPrefix) && !layers.isTaken(target)) {
      if (action === "remove") return undefined;
      throw new OptimisticEntityError(`${action} on "${name}": "${id}" is the temporary id of an entity that no longer exists (its create failed, or it was removed).`);
    }
    if (layers.awaitsServerId(target)) {
      throw new OptimisticEntityError(`${action} on "${name}": the create of "${id}" was answered without an entity, so its server id is not known yet; it shows after the refetch.`);
    }
    return target;
  };

  const update = (params: { id: string; data: unknown }): Promise<TApiData> => {
    try {
      guard("update");
      const id = targetOf(params?.id, "update") as string;
      const op: PendingOp<TUiData> = { kind: "update", seq: layers.nextSeq(), id, patch: patchFor(id, params.data) };
      const pendingCreate = creates.get(id);
      const turn = takeTurn(id);
      const key = receipt();
      begin("update", op);
      const call = ({ data }: { id: string; data: unknown }) =>
        sendInTurn(op, turn, pendingCreate, (serverId) => config.mutations.update({ id: serverId, data }, key));
      return run("update", op, key, { id: op.id, data: params.data }, call, (result) => {
        const answer = answerEntity(result, "update");
        if (!options.isDestroyed()) layers.succeed(op, answer);
        else if (answer) options.writeDetached({ put: answer });
      });
    } catch (error) {
      return Promise.reject(error);
    }
  };

  const remove = (id: string): Promise<void | { id: string }> => {
    try {
      guard("remove");
      const target = targetOf(id, "remove");
      // A temporary id whose entity is gone needs no server call: it never existed there.
      if (target === undefined) return Promise.resolve(undefined);
      const op: PendingOp<TUiData> = { kind: "remove", seq: layers.nextSeq(), id: target };
      const pendingCreate = creates.get(target);
      const turn = takeTurn(target);
      const key = receipt();
      begin("remove", op);
      // Removing an entity whose create failed needs no server call: it never existed.
      const created = pendingCreate?.then(() => true, () => false);
      const call = () =>
        sendInTurn(op, turn, undefined, async (serverId) => ((await created) === false ? undefined : config.mutations.remove(serverId, key)));
      return run("remove", op, key, target, call, () => {
        if (!options.isDestroyed()) layers.succeed(op, undefined);
        else options.writeDetached({ remove: op.id });
      });
    } catch (error) {
      return Promise.reject(error);
    }
  };

  const acknowledge = (mutationId: string, entity: TUiData | undefined): boolean => {
    const op = inFlight.get(mutationId);
    if (!op || !layers.isPending(op)) return false;
    if (op.kind === "create") echoes.get(op)?.(entity);
    else layers.succeed(op, op.kind === "update" ? entity : undefined);
    return true;
  };

  return { create, update, remove, counts, acknowledge };
}

function checkedId(id: unknown, action: string, name: string): string {
  if (typeof id !== "string" || id === "") {
    throw new OptimisticEntityError(`${action} on "${name}" needs the entity's id, got ${JSON.stringify(id)}: pass its id as a non-empty string.`);
  }
  return id;
}
