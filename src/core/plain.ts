import { dateToApi } from "../transforms/createDefaultTransformer";

/**
 * A JSON-safe copy of entity data for the event log: a `Date` becomes `{ $date: ISO string }` (the
 * string the default transformer read it from, microseconds kept; null when invalid), so a
 * recording read back from JSON rebuilds the same values (see `revive`).
 */
export function plain(value: unknown): unknown {
  if (value instanceof Date) return { $date: dateToApi(value) };
  if (Array.isArray(value)) return value.map(plain);
  if (value === null || typeof value !== "object") return value;
  const copy: Record<string, unknown> = {};
  for (const key in value) copy[key] = plain((value as Record<string, unknown>)[key]);
  return copy;
}
