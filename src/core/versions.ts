import { dateToApi } from "../transforms/dateText";
import type { Entity } from "./shapes";

/** A version as the config's `version` reads it: a number, an ISO-8601 string or a `Date`. */
export type Version = number | string | Date;

/**
 * The `version` option at work: which of two confirmed values of an entity is newer. The state
 * model asks it before every confirmed write (fetched lists, realtime events, mutation answers,
 * store writes), so confirmed state never goes back to an older version.
 */
export interface VersionRule<T extends Entity> {
  /** Whether `incoming` is older than `current` (then it is ignored, and reported to `logger.debug`). */
  isOlder(current: T, incoming: T): boolean;
  /** The entity's version as the config reads it (undefined when it has none). */
  of(entity: T): unknown;
  /** The entity's version as the server wrote it, for a receipt's `baseVersion`. */
  sent(entity: T): Version | undefined;
  /** The option's field name (undefined for a function): a recording's snapshot names it for its replay. */
  readonly field?: string;
}

/**
 * Builds the rule of `version` (a field name or a function). Versions compare by value: numbers
 * (also written as strings) as numbers, `Date`s and ISO-8601 strings by the time they name (two
 * naming the same millisecond by the digits after it, so microseconds count, whatever the zone
 * offsets; a `Date` by the string the default transformer read it from). A value that is none
 * of these (missing, `null`, an unparsable string) is never older, nor is anything older than it.
 */
export function createVersionRule<T extends Entity>(
  version: string | ((entity: T) => unknown),
  /** The manager's reporter (its `Reporter`, not imported: it would import the config's types here). */
  reporter: { debug?: ((message: string, details?: unknown) => void) | undefined; callbackError(error: unknown, info: { source: "callback"; id: string }): void } | undefined,
  toItem: (entity: T) => unknown,
): VersionRule<T> {
  const field = (entity: unknown) => (entity as Record<string, unknown> | undefined)?.[version as string];
  // A version function that throws is reported, and reads as no version (never older): the rest of a list still applies.
  const of = (entity: T): unknown => {
    try {
      return typeof version === "function" ? version(entity) : field(entity);
    } catch (error) {
      reporter?.callbackError(error, { source: "callback", id: entity.id });
      return undefined;
    }
  };
  return {
    ...(typeof version === "string" && { field: version }),
    of,
    // A field is read from the server's item (an ISO string, not the Date the transformer made of it).
    sent: (entity) => (typeof version === "function" ? of(entity) : (field(toItem(entity)) ?? field(entity))) as Version | undefined,
    isOlder(current, incoming) {
      const a = of(incoming);
      const b = of(current);
      const older = compareVersions(a, b) < 0;
      if (older) reporter?.debug?.("older version ignored", { id: incoming.id, version: a, current: b });
      return older;
    },
  };
}

/** Negative when `a` is older than `b`, positive when newer, 0 when equal or not comparable. */
export function compareVersions(a: unknown, b: unknown): number {
  if (a === b) return 0;
  const x = timeOf(a);
  const y = timeOf(b);
  if (Number.isNaN(x) || Number.isNaN(y)) return 0;
  if (x !== y) return x < y ? -1 : 1;
  // One double for both: their digits tell them apart (a number's past a double's precision; a
  // date's after the second, zone offsets aside; a `Date`'s as the text it was read from).
  const s = a instanceof Date ? dateToApi(a) : a;
  const t = b instanceof Date ? dateToApi(b) : b;
  if (typeof s !== "string" || typeof t !== "string") return 0;
  const numeric = NUMBER.test(s);
  // A number of milliseconds and a date string have no digits in common.
  if (numeric !== NUMBER.test(t)) return 0;
  const [p = "", f = ""] = digitsOf(s, numeric);
  const [q = "", g = ""] = digitsOf(t, numeric);
  const digits = Math.max(f.length, g.length);
  const order = compareText(p.length, q.length) || compareText(p, q) || compareText(f.padEnd(digits, "0"), g.padEnd(digits, "0"));
  return numeric && s.startsWith("-") ? -order : order;
}

const NUMBER = /^-?\d+(\.\d+)?$/;

/** A number's integer digits (no sign, no leading zeros) and fraction; a date's fraction of a second. */
function digitsOf(text: string, numeric: boolean): string[] {
  return numeric ? text.replace(/^-?0*/, "").split(".") : ["", /[.,](\d+)/.exec(text)?.[1] ?? ""];
}

function compareText<V extends string | number>(a: V, b: V): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function timeOf(value: unknown): number {
  if (typeof value === "number") return value;
  if (value instanceof Date) return value.getTime();
  if (typeof value !== "string") return NaN;
  // A number in a string ("42") is that number: Date.parse would read it as a year.
  return NUMBER.test(value) ? Number(value) : Date.parse(value);
}
