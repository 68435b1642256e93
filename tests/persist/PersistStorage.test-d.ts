/**
 * Compile-time tests of `PersistStorage` (checked by `npm run typecheck`, never run): the
 * browser's storages and React Native's `AsyncStorage` fit it as they are.
 */
import { expectTypeOf } from "vitest";
import { createIndexedDBStorage, createMemoryStorage, type IndexedDBStorageOptions, type PersistStorage } from "../../src/persist";

// The browser's own storages, unwrapped.
expectTypeOf(localStorage).toExtend<PersistStorage>();
expectTypeOf(sessionStorage).toExtend<PersistStorage>();
const fromLocalStorage: PersistStorage = window.localStorage;
void fromLocalStorage;

// An asynchronous storage of React Native's shape.
interface AsyncStorageStatic {
  getItem(key: string): Promise<string | null>;
  setItem(key: string, value: string): Promise<void>;
  removeItem(key: string): Promise<void>;
}
expectTypeOf<AsyncStorageStatic>().toExtend<PersistStorage>();

// Answers may be synchronous or promises.
expectTypeOf<PersistStorage["getItem"]>().returns.toEqualTypeOf<string | null | Promise<string | null>>();
expectTypeOf<PersistStorage["setItem"]>().returns.toEqualTypeOf<void | Promise<void>>();
expectTypeOf<PersistStorage["removeItem"]>().returns.toEqualTypeOf<void | Promise<void>>();
expectTypeOf<PersistStorage["setItem"]>().parameters.toEqualTypeOf<[key: string, value: string]>();

// Not a storage: values must be strings, and every method is required.
expectTypeOf<{ getItem(key: string): number; setItem(key: string, value: string): void; removeItem(key: string): void }>().not.toExtend<PersistStorage>();
expectTypeOf<{ getItem(key: string): string | null; setItem(key: string, value: string): void }>().not.toExtend<PersistStorage>();

// The factories.
expectTypeOf(createMemoryStorage).toEqualTypeOf<() => PersistStorage>();
expectTypeOf(createIndexedDBStorage).toEqualTypeOf<(options?: IndexedDBStorageOptions) => PersistStorage>();
expectTypeOf<IndexedDBStorageOptions>().toEqualTypeOf<{ dbName?: string; storeName?: string }>();
// @ts-expect-error -- an unknown option is a typo
createIndexedDBStorage({ databaseName: "app" });
