import { toError } from "./errors";
import type { OptimisticErrorInfo, OptimisticLogger } from "./types";

/** The single place library code sends diagnostics; prints nothing unless the user gave a hook. */
export interface Reporter {
  /** An error the library recovered from (bad data, a failed query): silent without a hook. */
  error(error: unknown, info: Omit<OptimisticErrorInfo, "name">): void;
  /** A user callback threw: reported, or re-raised asynchronously when there is no hook. */
  callbackError(error: unknown, info: Omit<OptimisticErrorInfo, "name">): void;
  warn(message: string, details?: unknown): void;
  debug(message: string, details?: unknown): void;
}

export interface ReporterOptions {
  name: string;
  onError?: ((error: Error, info: OptimisticErrorInfo) => void) | undefined;
  logger?: OptimisticLogger | undefined;
}

export function createReporter({ name, onError, logger }: ReporterOptions): Reporter {
  const deliver = (error: unknown, info: Omit<OptimisticErrorInfo, "name">): boolean => {
    const err = toError(error);
    const full: OptimisticErrorInfo = { name, ...info };
    try {
      if (onError) onError(err, full);
      else if (logger?.error) logger.error(`[${name}] ${err.message}`, { error: err, ...full });
      else return false;
    } catch (hookError) {
      rethrowAsync(hookError);
    }
    return true;
  };
  const safe = (fn: ((m: string, d?: unknown) => void) | undefined, message: string, details: unknown) => {
    if (!fn) return;
    try {
      fn(`[${name}] ${message}`, details);
    } catch (hookError) {
      rethrowAsync(hookError);
    }
  };
  return {
    error(error, info) {
      deliver(error, info);
    },
    callbackError(error, info) {
      if (!deliver(error, info)) rethrowAsync(error);
    },
    warn: (message, details) => safe(logger?.warn, message, details),
    debug: (message, details) => safe(logger?.debug, message, details),
  };
}

/** Lets an error surface as uncaught without unwinding the library's own stack. */
function rethrowAsync(error: unknown): void {
  setTimeout(() => {
    throw error;
  }, 0);
}
