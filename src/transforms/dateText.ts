interface DateOrigin {
  text: string;
  time: number;
}

// The exact string each parsed `Date` came from, so `toApi` can give back `2024-01-02` or
// `...+02:00` instead of `toISOString()`. Weak: the entry goes with the `Date`.
const dateOrigins = /* @__PURE__ */ new WeakMap<Date, DateOrigin>();

/** Notes that `date` was read from `text` (kept while the date's time is unchanged). */
export function rememberText(date: Date, text: string): void {
  dateOrigins.set(date, { text, time: date.getTime() });
}

/** A `Date`'s text: the exact string it was read from (microseconds kept), else `toISOString()` (null if invalid). */
export function dateToApi(date: Date): string | null {
  const time = date.getTime();
  const origin = dateOrigins.get(date);
  if (origin !== undefined && origin.time === time) return origin.text;
  return Number.isNaN(time) ? null : date.toISOString();
}
