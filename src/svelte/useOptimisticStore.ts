import { onDestroy } from "svelte";
import type { OptimisticStoreManager } from "../index";

/** What the binding needs of a manager: any `OptimisticStoreManager` (or an object wrapping one) fits. */
type Manager = Pick<OptimisticStoreManager, "destroy">;

/**
 * Creates a manager while a component initialises and destroys it in `onDestroy`. Read its store in
 * markup through {@link toReadable}.
 *
 * @example
 * const todos = useOptimisticStore(() => createTodoStore());
 * const list = toReadable(() => todos.store.list.slice());
 * // markup: {#each $list as todo (todos.store.viewKey(todo.id))} ... {/each}
 */
export function useOptimisticStore<M extends Manager>(factory: () => M): M {
  let destroy = () => {};
  // Registered first: outside component initialisation Svelte throws here, before anything is made.
  onDestroy(() => destroy());
  const manager = factory();
  destroy = () => manager.destroy();
  return manager;
}
