import { Reaction } from "mobx";
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
  let reaction: Reaction | undefined;
  /**
   * Runs `read` tracked by `own`, at once (also inside an action or a reaction, where a MobX
   * `reaction()` would wait for the batch to end); whether the value changed. An error keeps the
   * last value and is raised where the app's global handler sees it: a store has no error channel.
   */
  const update = (own: Reaction): boolean => {
    const previous = value;
    let failure: { error: unknown } | undefined;
    own.track(() => {
      try {
        value = read();
      } catch (error) {
        failure = { error };
      }
    });
    if (!failure) return !Object.is(previous, value);
    const { error } = failure;
    queueMicrotask(() => {
      throw error;
    });
    return false;
  };
  return {
    subscribe(run) {
      if (!reaction) {
        const own = new Reaction("toReadable", () => {
          if (reaction !== own || !update(own)) return;
          for (const subscriber of [...subscribers]) subscriber(value);
        });
        reaction = own;
        update(own);
      }
      const subscriber = (next: T) => run(next);
      subscribers.add(subscriber);
      run(value);
      return () => {
        if (!subscribers.delete(subscriber) || subscribers.size > 0) return;
        reaction?.dispose();
        reaction = undefined;
      };
    },
  };
}
