import { computed, observable, reaction, runInAction } from "mobx";
import type { ManagerPart } from "../core/context";
import type { Reporter } from "../core/reporter";
import type { ScopeValue } from "./querySync";

/** The `scope` option at work: which scope the manager shows, kept in step with `scope()`. */
export interface Scope extends ManagerPart {
  /** The scope the manager shows now (`null`: signed out). */
  readonly value: ScopeValue;
  /**
   * Whether `scope()` already names another scope than the one shown (the switch runs when the
   * transaction that changed it ends). Observable: the store's entities read as absent meanwhile.
   */
  readonly hidden: () => boolean;
  /** Switches at once if `scope()` changed and the switch has not run yet (an action called in the same MobX transaction). */
  sync(): void;
}

/**
 * Follows `read` (the config's `scope`) with a MobX reaction and calls `switchTo` with each new
 * value (in an action), once the transaction that changed it ends; `sync()` switches earlier, so an
 * action called in that transaction already lands in the new scope. `undefined` counts as `null`
 * (signed out). A reaction that runs before the switch (it observed the scope's source first) reads
 * the store as empty through `hidden`, never the previous scope's entities.
 */
export function createScope(read: () => ScopeValue, reporter: Reporter, switchTo: (value: ScopeValue) => void): Scope {
  // Observables are read in actions where no reaction is running: outside one, MobX's
  // `observableRequiresReaction` would warn (runInAction reads untracked, as untracked() does).
  const shown = observable.box<ScopeValue>(runInAction(read) ?? null, { deep: false });
  const wanted = computed(() => {
    try {
      return read() ?? null;
    } catch {
      return shown.get(); // reported by the reaction below
    }
  });
  const hidden = computed(() => wanted.get() !== shown.get());
  let disposed = false;
  const go = (next: ScopeValue) =>
    runInAction(() => {
      if (disposed || next === shown.get()) return;
      shown.set(next);
      switchTo(next);
    });
  const stop = reaction(() => read() ?? null, go, { onError: (error) => reporter.callbackError(error, { source: "callback" }) });
  return {
    get value() {
      return runInAction(() => shown.get());
    },
    hidden: () => hidden.get(),
    sync() {
      let next: ScopeValue;
      try {
        next = runInAction(read) ?? null;
      } catch (error) {
        return reporter.callbackError(error, { source: "callback" });
      }
      go(next);
    },
    dispose() {
      disposed = true;
      stop();
    },
  };
}
