import { useEffect, useReducer, useRef } from "react";
import type { OptimisticStoreManager } from "../index";

/** What the binding needs of a manager: any `OptimisticStoreManager` (or an object wrapping one) fits. */
type Manager = Pick<OptimisticStoreManager, "destroy">;

/** One manager and the deps it was made for. */
interface Slot<M> {
  manager: M;
  deps: readonly unknown[];
  /** Mounted effects holding it: 1 while mounted, 0 between StrictMode's cleanup and re-run. */
  holders: number;
  destroyed: boolean;
  /** Destroys it if no effect claims it in time (a render React threw away never runs effects). */
  deadline: ReturnType<typeof setTimeout> | undefined;
}

/** How long a manager made by a render may wait for that render to commit (Suspense, concurrent rendering). */
const UNCOMMITTED_MS = 10_000;

const sameDeps = (a: readonly unknown[], b: readonly unknown[]) => a.length === b.length && a.every((dep, i) => Object.is(dep, b[i]));

function release<M extends Manager>(slot: Slot<M>): void {
  if (slot.holders > 0 || slot.destroyed) return;
  slot.destroyed = true;
  clearTimeout(slot.deadline);
  slot.manager.destroy();
}

/**
 * Creates a manager for the lifetime of the calling component: once on mount, again when a value in
 * `deps` changes (compared with `Object.is`, like React's own deps), and destroys it on unmount.
 * Under `<StrictMode>` the simulated unmount and remount keep the same manager, so the collection is
 * fetched once. Read the store in `observer` components from `mobx-react-lite`.
 *
 * @example
 * const TodoList = observer(function TodoList() {
 *   const todos = useOptimisticStore(() => createTodoStore());
 *   return <ul>{todos.store.list.map((todo) => <TodoRow key={todos.store.viewKey(todo.id)} todo={todo} />)}</ul>;
 * });
 */
export function useOptimisticStore<M extends Manager>(factory: () => M, deps: readonly unknown[] = []): M {
  // A ref, not useState/useMemo: React calls their initialisers twice under StrictMode, and each
  // call here would start a fetch. React 19 keeps hook state between StrictMode's two renders.
  const ref = useRef<{ rendered?: Slot<M>; committed?: Slot<M> }>({});
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const reusable = (slot: Slot<M> | undefined) => slot && !slot.destroyed && sameDeps(slot.deps, deps);
  let slot = reusable(ref.current.rendered) ? ref.current.rendered : reusable(ref.current.committed) ? ref.current.committed : undefined;
  // Released after it was committed: the effects were cleaned up, so this render is of a subtree
  // <Activity> keeps hidden. It shows the released manager; showing the subtree again makes a new one.
  if (!slot && ref.current.committed?.destroyed) slot = ref.current.committed;
  if (!slot) {
    const created: Slot<M> = { manager: factory(), deps, holders: 0, destroyed: false, deadline: undefined };
    const deadline = setTimeout(() => release(created), UNCOMMITTED_MS);
    // Server rendering never commits: the deadline must not keep a Node process alive.
    (deadline as { unref?: () => void }).unref?.();
    created.deadline = deadline;
    slot = created;
  }
  ref.current.rendered = slot;

  const current = slot;
  useEffect(() => {
    clearTimeout(current.deadline);
    if (current.destroyed) {
      // Committed after its deadline, or shown again by <Activity> after being released: make a new one.
      if (ref.current.committed === current) ref.current.committed = undefined;
      rerender();
      return undefined;
    }
    current.holders++;
    ref.current.committed = current;
    return () => {
      current.holders--;
      // StrictMode runs this cleanup and the effect again in the same task: destroying a microtask
      // later lets the same manager survive; a real unmount destroys it before any timer or I/O runs.
      queueMicrotask(() => release(current));
    };
  }, [current]);

  return current.manager;
}
