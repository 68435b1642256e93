import { onlineManager, type QueryClient } from "@tanstack/query-core";
import { runInAction } from "mobx";
import { createQuerySync } from "../query/querySync";
import { createScope } from "../query/scope";
import type { RealtimeConfig, RealtimeSocket } from "../realtime/types";
import { createActions } from "./actions";
import { checkConfig } from "./checkConfig";
import { createConflicts } from "./conflicts";
import { createContext, type ManagerContext, type ManagerPart } from "./context";
import { createEventLog, managerInternals } from "./eventLog";
import { MutationRunner, type StoredChange } from "./MutationRunner";
import type { OptimisticStore } from "./OptimisticStore";
import type { Entity } from "./shapes";
import { createStatus } from "./status";
import type { OptimisticStoreConfig, OptimisticStoreManager } from "./types";
import { createVersionRule } from "./versions";

/** What a realtime attachment gets from the manager beyond its context; internal. */
export interface RealtimeNeeds<TUiData> {
  /**
   * Settles this client's own pending change echoed back with its receipt; returns it (its `seq`
   * numbers it), or null for a change of a previous scope (the echo is not this store's). `entity`
   * converts the echo's data, called only when a pending create or update takes it; `deleted`: the
   * echo is a DELETE, which answers only a remove.
   */
  acknowledge: (mutationId: string, deleted: boolean, entity: () => TUiData | undefined) => { readonly seq: number; readonly change?: number } | null | false | undefined;
  /** Another client's event was written to confirmed state for `id`. */
  overwritten: (id: string) => void;
  /** Refetches if the manager is enabled. */
  resync: () => void;
  /** Whether events wait (while the stored state is read: an echo may settle a change it restores). */
  held: () => boolean;
}

/** The manager's `realtime` handle; internal. */
export interface ManagerRealtime {
  readonly isConnected: boolean;
  connect: (socket: RealtimeSocket) => void;
  disconnect: () => void;
}

/** Connects a manager to realtime events; supplied by the composition root so core does not import realtime. */
export type AttachRealtime = <TApiData, TUiData extends Entity>(
  config: RealtimeConfig<TUiData>,
  ctx: ManagerContext<TApiData, TUiData>,
  needs: RealtimeNeeds<TUiData>,
) => ManagerPart & {
  handle: ManagerRealtime;
  /** Applies the events of a burst still waiting for their batch. */
  flush: () => void;
};

/**
 * Builds a manager from its parts: the shared context (store, layers, codec, reporter), the
 * mutation runner behind the actions, the query sync (fetches in, confirmed changes back to the
 * cache) and, when configured, the realtime attachment. Capabilities attach the same way: a part
 * built from the context, disposed by `destroy()`. See {@link createOptimisticStoreManager}.
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
  let destroyed = false;
  let enabled = config.enabled ? config.enabled() : true;
  const ctx = createContext(config, queryClient, () => destroyed);
  if (config.version !== undefined) ctx.layers.versions = createVersionRule(config.version, ctx.reporter, ctx.codec.toItem);
  const events = createEventLog(ctx);

  // Realtime events of a burst that arrived before an answer or a fetched list are applied first.
  const applyArrived = () => realtime?.flush();
  const runner = new MutationRunner<TApiData, TUiData>(
    ctx,
    {
      beforeAnswer: applyArrived,
      refetch: () => void query.refetch().catch(() => undefined),
      writeDetached: (change, key) => query.writeDetached(change, key),
    },
    config.conflict && createConflicts(ctx, config.conflict),
  );
  // A new scope: changes in flight settle into the previous scope's cache, the store shows the new
  // one; changes queued offline are dropped unsent (they were the previous user's).
  const scope =
    config.scope &&
    createScope(config.scope, ctx.reporter, (next) =>
      runInAction(() => {
        runner.dropQueued("the scope changed");
        runner.detach(query.key());
        query.setScope(next);
      }),
    );
  const triggerQuery = () => {
    scope?.sync();
    if (!destroyed && enabled) void query.refetch().catch(() => undefined);
  };
  const realtime = config.realtime && attachRealtime?.(config.realtime, ctx, { acknowledge: (id, deleted, entity) => runner.acknowledge(id, deleted, entity), overwritten: (id) => runner.overwritten(id), resync: () => query.resync(), held: () => holding });
  const status = createStatus(runner.counts, () => ctx.layers.failedCount, () => runner.queuedCount);
  ctx.client.mount();
  const { persist } = config;
  // Persistence is loaded only here (a chunk of its own): a manager without it neither runs nor downloads it.
  const chunk = persist && import("../persist/attachPersist");
  // Until it has loaded, a server call goes at once and is shared once it has (a remount that restores it joins it).
  if (chunk) {
    ctx.send = (mutationId, send, conflicted) => {
      const call = send();
      chunk.then(({ shareCall }) => void shareCall(ctx.client, mutationId, () => call, conflicted), () => undefined);
      return call;
    };
  }
  // With persist, the query is observed once the stored state is shown: it then refreshes beneath it.
  let restoring = !!persist;
  // Realtime events arriving meanwhile wait until the stored changes are applied again: the echo of
  // one the previous page sent settles it (it would be taken for another client's event).
  let holding = restoring;
  // What is confirmed while the stored state is read (realtime events, store writes) is newer than
  // it: kept when it lands, as against a fetch.
  if (restoring) ctx.layers.beginFetch();
  if (scope) {
    ctx.layers.entities.hidden = scope.hidden;
    ctx.layers.beforeConfirm = () => scope.sync();
  }
  const query = createQuerySync(ctx, { status, enabled: enabled && !restoring, beforeList: () => holding || applyArrived(), ...(scope && { scope: { value: scope.value } }) });
  /** Disposed by destroy(), newest first: the query sync writes back after realtime has stopped. */
  const parts: ManagerPart[] = [events, query, ...(realtime ? [realtime] : []), ...(scope ? [scope] : [])];
  // status.isOnline follows query-core's onlineManager (which pauses and resumes the queued changes).
  parts.push({ dispose: onlineManager.subscribe((online) => runInAction(() => (status.isOnline = online))) });
  // Called in the transaction that changed the scope, an action already belongs to the new one.
  const actions = createActions(ctx, runner, scope ? () => scope.sync() : undefined);
  /** With persist, before the stored state is shown: the changes not answered at a destroy(); whether clear() ran. */
  let unsent: StoredChange[] = [];
  let cleared = false;
  // Changes queued for the network are not sent once the store they were made in is cleared; nor
  // is a stored state not shown yet (the previous user's, at a sign-out).
  const onClear = ctx.layers.onClear;
  ctx.layers.onClear = () => {
    runner.dropQueued("store.clear() ran");
    runner.forget();
    cleared ||= restoring;
    onClear?.();
  };
  /** The stored state is shown (or there is none): observe the query. */
  const restored = () => {
    if (!restoring) return;
    restoring = false;
    if (enabled) query.setEnabled(true);
    // The stored state has landed (disabled, it lands when enabled); a fetch observed since keeps
    // what is written from its own start.
    if (enabled && (ctx.client.getQueryState(query.key())?.fetchStatus ?? "idle") === "idle") ctx.layers.endFetch();
  };

  if (restoring) {
    runInAction(() => (status.isLoading = enabled));
    // A list the cache holds already (hydrated from a server render, an earlier manager's) shows at
    // once, as without persist: the stored changes go on top once read.
    if (enabled) query.showCached();
  }

  const setEnabled = (next: boolean) => {
    scope?.sync();
    if (destroyed || next === enabled) return;
    enabled = next;
    if (!restoring) query.setEnabled(next);
  };

  /** Realtime events held while the stored state was read apply now (again a no-op once done). */
  const arrived = () => {
    holding = false;
    applyArrived();
  };

  const manager: OptimisticStoreManager<TApiData, TUiData, TStore> = {
    store: ctx.store,
    ready: chunk
      ? chunk
          .then(({ attachPersist }) =>
            attachPersist(ctx, persist, { runner, actions, restored, query, attached: (part) => parts.push(part), unsent: () => unsent, cleared: () => cleared, arrived }),
          )
          .then(undefined, (error: unknown) => ctx.reporter.error(error, { source: "persist" }))
          .then(restored)
          .then(arrived)
      : Promise.resolve(),
    actions: {
      ...actions,
      refetch: () => (scope?.sync(), destroyed ? Promise.resolve(undefined) : query.refetch()),
      triggerQuery,
    },
    status,
    updateOptions: () => setEnabled(config.enabled ? config.enabled() : true),
    isEnabled: () => enabled,
    enable: () => setEnabled(true),
    disable: () => setEnabled(false),
    destroy: () => {
      if (destroyed) return;
      // The stored state is still being read: persistence stores the changes made so far once it has.
      if (restoring) unsent = runner.unanswered();
      // Persistence (newest) first: it stores the changes still queued, which are then dropped unsent.
      for (const part of parts.slice().reverse()) part.dispose();
      destroyed = true;
      runner.dropQueued("the manager was destroyed");
      ctx.client.unmount();
      runInAction(() => {
        status.isSyncing = false;
        status.isLoading = false;
      });
    },
  };
  if (realtime) manager.realtime = realtime.handle;
  managerInternals.set(manager, { ctx: ctx as unknown as ManagerContext<unknown, Entity>, events, counts: runner.counts });
  return manager;
}
