/** Root of every error this library throws; `instanceof OptimisticError` catches them all. */
export class OptimisticError extends Error {
  /** Always `"OptimisticError"`. */
  override name = "OptimisticError";
}

/** A configuration option is missing or invalid. */
export class OptimisticConfigError extends OptimisticError {
  /** Always `"OptimisticConfigError"`. */
  override name = "OptimisticConfigError";
}

/** The manager was used after `destroy()`. */
export class OptimisticLifecycleError extends OptimisticError {
  /** Always `"OptimisticLifecycleError"`. */
  override name = "OptimisticLifecycleError";
}

/** What a call on a destroyed manager (`what`: an action, `retry()`) fails with. */
export function afterDestroy(what: string, name: string): OptimisticLifecycleError {
  return new OptimisticLifecycleError(`${what} on "${name}" after destroy(): the manager is destroyed. Create a new manager instead of reusing this one.`);
}

/** An entity (from the user or the server) has no usable `id`. */
export class OptimisticEntityError extends OptimisticError {
  /** Always `"OptimisticEntityError"`. */
  override name = "OptimisticEntityError";
}

/** What a change made with the id of a created entity that no longer exists (its temporary id, or one the client picked) fails with. */
export function goneTempId(action: string, name: string, id: string): OptimisticEntityError {
  return new OptimisticEntityError(`${action} on "${name}": "${id}" names a created entity that no longer exists (its create failed or was discarded, or it was removed).`);
}

/**
 * An update conflicted with the server's version of its entity (the `conflict` option) and was not
 * applied: the strategy kept the server's entity, or `maxAttempts` sends all conflicted. The server's
 * entity is confirmed (the store shows it); the server's last error is the `cause`.
 */
export class OptimisticConflictError<TUiData = unknown> extends OptimisticError {
  /** Always `"OptimisticConflictError"`. */
  override name = "OptimisticConflictError";
  /** The server's current entity, in the store's shape. */
  readonly server: TUiData;
  /** How many times the change was sent. */
  readonly attempts: number;

  /** @param server the server's entity (store shape); @param attempts the sends made; @param cause the last send's error. */
  constructor(message: string, server: TUiData, attempts: number, cause?: unknown) {
    super(message, { cause });
    this.server = server;
    this.attempts = attempts;
  }
}

/** Turns anything thrown into an `Error`, keeping real errors unchanged. */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  // A rejection with a plain object (`{ message }`, a fetch client's `{ status, body }`) says what it is, not "[object Object]".
  let message = (value as { message?: unknown } | null)?.message;
  if (typeof message !== "string") {
    try {
      message = value !== null && typeof value === "object" ? JSON.stringify(value) : undefined;
    } catch {
      // Circular or holding a BigInt: its String() is all there is.
    }
  }
  return new Error(typeof message === "string" ? message : String(value), { cause: value });
}

/** Whether `id` can key an entity. */
export function isValidId(id: unknown): id is string {
  // Not a number: entities are kept by string id, so 5 and "5" would be two rows (and actions refuse 5).
  return typeof id === "string" && id !== "";
}

/** What a misused value is, for an error message: `null`, its class name (`Object`, `Map`), or its type. */
export function kindOf(value: unknown): string {
  if (value === null) return "null";
  return typeof value === "object" ? (value.constructor?.name ?? "object") : typeof value;
}
