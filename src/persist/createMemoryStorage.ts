import type { PersistStorage } from "./PersistStorage";

/**
 * A synchronous storage that keeps its items in memory: nothing survives a reload. Each call
 * returns a store of its own. Suits tests, server-side rendering and environments with no
 * persistent storage.
 *
 * @example
 * ```ts
 * import { createMemoryStorage } from "mobx-tanstack-optimistic/persist";
 *
 * const storage = createMemoryStorage();
 * storage.setItem("todos", '{"schemaVersion":1}');
 * storage.getItem("todos"); // '{"schemaVersion":1}'
 * ```
 */
export function createMemoryStorage(): PersistStorage {
  const items = new Map<string, string>();
  return {
    getItem: (key) => items.get(String(key)) ?? null,
    // Stored as strings, as localStorage does, so that a test with this storage sees what a browser would.
    setItem: (key, value) => {
      items.set(String(key), String(value));
    },
    removeItem: (key) => {
      items.delete(String(key));
    },
  };
}
