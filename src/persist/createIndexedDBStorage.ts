import { OptimisticError } from "../core/errors";
import type { PersistStorage } from "./PersistStorage";

/** Options of `createIndexedDBStorage`. */
export interface IndexedDBStorageOptions {
  /** Name of the IndexedDB database (default `"mobx-tanstack-optimistic"`). Storages with the same `dbName` and `storeName` share their data. */
  dbName?: string;
  /** Name of the object store in that database (default `"persist"`); added by an upgrade when the database exists without it. */
  storeName?: string;
}

/**
 * An asynchronous storage in IndexedDB: one object store of strings keyed by strings. Suits
 * browsers: large states (no 5 MB limit as in `localStorage`), and writes that do not block the
 * page.
 *
 * Nothing happens until the first call: it opens the database (creating it, or adding the object
 * store by an upgrade), and later calls reuse that connection. The connection closes when another
 * tab upgrades or deletes the database, so that tab never waits, and the next call reopens it.
 * A call that fails (IndexedDB missing, as in server-side rendering or some private browsing
 * modes; a full quota; a database that another tab keeps open at an older version; an open
 * request unanswered for 10 seconds) rejects with an `OptimisticError` whose `cause` is the
 * browser's error, if any; no call throws synchronously or waits forever. A stored value that is
 * not a string (written by other code) reads as `null`.
 *
 * @example
 * ```ts
 * import { createIndexedDBStorage } from "mobx-tanstack-optimistic/persist";
 *
 * const storage = createIndexedDBStorage({ dbName: "my-app" });
 * await storage.setItem("todos", JSON.stringify({ schemaVersion: 1 }));
 * const stored = await storage.getItem("todos"); // the same string, or null
 * ```
 */
export function createIndexedDBStorage({ dbName = "mobx-tanstack-optimistic", storeName = "persist" }: IndexedDBStorageOptions = {}): PersistStorage {
  /** The connection, opened on first use; `undefined` again once it closes or fails to open. */
  let connection: Promise<IDBDatabase> | undefined;
  /** Set while an open request that was given up on (blocked, unanswered) is pending: new opens would queue behind it. */
  let stuck: Error | undefined;

  const fail = (what: string, cause?: unknown): Error =>
    // String(error) is "name: message" for an Error or a DOMException.
    new OptimisticError(`IndexedDB "${dbName}/${storeName}": ${what}${cause ? `: ${String(cause)}` : ""}`, { cause });

  const open = (factory: IDBFactory, version?: number) =>
    new Promise<IDBDatabase>((resolve, reject) => {
      const request = factory.open(dbName, version);
      let pending = true;
      const giveUp = (message: string) => {
        clearTimeout(timer);
        if (pending) reject((stuck = fail(message)));
        pending = false;
      };
      const timer = setTimeout(giveUp, 1e4, "no answer to open in 10 s");
      // In Node (fake-indexeddb, SSR) the wait must not keep the process running; a browser's timer is a number.
      (timer as { unref?: () => void }).unref?.();
      request.onupgradeneeded = () => {
        if (!request.result.objectStoreNames.contains(storeName)) request.result.createObjectStore(storeName);
      };
      request.onblocked = () => giveUp("upgrade blocked by another tab; close it");
      request.onerror = () => {
        clearTimeout(timer);
        if (pending) reject(request.error);
        pending = false;
        stuck = undefined;
      };
      request.onsuccess = () => {
        clearTimeout(timer);
        // Answered after it was given up on: let it go; the next call opens afresh.
        if (pending) resolve(request.result);
        else request.result.close();
        pending = false;
        stuck = undefined;
      };
    });

  async function connect(): Promise<IDBDatabase> {
    const factory = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
    if (!factory) throw fail("no IndexedDB here (SSR? private mode?)");
    let version: number | undefined;
    for (let attempt = 0; attempt < 5; attempt++) {
      const db = await open(factory, version).catch((error: unknown) => {
        // Another tab raised the version between our two opens: open the current one.
        if ((error as Error | null)?.name !== "VersionError") throw error;
      });
      if (db?.objectStoreNames.contains(storeName)) {
        // Another tab upgrades or deletes the database, or the browser closed it: let go, reopen on the next call.
        db.onversionchange = db.onclose = () => {
          connection = undefined;
          db.close();
        };
        return db;
      }
      // The database exists without this object store (another storeName shares it): add it.
      db?.close();
      version = db ? db.version + 1 : undefined;
    }
    throw fail("cannot add the object store");
  }

  const database = (): Promise<IDBDatabase> =>
    stuck
      ? Promise.reject(stuck)
      : (connection ??= connect().catch((error: unknown) => {
          connection = undefined;
          throw error;
        }));

  async function run<T>(what: string, mode: IDBTransactionMode, operation: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
    try {
      const db = await database();
      return await new Promise<T>((resolve, reject) => {
        // Throws when the connection is closing: a close event follows, and the next call reopens.
        const transaction = db.transaction(storeName, mode);
        const request = operation(transaction.objectStore(storeName));
        // Settled by the transaction, not the request: a write is durable once it commits.
        transaction.oncomplete = () => resolve(request.result);
        transaction.onabort = () => reject(transaction.error ?? request.error);
      });
    } catch (error) {
      throw error instanceof OptimisticError ? error : fail(`${what} failed`, error);
    }
  }

  return {
    // A value that is not a string (written by something else) reads as missing.
    getItem: (key) => run(`getItem("${key}")`, "readonly", (store) => store.get(String(key))).then((value: unknown) => (typeof value === "string" ? value : null)),
    setItem: (key, value) => run(`setItem("${key}")`, "readwrite", (store) => store.put(String(value), String(key))).then(() => {}),
    removeItem: (key) => run(`removeItem("${key}")`, "readwrite", (store) => store.delete(String(key))),
  };
}
