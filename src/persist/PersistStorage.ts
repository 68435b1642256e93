/**
 * A key-value store of strings where persisted state is kept. `localStorage` and
 * `sessionStorage` satisfy it as they are, and so do React Native's `AsyncStorage`,
 * `createIndexedDBStorage()` and `createMemoryStorage()`.
 *
 * Each method may answer synchronously or with a promise. A storage reports a failure by
 * throwing or by rejecting; the caller reports it and goes on without storage.
 *
 * @example
 * ```ts
 * import type { PersistStorage } from "mobx-tanstack-optimistic/persist";
 *
 * const storage: PersistStorage = localStorage;
 * ```
 */
export interface PersistStorage {
  /** The string stored under `key`, or `null` when there is none. */
  getItem(key: string): string | null | Promise<string | null>;
  /** Stores `value` under `key`, replacing what was there. */
  setItem(key: string, value: string): void | Promise<void>;
  /** Deletes what is stored under `key`; deleting a missing key is not an error. */
  removeItem(key: string): void | Promise<void>;
}
