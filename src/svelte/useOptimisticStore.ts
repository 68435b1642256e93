import { onDestroy, onMount } from "svelte";
import type { OptimisticStoreManager } from "../index";

/** What the binding needs of a manager: any `OptimisticStoreManager` (or an object wrapping one) fits. */
type Manager = Pick<OptimisticStoreManager, "destroy">;

/** How long a manager may wait for its component to mount (as React's binding waits for a commit). */
const UNMOUNTED_MS = 10_000;

/**
 * Creates a manager while a component initialises and destroys it in `onDestroy`, or 10 seconds
 * later if the component never mounts (its initialisation threw after this call). Read its store in
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
  // A component whose initialisation throws later (a <svelte:boundary> catches it) never mounts, and
  // Svelte never runs its onDestroy: the deadline destroys the manager. A server render, which
  // mounts nothing, runs onDestroy at its end; the timer must not keep a Node process alive anyway.
  const deadline = setTimeout(() => destroy(), UNMOUNTED_MS);
  (deadline as { unref?: () => void }).unref?.();
  destroy = () => {
    clearTimeout(deadline);
    manager.destroy();
  };
  onMount(() => clearTimeout(deadline));
  return manager;
}
