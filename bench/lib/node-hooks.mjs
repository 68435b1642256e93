// Module resolution hooks for the mobx-tanstack-query process only (registered by
// register-mobx6.mjs):
// - `mobx` resolves to MobX 6 (the `mobx6` alias devDependency): mobx-tanstack-query 4 uses the
//   namespaced annotations (`observable.ref`, `action.bound`) that MobX 7 removed;
// - mobx-tanstack-query ships ESM with extensionless relative imports (made for bundlers), so
//   `./mobx-query` from inside it resolves to `./mobx-query.js`.
export async function resolve(specifier, context, nextResolve) {
  if (specifier === "mobx") return nextResolve("mobx6", context);
  const parent = context.parentURL ?? "";
  if (parent.includes("/node_modules/mobx-tanstack-query/") && specifier.startsWith(".") && !/\.[cm]?js$/.test(specifier)) {
    return nextResolve(`${specifier}.js`, context);
  }
  return nextResolve(specifier, context);
}
