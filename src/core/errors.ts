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

/** An entity (from the user or the server) has no usable `id`. */
export class OptimisticEntityError extends OptimisticError {
  /** Always `"OptimisticEntityError"`. */
  override name = "OptimisticEntityError";
}

/** Turns anything thrown into an `Error`, keeping real errors unchanged. */
export function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/** Whether `id` can key an entity. */
export function isValidId(id: unknown): id is string {
  return (typeof id === "string" && id !== "") || (typeof id === "number" && Number.isFinite(id));
}
