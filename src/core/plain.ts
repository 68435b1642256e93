import { dateToApi } from "../transforms/dateText";

/**
 * A JSON-safe copy of entity data for the event log, which a recording read back from JSON rebuilds
 * exactly (see `revive`): a `Date` becomes `{ $date: ISO string }` (the string the default
 * transformer read it from, microseconds kept; null when invalid), a `bigint` `{ $bigint: decimal
 * string }`, `NaN`, `±Infinity` or `-0` `{ $number: "NaN" | "Infinity" | "-Infinity" | "-0" }` (JSON would
 * write null, or 0), a field or item set to `undefined` `{ $undefined: true }`, an object of the data
 * that has one of these keys alone (or `$object`) `{ $object: the object }`. A
 * reference to an object it is inside of (a cycle) becomes `"[Circular]"`, and `onCycle` is called.
 */
export function plain(value: unknown, onCycle?: () => void, inside: object[] = []): unknown {
  if (value instanceof Date) return { $date: dateText(value) };
  if (typeof value === "bigint") return { $bigint: String(value) };
  if (typeof value === "number" && (!Number.isFinite(value) || Object.is(value, -0))) return { $number: Object.is(value, -0) ? "-0" : String(value) };
  if (value === null || typeof value !== "object") return value;
  if (inside.includes(value)) {
    onCycle?.();
    return "[Circular]";
  }
  inside.push(value);
  const copy = (item: unknown) => (item === undefined ? { $undefined: true } : plain(item, onCycle, inside));
  let result: unknown = {};
  if (Array.isArray(value)) result = value.map(copy);
  else {
    for (const key in value) (result as Record<string, unknown>)[key] = copy((value as Record<string, unknown>)[key]);
    // An object of the data's own that looks like one of these marks is wrapped, to read back as itself.
    const keys = Object.keys(result as object);
    if (keys.length === 1 && /^\$(date|bigint|number|undefined|object)$/.test(keys[0]!)) result = { $object: result };
  }
  inside.pop();
  return result;
}

/** The string the date was read from when `Date` parses it back (microseconds kept), else its ISO string. */
function dateText(date: Date): string | null {
  const text = dateToApi(date);
  return text !== null && new Date(text).getTime() === date.getTime() ? text : date.toJSON();
}
