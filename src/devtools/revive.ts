/** Undoes the event log's JSON-safe encoding: `{ $date: ISO }` becomes a `Date` again. */
export function revive(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revive);
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  if ("$date" in record && Object.keys(record).length === 1) return new Date(typeof record.$date === "string" ? record.$date : NaN);
  const copy: Record<string, unknown> = {};
  for (const key in record) copy[key] = revive(record[key]);
  return copy;
}
