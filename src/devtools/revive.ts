import { rememberText } from "../transforms/dateText";

/**
 * What a one-key `{ $date }`, `{ $bigint }`, `{ $number }`, `{ $undefined }` or `{ $object }` of
 * the event log's encoding (see `plain`) stands for: a `Date`, a `bigint`, `NaN`, `±Infinity` or `-0`,
 * `undefined`, the wrapped object (as written: its fields are not read back); `record` itself when
 * it is none of them.
 */
export function unmark(record: object): unknown {
  const [key, other] = Object.keys(record);
  const value = (record as Record<string, unknown>)[key as string];
  if (other !== undefined) return record;
  if (key === "$object") return value !== null && typeof value === "object" ? value : record;
  // A date remembers its text, as the default transformer does (microseconds kept).
  if (key === "$date") return typeof value === "string" ? remembered(new Date(value), value) : new Date(NaN);
  if (key === "$undefined") return undefined;
  if (key === "$number") return /^(NaN|-?Infinity|-0)$/.test(String(value)) ? Number(value) : record;
  return key === "$bigint" && /^-?\d+$/.test(String(value)) ? BigInt(value as string) : record;
}

/** Undoes the event log's JSON-safe encoding: `{ $date: ISO }` becomes a `Date` again, and so on (see `unmark`). */
export function revive(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revive);
  if (value === null || typeof value !== "object") return value;
  let record = value;
  const unmarked = unmark(value);
  if (unmarked !== value) {
    // An object of the data that looked like a mark: itself, its fields read back.
    if (!("$object" in value)) return unmarked;
    record = unmarked as object;
  }
  const copy: Record<string, unknown> = {};
  for (const key in record) copy[key] = revive((record as Record<string, unknown>)[key]);
  return copy;
}

function remembered(date: Date, text: string): Date {
  rememberText(date, text);
  return date;
}
