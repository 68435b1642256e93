import { Reaction } from "mobx";
import type { Readable } from "svelte/store";

/** One subscription, with the value it was last given. */
interface Subscriber<T> {
  run: (value: T) => void;
  last: T;
}

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
  const subscribers = new Set<Subscriber<T>>();
  let value!: T;
  let reaction: Reaction | undefined;
  /**
   * `read()`, or `fallback` if it throws. The error is raised where the app's global handler sees it
   * (a store has no error channel) when `raise` is set.
   */
  const attempt = (fallback: T, raise: boolean): T => {
    try {
      return read();
    } catch (error) {
      if (raise)
        queueMicrotask(() => {
          throw error;
        });
      return fallback;
    }
  };
  /**
   * Runs `read` tracked by `own`, at once (also inside an action or a reaction, where a MobX
   * `reaction()` would wait for the batch to end).
   */
  const update = (own: Reaction) => own.track(() => (value = attempt(value, true)));
  return {
    subscribe(run) {
      let current = value;
      if (!reaction) {
        const own = new Reaction("toReadable", () => {
          if (reaction !== own) return;
          update(own);
          // Each subscriber by the value it was given: one that joined while the reaction was
          // scheduled was given the new value already.
          for (const subscriber of [...subscribers]) if (!Object.is(subscriber.last, value)) subscriber.run((subscriber.last = value));
        });
        reaction = own;
        update(own);
        current = value;
      } else if (reaction.isScheduled) {
        // A dependency changed in a batch that has not ended (an action): `value` is stale, and the
        // reaction tells the others when the batch ends. (`isScheduled` is a method before MobX 6.13.1:
        // truthy, so this reads at every join there.) The reaction's own run raises an error.
        current = attempt(value, false);
      }
      const subscriber: Subscriber<T> = { run, last: current };
      subscribers.add(subscriber);
      run(current);
      return () => {
        if (!subscribers.delete(subscriber) || subscribers.size > 0) return;
        reaction?.dispose();
        reaction = undefined;
      };
    },
  };
}
