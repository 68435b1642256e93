import { toError } from "./errors";
import type { OptimisticErrorInfo, OptimisticLogger } from "./types";

type Info = Omit<OptimisticErrorInfo, "name">;

/** The single place library code sends diagnostics; prints nothing unless the user gave a hook. */
export interface Reporter {
  /** A failure the user should know of (a failed query): `onError`, else `logger.error`. */
  error(error: unknown, info: Info): void;
  /** Data the library dropped and recovered from (an item without id, a malformed event): `onError`, else `logger.warn` (or `logger.error`). */
  dropped(error: unknown, info: Info): void;
  /** A user callback threw: `onError`, else `logger.error`, else re-raised asynchronously. */
  callbackError(error: unknown, info: Info): void;
  /** Lifecycle events, for `logger.debug`; undefined when nobody listens, so callers skip the work. */
  debug: ((message: string, details?: unknown) => void) | undefined;
}

export interface ReporterOptions {
  name: string;
  onError?: ((error: Error, info: OptimisticErrorInfo) => void) | undefined;
  logger?: OptimisticLogger | undefined;
}

export function createReporter({ name, onError, logger }: ReporterOptions): Reporter {
  const call = (fn: () => void) => {
    try {
      fn();
    } catch (hookError) {
      rethrowAsync(hookError);
    }
  };
  const deliver = (error: unknown, info: Info, log: OptimisticLogger["error"]): boolean => {
    const err = toError(error);
    const full: OptimisticErrorInfo = { name, ...info };
    if (onError) call(() => onError(err, full));
    else if (log) call(() => log(`[${name}] ${err.message}`, { error: err, ...full }));
    else return false;
    return true;
  };
  const debugLog = logger?.debug;
  return {
    error: (error, info) => void deliver(error, info, logger?.error),
    dropped: (error, info) => void deliver(error, info, logger?.warn ?? logger?.error),
    callbackError(error, info) {
      if (!deliver(error, info, logger?.error)) rethrowAsync(error);
    },
    debug: debugLog && ((message, details) => call(() => debugLog(`[${name}] ${message}`, details))),
  };
}

/** Lets an error surface as uncaught without unwinding the library's own stack. */
export function rethrowAsync(error: unknown): void {
  setTimeout(() => {
    throw error;
  }, 0);
}
