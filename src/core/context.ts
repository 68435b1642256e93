import type { QueryClient } from "@tanstack/query-core";
import { getGlobalQueryClient } from "../query/queryClient";
import { createTransformer } from "../transforms/DataTransformer";
import type { DataTransformer } from "../transforms/types";
import { createEntityCodec, type EntityCodec } from "./entityCodec";
import { OptimisticConfigError } from "./errors";
import type { OptimisticLayers } from "./OptimisticLayers";
import { getLayers, OptimisticStore } from "./OptimisticStore";
import { createReporter, type Reporter } from "./reporter";
import type { Entity } from "./shapes";
import type { OptimisticStoreConfig } from "./types";

/**
 * What every part of a manager shares: the config, the client, the store and its layers, the
 * conversion of server data, the reporter and the manager's lifecycle. Internal.
 */
export interface ManagerContext<TApiData, TUiData extends Entity> {
  readonly name: string;
  readonly config: OptimisticStoreConfig<TApiData & Entity, TUiData, OptimisticStore<TUiData>>;
  readonly client: QueryClient;
  readonly transformer: DataTransformer<TApiData & Entity, TUiData> | undefined;
  readonly store: OptimisticStore<TUiData>;
  readonly layers: OptimisticLayers<TUiData>;
  readonly codec: EntityCodec<TApiData, TUiData>;
  readonly reporter: Reporter;
  /** Identifies this manager's changes in their receipts (the realtime `browserId` when given). */
  readonly originId: string;
  /** Unique to this manager instance: in its temporary ids and receipts' ids, so none repeats after a reload. */
  readonly instanceId: string;
  /** Whether `destroy()` ran: late results change nothing in the store then. */
  readonly isDestroyed: () => boolean;
  /**
   * With `persist`: sends the server call made with receipt `mutationId`, shared among the managers
   * of the client (persistence's `shareCall`); `conflicted`: the receipt of the call it is sent again after.
   */
  send?: <T>(mutationId: string, send: () => Promise<T>, conflicted?: string | false) => Promise<T>;
}

/**
 * A part of a manager that holds listeners, timers or observers: `destroy()` disposes every part
 * (newest first). Capabilities that attach to a manager are parts built from its context.
 */
export interface ManagerPart {
  dispose(): void;
}

/** Builds the shared context of a manager from its (checked) config. */
export function createContext<TApiData extends Entity, TUiData extends Entity, TStore extends OptimisticStore<TUiData>>(
  config: OptimisticStoreConfig<TApiData, TUiData, TStore>,
  queryClient: QueryClient | undefined,
  isDestroyed: () => boolean,
): ManagerContext<TApiData, TUiData> & { store: TStore } {
  const { name } = config;
  const reporter = createReporter({ name, onError: config.onError, logger: config.logger });
  const transformer = createTransformer<TApiData, TUiData>(config.transformer);
  const StoreClass = config.storeClass ?? (OptimisticStore as unknown as NonNullable<typeof config.storeClass>);
  const store = new StoreClass(transformer);
  if (!(store instanceof OptimisticStore)) {
    throw new OptimisticConfigError(`storeClass of "${name}" must extend OptimisticStore.`);
  }
  const layers = getLayers<TUiData>(store);
  const codec = createEntityCodec<TApiData, TUiData>(name, transformer, reporter);
  // An entity kept for its identity now stands for the server's latest item (the cache must hold it).
  layers.onKeep = codec.keep;
  // Made on first use: a manager that only loads never needs it (Node loads its `crypto` module for it).
  let instanceId: string | undefined;
  let originId = config.realtime?.browserId;
  return {
    name,
    config: config as unknown as ManagerContext<TApiData, TUiData>["config"],
    client: queryClient ?? getGlobalQueryClient(),
    transformer,
    store,
    layers,
    codec,
    reporter,
    get originId() {
      return (originId ??= this.instanceId);
    },
    get instanceId() {
      return (instanceId ??= randomId());
    },
    isDestroyed,
  };
}

function randomId(): string {
  const crypto = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  return crypto?.randomUUID ? crypto.randomUUID() : `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
}
