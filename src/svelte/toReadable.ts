import { reaction } from "mobx";
import type { Readable } from "svelte/store";

/**
 * A Svelte store (the `subscribe` contract, so `$name` works in Svelte 4 and 5 components) that
 * follows `read`, a MobX expression. A MobX reaction runs only while the store has subscribers and is
 * disposed when the last one leaves; subscribers hear of a change only when the value `read` returns
 * changes (`Object.is`).
 *
 * @example
 * const todo = toReadable(() => todos.store.get(id));
 * // markup: {$todo?.title}
 */
export function toReadable<T>(read: () => T): Readable<T> {
  const subscribers = new Set<(value: T) => void>();
  let value!: T;
  let stop: (() => void) | undefined;
  return {
    subscribe(run) {
      if (!stop) {
        stop = reaction(
          read,
          (next) => {
            value = next;
            for (const subscriber of [...subscribers]) subscriber(next);
          },
          {
            fireImmediately: true,
            // A store has no error channel: raise it where the app's global handler sees it.
            onError: (error) =>
              queueMicrotask(() => {
                throw error;
              }),
          },
        );
      }
      const subscriber = (next: T) => run(next);
      subscribers.add(subscriber);
      run(value);
      return () => {
        if (!subscribers.delete(subscriber) || subscribers.size > 0) return;
        stop?.();
        stop = undefined;
      };
    },
  };
}
