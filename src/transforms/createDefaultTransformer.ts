import { dateToApi, rememberText } from "./dateText";
import { markFieldwise } from "./fieldwise";
import type { DataTransformer, DefaultTransformerOptions, Entity, FieldSelector } from "./types";

type KeyTest = (key: string) => boolean;
type Convert = (key: string, value: unknown) => unknown;

// YYYY-MM-DD, optionally followed by T (or a space) hh:mm[:ss[.fraction]] and Z / ±hh[[:]mm].
const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?)?$/;

const CAMEL_DATE_KEY = /[a-z\d](?:At|Time|Timestamp)$|(?:^|[a-z\d])Date/;
const SNAKE_DATE_KEY = /[_-]at$|(?:^|[_-])(?:time|timestamp)$|(?:^|[_-])date/;

const WHITESPACE = /\s/;

/**
 * Creates the transformer used when a manager is given no `transformer`. It looks at top-level
 * fields only, never touches `id`, and by default is lossless: `toApi(toUi(x))` deep-equals `x`
 * for any JSON object `x`, and both return their argument itself when no field changes.
 *
 * | field value in `toUi`                          | becomes                        | when                         |
 * | ---------------------------------------------- | ------------------------------ | ---------------------------- |
 * | valid ISO-8601 date / date-time string         | `Date`                         | date-like field, `parseDates` (default on) |
 * | `"true"` / `"false"`                           | `true` / `false`               | `parseBooleans` selects the field |
 * | canonical number string (`String(Number(s)) === s`, finite) | `number`          | `parseNumbers` selects the field |
 * | string with a comma and no whitespace          | `string[]` (split on `,`)      | `parseLists` selects the field |
 * | anything else, nested objects and arrays       | unchanged (same reference)     | always                       |
 *
 * | field value in `toApi`                         | becomes                                     | when                         |
 * | ---------------------------------------------- | ------------------------------------------- | ---------------------------- |
 * | `Date` made by `toUi`, time unchanged          | the exact original string                   | always                       |
 * | any other `Date`                               | `toISOString()` (`null` if invalid, as JSON does) | always                 |
 * | boolean                                        | `"true"` / `"false"`                        | `parseBooleans` selects the field |
 * | number                                         | `String(n)`                                 | `parseNumbers` selects the field |
 * | array of strings                               | joined with `,`                             | `parseLists` selects the field |
 * | anything else                                  | unchanged                                   | always                       |
 *
 * Date-like field names by default: ending in `At`, `_at`, `Time`, `_time`, `Timestamp` or
 * `_timestamp`; equal to `time` or `timestamp`; containing the word `date` (`date`, `dueDate`,
 * `birth_date`, `DateOfBirth`). Accepted date strings: `2024-01-02`, `2024-01-02T03:04`,
 * `2024-01-02T03:04:05`, with a fraction of any length, with `Z`, `+02:00`, `-0500` or `+02`; a
 * date-time without a zone is local time, as in `new Date(string)`. Impossible dates
 * (`2024-02-30`, `2024-13-45`) stay strings. The keys `id` and `__proto__` are never converted.
 *
 * The opt-in coercions suit APIs that send every value as a string; with them on, a real boolean
 * or number from the server comes back from `toApi` as a string.
 *
 * @example
 * const transformer = createDefaultTransformer<ApiTodo>();
 * const todo = transformer.toUi({ id: "1", title: "a", createdAt: "2024-01-02T03:04:05+02:00" });
 * todo.createdAt instanceof Date; // true
 * transformer.toApi(todo).createdAt; // "2024-01-02T03:04:05+02:00"
 *
 * @example
 * // An API that sends everything as strings:
 * createDefaultTransformer({ parseBooleans: true, parseNumbers: ["count"], parseLists: ["tags"] });
 */
export function createDefaultTransformer<
  TApiData extends Entity,
  TUiData extends Entity = TApiData,
>(options: DefaultTransformerOptions = {}): DataTransformer<TApiData, TUiData> {
  const isDateField =
    options.parseDates === false
      ? undefined
      : options.dateFields === undefined
        ? isDefaultDateField
        : toKeyTest(options.dateFields);
  const isBooleanField = toKeyTest(options.parseBooleans);
  const isNumberField = toKeyTest(options.parseNumbers);
  const isListField = toKeyTest(options.parseLists);

  const fieldToUi: Convert = (key, value) => {
    if (typeof value !== "string") return value;
    if (isDateField !== undefined && isDateField(key)) {
      const date = parseDate(value);
      if (date !== undefined) return date;
    }
    if (isBooleanField !== undefined && (value === "true" || value === "false") && isBooleanField(key)) {
      return value === "true";
    }
    if (isNumberField !== undefined && isCanonicalNumber(value) && isNumberField(key)) {
      return Number(value);
    }
    if (isListField !== undefined && isList(value) && isListField(key)) {
      return value.split(",");
    }
    return value;
  };

  const fieldToApi: Convert = (key, value) => {
    if (value instanceof Date) return dateToApi(value);
    if (typeof value === "boolean") {
      return isBooleanField !== undefined && isBooleanField(key) ? String(value) : value;
    }
    if (typeof value === "number") {
      return isNumberField !== undefined && isNumberField(key) ? String(value) : value;
    }
    if (isListField !== undefined && isStringArray(value) && isListField(key)) {
      return value.join(",");
    }
    return value;
  };

  return markFieldwise(
    {
      toUi: (apiData) => mapFields(apiData, fieldToUi) as TUiData,
      toApi: (uiData) => mapFields(uiData, fieldToApi) as TApiData,
    },
    !isBooleanField && !isNumberField && !isListField,
  );
}

/** Applies `convert` to each top-level field; copies the object only once a field changes. */
function mapFields(data: unknown, convert: Convert): unknown {
  if (typeof data !== "object" || data === null || Array.isArray(data)) return data;
  const source = data as Record<string, unknown>;
  let result: Record<string, unknown> | undefined;
  for (const key of Object.keys(source)) {
    // Assigning `__proto__` on the copy would set its prototype instead of a field.
    if (key === "id" || key === "__proto__") continue;
    const value = source[key];
    const converted = convert(key, value);
    if (!Object.is(converted, value)) {
      result ??= { ...source };
      result[key] = converted;
    }
  }
  return result ?? data;
}

function toKeyTest(selector: FieldSelector | undefined): KeyTest | undefined {
  if (selector === undefined || selector === false) return undefined;
  if (selector === true) return everyKey;
  if (typeof selector === "function") return selector;
  const names = new Set(selector);
  return (key) => names.has(key);
}

function everyKey(): boolean {
  return true;
}

/** The answers of the default date-field test, by key (an API has few keys; bounded anyway). */
const dateKeys = /* @__PURE__ */ new Map<string, boolean>();

function isDefaultDateField(key: string): boolean {
  let answer = dateKeys.get(key);
  if (answer === undefined) {
    answer = CAMEL_DATE_KEY.test(key) || SNAKE_DATE_KEY.test(key.toLowerCase());
    if (dateKeys.size >= 1000) dateKeys.clear();
    dateKeys.set(key, answer);
  }
  return answer;
}

/** A `Date` for an ISO-8601 string; remembers the text unless `toISOString()` gives it back anyway. */
function parseDate(text: string): Date | undefined {
  // Fast path for the canonical form most APIs send (`2024-01-02T03:04:05.000Z`), which
  // `toISOString()` gives back: nothing to remember.
  if (text.length === 24) {
    const date = parseCanonical(text);
    if (date !== undefined) return date;
  }
  const date = parseIsoDate(text);
  if (date !== undefined) rememberText(date, text);
  return date;
}

/** The form `toISOString()` writes, which it therefore gives back. */
const CANONICAL = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/**
 * A canonical string's `Date`, read digit by digit (the engine's string parser costs about twice
 * as much), without the round-trip check. What is not a real day and time is refused, and so are
 * years before 100 (`Date.UTC` reads them as 19xx): both are left to the full parser.
 */
function parseCanonical(text: string): Date | undefined {
  if (!CANONICAL.test(text)) return undefined;
  const year = twoDigits(text, 0) * 100 + twoDigits(text, 2);
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  const hour = twoDigits(text, 11);
  const minute = twoDigits(text, 14);
  const second = twoDigits(text, 17);
  if (year < 100 || !isRealDateTime(year, month, day, hour, minute, second)) return undefined;
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second, twoDigits(text, 20) * 10 + text.charCodeAt(22) - 48));
}

/** The number written by the two ASCII digits at `at` (checked by the caller). */
function twoDigits(text: string, at: number): number {
  return (text.charCodeAt(at) - 48) * 10 + text.charCodeAt(at + 1) - 48;
}

function parseIsoDate(text: string): Date | undefined {
  const match = ISO_DATE.exec(text);
  if (match === null) return undefined;
  const [, y, mo, d, h, mi, s, fraction, utc, sign, offsetH, offsetM] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h ?? 0);
  const minute = Number(mi ?? 0);
  const second = Number(s ?? 0);
  const offsetHours = Number(offsetH ?? 0);
  const offsetMinutes = Number(offsetM ?? 0);
  if (!isRealDateTime(year, month, day, hour, minute, second) || offsetHours > 23 || offsetMinutes > 59) return undefined;
  // Sub-millisecond digits are truncated, as `Date` keeps whole milliseconds.
  const ms = fraction === undefined ? 0 : Number(fraction.slice(0, 3).padEnd(3, "0"));
  // Built from parts rather than `new Date(text)`: engines differ on non-standard forms and on
  // impossible days, and `Date.UTC` maps years 0-99 to 1900-1999.
  const date = new Date(0);
  if (h !== undefined && utc === undefined && sign === undefined) {
    date.setFullYear(year, month - 1, day);
    date.setHours(hour, minute, second, ms);
  } else {
    date.setUTCFullYear(year, month - 1, day);
    date.setUTCHours(hour, minute, second, ms);
    if (sign !== undefined) {
      const offset = (offsetHours * 60 + offsetMinutes) * 60_000;
      date.setTime(date.getTime() + (sign === "-" ? offset : -offset));
    }
  }
  return date;
}

/** Whether the parts name a day of the calendar (leap years included) and a time of that day. */
function isRealDateTime(year: number, month: number, day: number, hour: number, minute: number, second: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) && hour <= 23 && minute <= 59 && second <= 59;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return leap ? 29 : 28;
  }
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function isCanonicalNumber(text: string): boolean {
  const value = Number(text);
  return Number.isFinite(value) && String(value) === text;
}

function isList(text: string): boolean {
  return text.includes(",") && !WHITESPACE.test(text);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every(isString);
}

function isString(value: unknown): value is string {
  return typeof value === "string";
}
