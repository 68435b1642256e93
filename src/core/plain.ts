import { dateToApi } from "../transforms/dateText";

/**
 * A JSON-safe copy of entity data for the event log, which a recording read back from JSON rebuilds
 * exactly (see `revive`): a `Date` becomes `{ $date: ISO string }` (the string the default
 * transformer read it from, microseconds kept; null when invalid), a `bigint` `{ $bigint: decimal
 * string }`, a field or item set to `undefined` `{ $undefined: true }`. A
 * reference to an object it is inside of (a cycle) becomes `"[Circular]"`, and `onCycle` is called.
 */
export function plain(value: unknown, onCycle?: () => void, inside: object[] = []): unknown {
  if (value instanceof Date) return { $date: dateText(value) };
  if (typeof value === "bigint") return { $bigint: String(value) };
  if (value === null || typeof value !== "object") return value;
  if (inside.includes(value)) {
    onCycle?.();
    return "[Circular]";
  }
  inside.push(value);
  const copy = (item: unknown) => (item === undefined ? { $undefined: true } : plain(item, onCycle, inside));
  let result: unknown = {};
  if (Array.isArray(value)) result = value.map(copy);
  else for (const key in value) (result as Record<string, unknown>)[key] = copy((value as Record<string, unknown>)[key]);
  inside.pop();
  return result;
}

/** The string the date was read from when `Date` parses it back (microseconds kept), else its ISO string. */
function dateText(date: Date): string | null {
  const text = dateToApi(date);
  return text !== null && new Date(text).getTime() === date.getTime() ? text : date.toJSON();
}
