import { Reaction } from "mobx";
import { customRef, onScopeDispose, shallowRef, watchEffect, type ShallowRef } from "vue";
import { inServerRender, requireScope } from "./scope";

/**
 * A Vue ref that follows `read`, a MobX expression: a MobX reaction re-runs it when what it read
 * changes, and the ref changes only when the value it returns does (`Object.is`), so a row bound to
 * one entity updates only when that entity does. Vue refs and props read in `read` are followed too.
 * The reaction is disposed with the component (or effect scope) that called this.
 *
 * @example
 * const todo = useObserved(() => todos.store.get(props.id));
 * // template: {{ todo?.title }}
 */
export function useObserved<T>(read: () => T): Readonly<ShallowRef<T>> {
  requireScope("useObserved");
  // A server render disposes nothing and re-renders nothing: read `read` on each access, no reaction.
  if (inServerRender()) return customRef(() => ({ get: read, set() {} })) as unknown as ShallowRef<T>;
  // Bumped by MobX; read by the Vue effect below, so a MobX change re-runs it inside Vue's tracking.
  const invalidated = shallowRef(0);
  const reaction = new Reaction("useObserved", () => invalidated.value++);
  onScopeDispose(() => reaction.dispose());
  const value = shallowRef() as ShallowRef<T>;
  watchEffect(
    () => {
      void invalidated.value;
      let next!: T;
      let failure: { error: unknown } | undefined;
      // Caught inside and thrown outside the tracked function: MobX would print it, Vue hands it to
      // the app's errorHandler.
      reaction.track(() => {
        try {
          next = read();
        } catch (error) {
          failure = { error };
        }
      });
      if (failure) throw failure.error;
      value.value = next;
    },
    { flush: "sync" },
  );
  return value;
}
