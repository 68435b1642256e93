import { parseDate } from "../transforms/createDefaultTransformer";

/** Undoes the event log's JSON-safe encoding: `{ $date: ISO }` becomes a `Date` again (remembering its text, as the default transformer does). */
export function revive(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revive);
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  if ("$date" in record && Object.keys(record).length === 1) return typeof record.$date === "string" ? (parseDate(record.$date) ?? new Date(record.$date)) : new Date(NaN);
  const copy: Record<string, unknown> = {};
  for (const key in record) copy[key] = revive(record[key]);
  return copy;
}
