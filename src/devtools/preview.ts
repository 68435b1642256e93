import { unmark } from "./revive";

/** How long a one-line preview may get, in characters. */
const MAX = 120;

/** One value, shortened: strings quoted and cut, dates as ISO, objects and arrays summarised. */
function short(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
  if (Array.isArray(value)) return `[${value.length}]`;
  if (value !== null && typeof value === "object") {
    // The event log's encoding of a date, a bigint, NaN or ±Infinity, or undefined.
    const unmarked = unmark(value);
    // An object of the data's own (a wrapped one too) is summarised, never read as a mark.
    return unmarked === value || "$object" in value ? "{…}" : short(unmarked);
  }
  return String(value);
}

/**
 * A short, one-line preview of an entity or a patch: `title: "Buy milk", done: false`, without its
 * `id`. Reads at most as many fields as fit, so a huge entity costs no more than a small one.
 */
export function preview(value: unknown): string {
  if (value === null || typeof value !== "object") return value === undefined ? "" : short(value);
  let text = "";
  for (const key in value) {
    if (key === "id") continue;
    const part = `${text === "" ? "" : ", "}${key}: ${short((value as Record<string, unknown>)[key])}`;
    if (text.length + part.length > MAX) return text === "" ? `${part.slice(0, MAX)}…` : `${text}, …`;
    text += part;
  }
  return text;
}
