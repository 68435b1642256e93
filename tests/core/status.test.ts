import { autorun, observable, runInAction } from "mobx";
import { describe, expect, it } from "vitest";
import { createStatus } from "../../src/core/status";

describe("status", () => {
  it("derives the pending flags from the counts of mutations in flight, observably", () => {
    const counts = observable({ create: 0, update: 0, remove: 0 });
    const status = createStatus(counts, () => 0, () => 0);
    const seen: boolean[] = [];
    const dispose = autorun(() => seen.push(status.hasPendingMutations));
    runInAction(() => counts.update++);
    expect(status).toMatchObject({ updatePending: true, createPending: false, deletePending: false, hasPendingMutations: true });
    runInAction(() => counts.update--);
    dispose();
    expect(seen).toEqual([false, true, false]);
    expect(status).toMatchObject({ isLoading: false, isError: false, error: null, isSyncing: false, failedCount: 0, queuedCount: 0, isOnline: true });
  });

  it("says how many changes are queued for the network, observably", () => {
    const queued = observable.box(0);
    const status = createStatus(observable({ create: 0, update: 0, remove: 0 }), () => 0, () => queued.get());
    const seen: number[] = [];
    const dispose = autorun(() => seen.push(status.queuedCount));
    runInAction(() => queued.set(1));
    runInAction(() => queued.set(0));
    dispose();
    expect(seen).toEqual([0, 1, 0]);
  });
});
