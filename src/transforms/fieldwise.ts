/**
 * What the library knows of the default transformer: it converts each top-level field on its own
 * (converting a partial entity gives the converted fields of the whole one) and leaves `id` as it
 * is (an item's own id is its entity's), and without coercion
 * options it is lossless (`toApi(toUi(item))` is `item` again), so the server's item of an entity
 * need not be remembered. Weak, so a transformer can be collected.
 */
const fieldwise = /* @__PURE__ */ new WeakSet<object>();
const lossless = /* @__PURE__ */ new WeakSet<object>();

/** Marks `transformer` as converting field by field (and, `isLossless`, as giving items back exactly). */
export function markFieldwise<T extends object>(transformer: T, isLossless: boolean): T {
  fieldwise.add(transformer);
  if (isLossless) lossless.add(transformer);
  return transformer;
}

/** Whether `transformer` converts field by field, so a patch can be converted alone. */
export function isFieldwise(transformer: object): boolean {
  return fieldwise.has(transformer);
}

/** Whether `toApi(toUi(item))` gives `item` back exactly. */
export function isLossless(transformer: object): boolean {
  return lossless.has(transformer);
}
