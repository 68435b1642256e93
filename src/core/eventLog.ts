import type { ManagerContext, ManagerPart } from "./context";
import type { Entity, LogEntry, OptimisticEvent } from "./shapes";
import type { PendingCounts } from "./status";

type Listener = (event: OptimisticEvent) => void;

/** A manager's event log: `onEvent` and whoever taps it (recorders, the devtools panel). Internal. */
export interface EventLog extends ManagerPart {
  /** Calls `listener` with every event from now on; returns what stops it. */
  tap(listener: Listener): () => void;
}

/** What the devtools reach of a manager: its context and its event log. Internal. */
export interface ManagerInternals {
  ctx: ManagerContext<unknown, Entity>;
  events: EventLog;
  /** The changes in flight, by kind (observable). */
  counts: PendingCounts;
}

/** Manager → its internals, for `mobx-tanstack-optimistic/devtools`. */
export const managerInternals = new WeakMap<object, ManagerInternals>();

/**
 * Builds the event log. Events are only built while someone listens: the layers and the other
 * parts check `layers.emit`, which is set exactly then. A throwing listener is reported, and the
 * others still get the event.
 */
export function createEventLog<TApiData, TUiData extends Entity>(ctx: ManagerContext<TApiData, TUiData>): EventLog {
  const listeners = new Set<Listener>();
  const emit = (entry: LogEntry) => {
    const event = { ...entry, at: Date.now(), store: ctx.name } as OptimisticEvent;
    for (const listener of [...listeners]) {
      try {
        listener(event);
      } catch (error) {
        ctx.reporter.callbackError(error, { source: "callback", payload: event });
      }
    }
  };
  const listen = () => {
    ctx.layers.emit = listeners.size > 0 ? emit : undefined;
  };
  const tap = (listener: Listener) => {
    listeners.add(listener);
    listen();
    return () => {
      listeners.delete(listener);
      listen();
    };
  };
  if (ctx.config.onEvent) tap(ctx.config.onEvent);
  return {
    tap,
    dispose() {
      listeners.clear();
      listen();
    },
  };
}
