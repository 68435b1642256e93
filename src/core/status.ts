import { onlineManager } from "@tanstack/query-core";
import { observable } from "mobx";
import type { OptimisticStoreManager } from "./types";

/** Counts of mutations in flight, by kind (observable). */
export interface PendingCounts {
  create: number;
  update: number;
  remove: number;
}

/** The manager's `status`: the query's state, and flags derived from the mutations in flight. */
export type ManagerStatus = OptimisticStoreManager["status"];

/** The part of `status` the query sync writes. */
export type QueryStatus = Pick<ManagerStatus, "isLoading" | "isError" | "error" | "isSyncing">;

/**
 * @param failed how many entities have kept failed changes (observable).
 * @param queued how many changes wait for the network (observable).
 */
export function createStatus(counts: PendingCounts, failed: () => number, queued: () => number): ManagerStatus {
  return observable(
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
      get failedCount() {
        return failed();
      },
      get queuedCount() {
        return queued();
      },
      isOnline: onlineManager.isOnline(),
    },
    {},
    { deep: false },
  );
}
