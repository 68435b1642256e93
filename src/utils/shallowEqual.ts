// Own and enumerable, matching what `Object.keys` lists.
const isOwnEnumerable = Object.prototype.propertyIsEnumerable;

/**
 * Tells whether two values have the same content, to decide whether an entity changed: an
 * unchanged entity keeps its object identity when the server sends a fresh JSON copy.
 *
 * Values are equal when `Object.is` says so, when both are `Date`s with the same `getTime()`, or
 * when both are arrays, or both plain objects, whose items or own enumerable string keys are
 * equal by this same rule, recursively. Key order does not matter; a key holding `undefined` is
 * not the same as a missing key. Other objects (class instances, `Map`, `Set`) are equal only to
 * themselves. Meant for JSON-like data: cyclic structures are not supported.
 *
 * @example
 * shallowEqual({ id: "1", tags: ["a"] }, { tags: ["a"], id: "1" }); // true
 * shallowEqual({ id: "1", note: undefined }, { id: "1" }); // false
 */
export function shallowEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (a instanceof Date) return b instanceof Date && Object.is(a.getTime(), b.getTime());
  if (Array.isArray(a)) return Array.isArray(b) && arrayEqual(a, b);
  if (Array.isArray(b) || !isPlainObject(a) || !isPlainObject(b)) return false;
  return objectEqual(a as Record<string, unknown>, b as Record<string, unknown>);
}

function arrayEqual(a: readonly unknown[], b: readonly unknown[]): boolean {
  const length = a.length;
  if (length !== b.length) return false;
  for (let i = 0; i < length; i++) {
    if (!shallowEqual(a[i], b[i])) return false;
  }
  return true;
}

function objectEqual(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = Object.keys(a);
  const otherKeys = Object.keys(b);
  if (keys.length !== otherKeys.length) return false;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    // Keys in the same order (as in two copies of one JSON object) need no own-property lookup.
    if ((otherKeys[i] !== key && !isOwnEnumerable.call(b, key)) || !shallowEqual(a[key], b[key])) return false;
  }
  return true;
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
