/**
 * Transformers known to convert each top-level field on its own (the default one): converting a
 * partial entity gives the converted fields of the whole one. Weak, so a transformer can be collected.
 */
const fieldwise = /* @__PURE__ */ new WeakSet<object>();

/** Marks `transformer` as converting field by field. */
export function markFieldwise<T extends object>(transformer: T): T {
  fieldwise.add(transformer);
  return transformer;
}

/** Whether `transformer` converts field by field, so a patch can be converted alone. */
export function isFieldwise(transformer: object): boolean {
  return fieldwise.has(transformer);
}
