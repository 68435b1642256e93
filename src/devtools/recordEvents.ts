import { afterDestroy, OptimisticError } from "../core/errors";
import { managerInternals, reportCycle, type ManagerInternals } from "../core/eventLog";
import type { OptimisticStore } from "../core/OptimisticStore";
import type { Entity, OptimisticEvent, SnapshotEvent } from "../core/shapes";
import type { OptimisticStoreManager } from "../core/types";
import { Replayer } from "./Replayer";
import { saveState, type StoreState } from "./storeState";

/** A recording in progress: `events` grows as the store changes, until `stop()`. */
export interface EventRecording {
  /** A snapshot of the store when recording started (or of the state older events folded into), then every event. */
  readonly events: readonly OptimisticEvent[];
  /** Stops recording; `events` stays as it is. */
  stop(): void;
}

/** Options of {@link recordEvents}. */
export interface RecordEventsOptions {
  /** At most this many events are kept, the snapshot included: the newest (default 10,000). */
  limit?: number;
}

/**
 * A manager of any entity types and store class, as `mountDevtools` takes a list of them (one made
 * by `createOptimisticStoreManager`; anything else is refused when the panel mounts).
 */
export type DevtoolsManager = Pick<OptimisticStoreManager, "status" | "realtime" | "isEnabled" | "destroy"> & { readonly store: object };

/** A manager's internals; throws a clear error for anything else. */
export function internalsOf(manager: unknown, caller: string): ManagerInternals {
  const internals = manager !== null && typeof manager === "object" ? managerInternals.get(manager) : undefined;
  if (!internals) throw new OptimisticError(`${caller} needs a manager made by createOptimisticStoreManager.`);
  return internals;
}

/**
 * Records a manager's events, from now on. The first event is a snapshot of the store's state now
 * (confirmed entities, their order, the changes in flight), so a recording started at any time
 * replays exactly with {@link replayEvents}. Past `limit`, the oldest events are folded into that
 * snapshot (the state right after them), so a capped recording still replays exactly.
 *
 * @example
 * const recording = recordEvents(manager);
 * // … later, for a bug report:
 * const json = JSON.stringify(recording.events);
 */
export function recordEvents<TApiData extends Entity, TUiData extends Entity, TStore extends OptimisticStore<TUiData>>(
  manager: OptimisticStoreManager<TApiData, TUiData, TStore>,
  options: RecordEventsOptions = {}): EventRecording {
  const { ctx, events: log } = internalsOf(manager, "recordEvents");
  // Nothing would ever come: say so rather than hand back a recording that stays empty.
  if (ctx.isDestroyed()) throw afterDestroy("recordEvents", ctx.name);
  const limit = options.limit ?? 10_000;
  if (!Number.isInteger(limit) || limit < 1) throw new OptimisticError(`recordEvents: limit must be a whole number >= 1 (got ${String(limit)}).`);
  const snapshot = (state: StoreState): SnapshotEvent => ({ type: "snapshot", at: Date.now(), store: ctx.name, state });
  let cyclic = false;
  const events: OptimisticEvent[] = [snapshot(saveState(ctx.layers, () => (cyclic = true)))];
  if (cyclic) reportCycle(ctx, events[0] as SnapshotEvent);
  /** The state at the start of `events`, advanced as old events fold into it. */
  let start: Replayer | undefined;
  const fold = () => {
    // Folding a tenth at a time keeps the cost per event constant.
    const count = events.length - limit + Math.floor(limit / 10);
    if (!start) {
      start = new Replayer(undefined, ctx.config.version as string | ((entity: Entity) => unknown) | undefined);
      start.apply(events[0] as OptimisticEvent);
    }
    for (let i = 1; i <= count; i++) start.apply(events[i] as OptimisticEvent);
    events.splice(0, count + 1, snapshot(start.save()));
  };
  const stop = log.tap((event) => {
    events.push(event);
    if (events.length > limit) fold();
  });
  return { events, stop };
}
