import type { OptimisticStore } from "../core/OptimisticStore";
import type { Entity, OptimisticEvent } from "../core/shapes";
import { Replayer } from "./Replayer";

/** Options of {@link replayEvents}. */
export interface ReplayEventsOptions<T extends Entity> {
  /** An empty store to replay into (a subclass of `OptimisticStore`, say); default: a new one. */
  store?: OptimisticStore<T>;
  /**
   * The recorded manager's `version` option, when it is a function (a recording's snapshot names a
   * field itself): confirmed state then keeps from going back to an older version, as it did live.
   */
  version?: string | ((entity: T) => number | string | Date);
}

/**
 * Rebuilds a store from recorded events (from {@link recordEvents} or `onEvent`, as they are or read
 * back from JSON): its `list`, order included, and every entity equal the recorded store's after
 * the last event. Replaying the first n events gives the state right after the n-th.
 *
 * @example
 * const store = replayEvents(JSON.parse(bugReport));
 */
export function replayEvents<T extends Entity = Entity>(events: readonly OptimisticEvent[], options: ReplayEventsOptions<T> = {}): OptimisticStore<T> {
  const replayer = new Replayer<T>(options.store, options.version);
  for (const event of events) replayer.apply(event);
  return replayer.store;
}
