import { getCurrentInstance, getCurrentScope, inject, ssrContextKey } from "vue";
// The public error class, from its own module: the "../index" barrel would pull the whole core into this entry.
import { OptimisticLifecycleError } from "../core/errors";

/** Throws unless called where Vue can dispose what is made (a component's `setup()` or an `effectScope`). */
export function requireScope(name: string): void {
  if (!getCurrentScope()) {
    throw new OptimisticLifecycleError(
      `${name}() was called outside a component's setup() and outside an effectScope(), so nothing would ever dispose what it makes. Call it in setup() (or <script setup>), or inside effectScope().run().`,
    );
  }
}

/** Whether this setup() runs in a server render, where Vue disposes no component scope. */
export function inServerRender(): boolean {
  return getCurrentInstance() !== null && inject(ssrContextKey, null) !== null;
}
