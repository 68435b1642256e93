/* eslint-disable @typescript-eslint/no-explicit-any -- the plan types the store constructor's transformer as DataTransformer<any, T> */
import type { QueryClient } from "@tanstack/query-core";
import { observable, runInAction } from "mobx";
import { getGlobalQueryClient } from "../query/queryClient";
import { createQuerySync, type QuerySync } from "../query/querySync";
import type { RealtimeConfig, RealtimeSocket } from "../realtime/types";
import { createTransformer } from "../transforms/DataTransformer";
import type { DataTransformer } from "../transforms/types";
import { shallowEqual } from "../utils/shallowEqual";
import { isValidId, OptimisticConfigError, OptimisticEntityError } from "./errors";
import { createMutationActions } from "./mutations";
import type { OptimisticLayers } from "./OptimisticLayers";
import { getLayers, OptimisticStore } from "./OptimisticStore";
import { createReporter, type Reporter } from "./reporter";
import type { Entity, OptimisticStoreConfig, OptimisticStoreManager } from "./types";

const DEFAULT_STALE_TIME = 5 * 60 * 1000;

/** What a realtime attachment gets from the manager; internal. */
export interface ManagerInternals<TUiData extends Entity> {
  name: string;
  store: OptimisticStore<TUiData>;
  layers: OptimisticLayers<TUiData>;
  reporter: Reporter;
  originId: string;
  /** Server data → entity (through the transformer); undefined when unusable (reported). */
  toEntity: (data: unknown) => TUiData | undefined;
  /** Settles this client's own pending change echoed back with its receipt. */
  acknowledge: (mutationId: string, entity: TUiData | undefined) => boolean;
  /** Refetches if the manager is enabled. */
  resync: () => void;
  isDestroyed: () => boolean;
}

/** The manager's `realtime` handle; internal. */
export interface ManagerRealtime {
  readonly isConnected: boolean;
  connect: (socket: RealtimeSocket) => void;
  disconnect: () => void;
}

/** Connects a manager to realtime events; supplied by the composition root so core does not import realtime. */
export type AttachRealtime = <TUiData extends Entity>(
  config: RealtimeConfig<TUiData>,
  internals: ManagerInternals<TUiData>,
) => {
  handle: ManagerRealtime;
  /** Applies the events of a burst still waiting for their batch. */
  flush: () => void;
};

/**
 * Builds a manager: a store whose entities come from a TanStack query and change optimistically
 * through `actions`. See {@link createOptimisticStoreManager}.
 */
export function createStoreManager<
  TApiData extends Entity,
  TUiData extends Entity = TApiData,
  TStore extends OptimisticStore<TUiData> = OptimisticStore<TUiData>,
>(
  config: OptimisticStoreConfig<TApiData, TUiData, TStore>,
  queryClient?: QueryClient,
  attachRealtime?: AttachRealtime,
): OptimisticStoreManager<TApiData, TUiData, TStore> {
  checkConfig(config);
  const { name } = config;
  const client = queryClient ?? getGlobalQueryClient();
  const reporter = createReporter({ name, onError: config.onError, logger: config.logger });
  const transformer = createTransformer<TApiData, TUiData>(config.transformer);
  const StoreClass = config.storeClass ?? (OptimisticStore as unknown as new (t?: DataTransformer<any, TUiData>) => TStore);
  const store = new StoreClass(transformer);
  if (!(store instanceof OptimisticStore)) {
    throw new OptimisticConfigError(`storeClass of "${name}" must extend OptimisticStore.`);
  }
  const layers = getLayers<TUiData>(store);
  const originId = config.realtime?.browserId ?? randomId();
  let destroyed = false;
  let enabled = config.enabled ? config.enabled() : true;

  // Server items map to their entities so write-backs reuse them instead of converting again.
  const itemOf = new WeakMap<object, TApiData>();
  const toEntity = (item: unknown, source: "query" | "mutation" | "realtime"): TUiData | undefined => {
    if (item === null || typeof item !== "object") return undefined;
    let entity: TUiData;
    try {
      entity = transformer ? transformer.toUi(item as TApiData) : (item as TUiData);
    } catch (error) {
      reporter.callbackError(error, { source: "callback", payload: item });
      return undefined;
    }
    if (!isValidId(entity?.id)) {
      reporter.dropped(new OptimisticEntityError(`${source} data of "${name}" has no valid id; it was ignored.`), { source, payload: item });
      return undefined;
    }
    if (transformer) itemOf.set(entity, item as TApiData);
    return entity;
  };
  const toItem = (entity: TUiData): TApiData => {
    if (!transformer) return entity as unknown as TApiData;
    let item = itemOf.get(entity);
    if (!item) {
      item = transformer.toApi(entity);
      itemOf.set(entity, item);
    }
    return item;
  };
  // An entity kept for its identity now stands for the server's latest item (the cache must hold it).
  layers.onKeep = (kept, incoming) => {
    const item = transformer && itemOf.get(incoming);
    if (!item) return false;
    const previous = itemOf.get(kept);
    itemOf.set(kept, item);
    return previous !== undefined && previous !== item && !shallowEqual(previous, item);
  };

  // The mutation runner calls back into parts made after it.
  const late: { realtime?: ReturnType<AttachRealtime>; sync?: QuerySync<TUiData> } = {};
  // Events of a realtime burst that arrived before an answer or a fetched list are applied first.
  const applyArrived = () => late.realtime?.flush();

  const mutations = createMutationActions<TApiData, TUiData>({
    client,
    config: config as OptimisticStoreConfig<TApiData, TUiData, OptimisticStore<TUiData>>,
    layers,
    transformer,
    originId,
    toEntity: (result) => toEntity(result, "mutation"),
    toItem,
    isDestroyed: () => destroyed,
    reporter,
    beforeAnswer: applyArrived,
    refetch: () => void late.sync?.refetch().catch(() => undefined),
    writeDetached: (change) => late.sync?.writeDetached(change),
  });
  const { counts } = mutations;

  const status = observable(
    {
      isLoading: false,
      isError: false,
      error: null as Error | null,
      isSyncing: false,
      get createPending() {
        return counts.create > 0;
      },
      get updatePending() {
        return counts.update > 0;
      },
      get deletePending() {
        return counts.remove > 0;
      },
      get hasPendingMutations() {
        return counts.create + counts.update + counts.remove > 0;
      },
    },
    {},
    { deep: false },
  );

  client.mount();
  const query = createQuerySync<TApiData, TUiData>({
    client,
    name,
    queryFn: config.queryFn,
    staleTime: config.staleTime ?? DEFAULT_STALE_TIME,
    enabled,
    layers,
    toEntity: (item) => toEntity(item, "query"),
    toItem,
    status,
    reporter,
    beforeList: applyArrived,
  });
  late.sync = query;

  const triggerQuery = () => {
    if (!destroyed && enabled) void query.refetch().catch(() => undefined);
  };

  const realtime =
    config.realtime && attachRealtime
      ? attachRealtime<TUiData>(config.realtime, {
          name,
          store,
          layers,
          reporter,
          originId,
          toEntity: (data) => toEntity(data, "realtime"),
          acknowledge: mutations.acknowledge,
          resync: triggerQuery,
          isDestroyed: () => destroyed,
        })
      : undefined;

  const setEnabled = (next: boolean) => {
    if (destroyed || next === enabled) return;
    enabled = next;
    query.setEnabled(next);
  };

  const manager: OptimisticStoreManager<TApiData, TUiData, TStore> = {
    store,
    actions: {
      create: mutations.create,
      update: mutations.update,
      remove: mutations.remove,
      refetch: () => (destroyed ? Promise.resolve(undefined) : query.refetch()),
      triggerQuery,
    },
    status,
    updateOptions: () => setEnabled(config.enabled ? config.enabled() : true),
    isEnabled: () => enabled,
    enable: () => setEnabled(true),
    disable: () => setEnabled(false),
    destroy: () => {
      if (destroyed) return;
      realtime?.handle.disconnect();
      query.destroy();
      destroyed = true;
      client.unmount();
      runInAction(() => {
        status.isSyncing = false;
        status.isLoading = false;
      });
    },
  };
  late.realtime = realtime;
  if (realtime) manager.realtime = realtime.handle;
  return manager;
}

/** The config as received: nothing about it is trusted until checked. */
type UncheckedConfig = { [K in keyof OptimisticStoreConfig]?: unknown };

function checkConfig(input: unknown): void {
  const fail = (message: string) => {
    throw new OptimisticConfigError(message);
  };
  if (input === null || typeof input !== "object") fail("createOptimisticStoreManager needs a config object.");
  const config = input as UncheckedConfig;
  if (typeof config.name !== "string" || config.name === "") fail('config.name must be a non-empty string (it is the query key), e.g. name: "todos".');
  const label = `"${String(config.name)}"`;
  if (typeof config.queryFn !== "function") fail(`config.queryFn of ${label} is missing: pass a function that fetches the whole collection, e.g. queryFn: () => fetch("/api/todos").then((r) => r.json()).`);
  const m = config.mutations as Record<string, unknown> | undefined;
  for (const kind of ["create", "update", "remove"]) {
    if (typeof m?.[kind] !== "function") fail(`config.mutations.${kind} of ${label} is missing: pass a function that performs the ${kind} on the server.`);
  }
  if (config.transformer !== undefined && config.transformer !== false) {
    const t = config.transformer as { toUi?: unknown; toApi?: unknown } | null;
    if (typeof t?.toUi !== "function" || typeof t.toApi !== "function") {
      fail(`config.transformer of ${label} must have toUi and toApi functions (or be false for none, or left out for the default one).`);
    }
  }
  if (config.staleTime !== undefined && !(typeof config.staleTime === "number" && config.staleTime >= 0)) fail(`config.staleTime of ${label} must be a number of milliseconds >= 0.`);
  const realtime = config.realtime as { eventType?: unknown } | undefined;
  if (realtime !== undefined && (typeof realtime?.eventType !== "string" || realtime.eventType === "")) {
    fail(`config.realtime.eventType of ${label} must be the name of the socket event to listen to, e.g. "todo_update".`);
  }
}

function randomId(): string {
  const crypto = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  return crypto?.randomUUID ? crypto.randomUUID() : `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
}
