import { markRaw, onScopeDispose, shallowRef, watch, type ShallowRef, type WatchSource } from "vue";
import type { OptimisticStoreManager } from "../index";
import { inServerRender, requireScope } from "./scope";

/** How long a manager made in a server render lives (Vue runs no unmount hook there). */
const SERVER_RENDER_MS = 10_000;

/** What the binding needs of a manager: any `OptimisticStoreManager` (or an object wrapping one) fits. */
type Manager = Pick<OptimisticStoreManager, "destroy">;

/**
 * Creates a manager in `setup()` and destroys it when the component (or effect scope) is disposed.
 * The manager is marked raw, so Vue never wraps it in reactive proxies. Read its store in templates
 * through {@link useObserved}.
 *
 * @example
 * const todos = useOptimisticStore(() => createTodoStore());
 * const list = useObserved(() => todos.store.list.slice());
 */
export function useOptimisticStore<M extends Manager>(factory: () => M): M;
/**
 * With `deps` (Vue watch sources, like `watch`'s), a new manager replaces the old one whenever they
 * change, so it comes as a ref; the old manager is destroyed once the new one exists.
 *
 * @example
 * const todos = useOptimisticStore(() => createTodoStore({ userId: props.userId }), () => props.userId);
 * const list = useObserved(() => todos.value.store.list.slice());
 */
export function useOptimisticStore<M extends Manager>(factory: () => M, deps: WatchSource | readonly WatchSource[]): Readonly<ShallowRef<M>>;
export function useOptimisticStore<M extends Manager>(factory: () => M, deps?: WatchSource | readonly WatchSource[]): M | Readonly<ShallowRef<M>> {
  requireScope("useOptimisticStore");
  let manager: M | undefined;
  onScopeDispose(() => manager?.destroy());
  // Vue must never wrap a MobX store in its own proxies (reactive() state, deep refs, props).
  manager = markRaw(factory());
  if (inServerRender()) {
    const made = manager;
    const deadline = setTimeout(() => made.destroy(), SERVER_RENDER_MS);
    // The deadline must not keep a Node process alive.
    (deadline as { unref?: () => void }).unref?.();
  }
  if (deps === undefined) return manager;
  const current = shallowRef(manager) as ShallowRef<M>;
  watch(deps as WatchSource, () => {
    const previous = current.value;
    current.value = manager = markRaw(factory());
    previous.destroy();
  });
  return current;
}
