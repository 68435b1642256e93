import { onlineManager } from "@tanstack/query-core";
import { autorun, observable, runInAction } from "mobx";
import { describe, expect, it } from "vitest";
import { createStatus } from "../../src/core/status";

describe("status", () => {
  it("derives the pending flags from the counts of mutations in flight, observably", () => {
    const counts = observable({ create: 0, update: 0, remove: 0, queued: 0 });
    const status = createStatus(counts, () => 0);
    const seen: boolean[] = [];
    const dispose = autorun(() => seen.push(status.hasPendingMutations));
    runInAction(() => counts.update++);
    expect(status).toMatchObject({ updatePending: true, createPending: false, deletePending: false, hasPendingMutations: true });
    runInAction(() => counts.update--);
    dispose();
    expect(seen).toEqual([false, true, false]);
    expect(status).toMatchObject({ isLoading: false, isError: false, error: null, isSyncing: false, failedCount: 0, queuedCount: 0, isOnline: true });
  });

  it("counts the changes queued for the network, and follows onlineManager only while observed", () => {
    const counts = observable({ create: 0, update: 0, remove: 0, queued: 0 });
    const status = createStatus(counts, () => 0);
    const seen: [number, boolean][] = [];
    expect(onlineManager.hasListeners()).toBe(false);
    const dispose = autorun(() => seen.push([status.queuedCount, status.isOnline]));
    expect(onlineManager.hasListeners()).toBe(true);
    try {
      onlineManager.setOnline(false);
      runInAction(() => counts.queued++);
      onlineManager.setOnline(true);
      runInAction(() => counts.queued--);
    } finally {
      onlineManager.setOnline(true);
      dispose();
    }
    expect(onlineManager.hasListeners()).toBe(false);
    expect(seen).toEqual([
      [0, true],
      [0, false],
      [1, false],
      [1, true],
      [0, true],
    ]);
  });
});
