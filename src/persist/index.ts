export type { PersistStorage } from "./PersistStorage";
export { createMemoryStorage } from "./createMemoryStorage";
export { createIndexedDBStorage } from "./createIndexedDBStorage";
export type { IndexedDBStorageOptions } from "./createIndexedDBStorage";
