import { runInAction } from "mobx";
import { layersInternals, type OptimisticLayers, type PendingOp, type Track } from "../core/OptimisticLayers";
import { plain } from "../core/plain";
import type { Entity } from "../core/shapes";
import { revive } from "./revive";

/** One change in flight (or kept failed) in a snapshot. */
interface SavedChange {
  change: number;
  kind: PendingOp<unknown>["kind"];
  id: string;
  mutationId?: string;
  /** The optimistic entity of a create, the patch of an update. */
  data?: unknown;
  /** Kept failed (`keepFailed`): the error's message. */
  failed?: string;
  /** A create answered without an entity, shown until the next fetched list. */
  placeholder?: true;
  /** Its place in the order of changes, when a retry moved it after `change` (see `MutationEvent.order`). */
  order?: number;
}

/** The complete state of a store's layers, JSON-safe: the `state` of a snapshot event. */
export interface StoreState {
  version: 1;
  /** The last change number given. */
  tick: number;
  /** The visible ids, in `list` order. */
  list: string[];
  /**
   * Where each entity a pending change hides goes back in `list`: its index, and the id it follows
   * (null: first; absent in older recordings, as the whole field is in the oldest).
   */
  hidden?: [id: string, at: number, after?: string | null][];
  /** Every confirmed entity (list order, then those a pending change hides). */
  confirmed: unknown[];
  changes: SavedChange[];
  /** Per entity with changes: the latest kept error, and per field the change whose answer set it. */
  tracks: [id: string, error: string | undefined, acks: [field: string, change: number][]][];
  /** Deletions learned while changes were in flight, with the change number they came after. */
  deletions: [id: string, tick: number][];
  /** The `version` option's field, when it is one: a replay keeps confirmed state from going back as the store did. */
  versionField?: string;
}

/** The change a recording describes (number, kind, entity id, receipt, data), as the layers hold it. */
export function toPendingOp<T extends Entity>(seq: number, kind: PendingOp<T>["kind"], id: string, mutationId: string | undefined, data: unknown): PendingOp<T> {
  const base = { seq, id, mutationId };
  return (kind === "create" ? { ...base, kind, entity: data } : kind === "update" ? { ...base, kind, patch: data } : { ...base, kind: "remove" }) as PendingOp<T>;
}

/** Reads the state of `layers` (a live store's or a replayed one's); `onCycle`: called for data that refers to itself (see `plain`). */
export function saveState<T extends Entity>(layers: OptimisticLayers<T>, onCycle?: () => void): StoreState {
  const x = layersInternals(layers);
  return runInAction(() => {
    const changes: SavedChange[] = [];
    const tracks: StoreState["tracks"] = [];
    for (const [id, track] of x.tracks) {
      tracks.push([id, track.error?.message, [...(track.acks ?? [])]]);
      for (const op of track.ops) {
        changes.push({
          change: op.change ?? op.seq,
          ...(op.change !== undefined && { order: op.seq }),
          kind: op.kind,
          id,
          ...(op.mutationId !== undefined && { mutationId: op.mutationId }),
          ...(op.kind !== "remove" && { data: plain(op.kind === "create" ? op.entity : op.patch, onCycle) }),
          ...(op.failed && { failed: op.failed.message }),
          ...(x.placeholders.has(op) && { placeholder: true as const }),
        });
      }
    }
    changes.sort((a, b) => (a.order ?? a.change) - (b.order ?? b.change));
    return {
      version: 1,
      tick: x.tick(),
      list: layers.list.map((entity) => entity.id),
      // No `after` written as none (JSON would write an undefined item as null: "first").
      hidden: [...x.order.places].map(([id, { at, after }]) => (after === undefined ? [id, at] : [id, at, after])),
      confirmed: plain(layers.confirmedEntities(), onCycle) as unknown[],
      changes,
      tracks,
      deletions: [...x.deletions.entries()],
      ...(layers.versions?.field !== undefined && { versionField: layers.versions.field }),
    };
  });
}

/** Makes empty `layers` hold `state`; returns its changes by number. */
export function loadState<T extends Entity>(layers: OptimisticLayers<T>, state: StoreState): Map<number, PendingOp<T>> {
  const x = layersInternals(layers);
  const ops = new Map<number, PendingOp<T>>();
  runInAction(() => {
    const confirmed = new Map((revive(state.confirmed) as T[]).map((entity) => [entity.id, entity]));
    let inFlight = 0;
    for (const saved of state.changes) {
      const op = toPendingOp<T>(saved.order ?? saved.change, saved.kind, saved.id, saved.mutationId, revive(saved.data));
      if (saved.order !== undefined) op.change = saved.change;
      if (saved.failed !== undefined) op.failed = new Error(saved.failed);
      let track = x.tracks.get(saved.id);
      if (!track) {
        track = { confirmed: confirmed.get(saved.id), ops: [], acks: undefined, error: undefined, failing: false } satisfies Track<T>;
        x.tracks.set(saved.id, track);
      }
      track.ops.push(op);
      if (saved.placeholder) x.placeholders.add(op);
      else inFlight++;
      ops.set(saved.change, op);
    }
    for (const [id, error, acks] of state.tracks) {
      const track = x.tracks.get(id);
      if (!track) continue;
      track.error = error === undefined ? undefined : new Error(error);
      if (acks.length > 0) track.acks = new Map(acks);
    }
    for (const [id, entity] of confirmed) if (!x.tracks.has(id)) x.setVisible(id, entity);
    for (const [id, track] of x.tracks) x.refresh(id, track);
    for (const [id, tick] of state.deletions) x.deletions.learn(id, tick, () => 0);
    x.setTick(state.tick);
    x.countOps(inFlight);
    x.order.rebuild(state.list);
    for (const [id, at, after] of state.hidden ?? []) x.order.places.set(id, { at, after });
  });
  return ops;
}
