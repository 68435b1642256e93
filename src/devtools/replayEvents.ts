import type { OptimisticStore } from "../core/OptimisticStore";
import type { Entity, OptimisticEvent } from "../core/shapes";
import { Replayer } from "./Replayer";

/** Options of {@link replayEvents}. */
export interface ReplayEventsOptions<T extends Entity> {
  /** An empty store to replay into (a subclass of `OptimisticStore`, say); default: a new one. */
  store?: OptimisticStore<T>;
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
  const replayer = new Replayer<T>(options.store);
  for (const event of events) replayer.apply(event);
  return replayer.store;
}
