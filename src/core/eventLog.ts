import type { ManagerContext, ManagerPart } from "./context";
import { OptimisticError } from "./errors";
import { plain } from "./plain";
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

/** Reports an event whose data refers to itself (each reference back is written `"[Circular]"` in it). */
export function reportCycle(ctx: Pick<ManagerContext<unknown, Entity>, "name" | "reporter">, event: OptimisticEvent): void {
  ctx.reporter.dropped(new OptimisticError(`A ${event.type} event of "${ctx.name}" holds data that refers to itself: "[Circular]" stands for each reference back in it.`), { source: "store", payload: event });
}

/**
 * Builds the event log. Events are only built while someone listens: the layers and the other
 * parts check `layers.emit`, which is set exactly then; their entity data is copied JSON-safe here.
 * A throwing listener is reported, and the others still get the event; so is data with a cycle.
 */
export function createEventLog<TApiData, TUiData extends Entity>(ctx: ManagerContext<TApiData, TUiData>): EventLog {
  const listeners = new Set<Listener>();
  const emit = (entry: LogEntry) => {
    const event = { ...entry, at: Date.now(), store: ctx.name } as OptimisticEvent & { data?: unknown; items?: unknown };
    // Entity data goes out as a JSON-safe copy; data that refers to itself must not break the change it tells of.
    let cyclic = false;
    const copy = (value: unknown) => plain(value, () => (cyclic = true));
    if ("data" in event) event.data = copy(event.data);
    if ("items" in event) event.items = copy(event.items);
    if (cyclic) reportCycle(ctx, event);
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
