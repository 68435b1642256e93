import { OptimisticConfigError, OptimisticError } from "../core/errors";
import type { PersistStorage } from "./PersistStorage";

/** Options of `createIndexedDBStorage`. */
export interface IndexedDBStorageOptions {
  /** Name of the IndexedDB database (default `"mobx-tanstack-optimistic"`). Storages with the same `dbName` and `storeName` share their data. */
  dbName?: string;
  /** Name of the object store in that database (default `"persist"`); added by an upgrade when the database exists without it. */
  storeName?: string;
}

/** How long an open request may go unanswered (a browser bug, a queue behind a blocked upgrade) before calls reject. */
const OPEN_TIMEOUT_MS = 10_000;
/** Opens in a row before giving up when other connections keep changing the database's version. */
const OPEN_ATTEMPTS = 5;

type Failure = { name?: unknown; message?: unknown };

const nameOf = (error: unknown): unknown => (error as Failure | null)?.name;

/**
 * An asynchronous storage in IndexedDB: one object store of strings keyed by strings. Suits
 * browsers (large states, no 5 MB limit as in `localStorage`, writes off the main thread).
 *
 * Nothing happens until the first call: it opens the database (creating it, or adding the object
 * store by an upgrade), and later calls reuse that connection. The connection closes when another
 * tab upgrades or deletes the database, so that tab is never blocked, and the next call reopens it.
 * A call that fails (IndexedDB missing, as in server-side rendering or some private browsing
 * modes; a full quota; a database that another tab keeps open at an older version; an open
 * request unanswered for 10 seconds) rejects with an `OptimisticError` whose `cause` is the
 * browser's error; no call throws synchronously or waits forever.
 *
 * @throws OptimisticConfigError when `dbName` or `storeName` is given but is not a non-empty string.
 * @example
 * ```ts
 * import { createIndexedDBStorage } from "mobx-tanstack-optimistic/persist";
 *
 * const storage = createIndexedDBStorage({ dbName: "my-app" });
 * await storage.setItem("todos", JSON.stringify({ schemaVersion: 1 }));
 * const stored = await storage.getItem("todos"); // the same string, or null
 * ```
 */
export function createIndexedDBStorage(options: IndexedDBStorageOptions = {}): PersistStorage {
  const name = (option: "dbName" | "storeName", fallback: string): string => {
    const value: unknown = options[option];
    if (value === undefined) return fallback;
    if (typeof value === "string" && value !== "") return value;
    throw new OptimisticConfigError(`createIndexedDBStorage: options.${option} must be a non-empty string (got ${typeof value === "string" ? "an empty string" : typeof value}); leave it out for "${fallback}".`);
  };
  const dbName = name("dbName", "mobx-tanstack-optimistic");
  const storeName = name("storeName", "persist");

  /** The connection, opened on first use; `undefined` again once it closes or fails to open. */
  let connection: Promise<IDBDatabase> | undefined;
  let open: IDBDatabase | undefined;
  /** Set while an open request that was given up on (blocked, unanswered) is still pending: new ones would queue behind it. */
  let stuck: Error | undefined;

  const fail = (what: string, cause?: unknown, hint = ""): Error => {
    const reason = cause === undefined ? "" : `: ${String(nameOf(cause) ?? "Error")}: ${String((cause as Failure).message ?? cause)}`;
    if (nameOf(cause) === "QuotaExceededError") hint ||= " The browser's storage quota is full: free some space or store less.";
    return new OptimisticError(`IndexedDB storage (database "${dbName}", object store "${storeName}"): ${what}${reason}.${hint}`, { cause });
  };

  const forget = (db: IDBDatabase): void => {
    if (open === db) open = connection = undefined;
    db.close();
  };

  function request(factory: IDBFactory, version: number | undefined): Promise<IDBDatabase> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const giveUp = (error: Error) => {
        settled = true;
        clearTimeout(timer);
        reject(error);
      };
      let request: IDBOpenDBRequest;
      try {
        request = factory.open(dbName, version);
      } catch (error) {
        // A SecurityError (opaque origins, storage disabled) or a TypeError from an odd factory.
        reject(fail("opening the database failed", error));
        return;
      }
      const timer = setTimeout(() => giveUp((stuck = fail(`opening the database got no answer in ${OPEN_TIMEOUT_MS / 1000} s`, undefined, " Calls fail until the browser answers; reloading the page may help."))), OPEN_TIMEOUT_MS);
      request.onupgradeneeded = () => {
        if (!request.result.objectStoreNames.contains(storeName)) request.result.createObjectStore(storeName);
      };
      request.onblocked = () => {
        stuck = fail(
          "adding the object store needs a database upgrade, and another connection keeps the database open",
          undefined,
          " Another tab of this app (an older version?) holds it: close that tab; calls work again once it is closed.",
        );
        giveUp(stuck);
      };
      request.onerror = () => {
        stuck = undefined;
        if (!settled) giveUp(fail("opening the database failed", request.error));
      };
      request.onsuccess = () => {
        const db = request.result;
        if (settled) {
          // Answered after it was given up on: the upgrade is done, let the next call open afresh.
          stuck = undefined;
          db.close();
          return;
        }
        settled = true;
        clearTimeout(timer);
        resolve(db);
      };
    });
  }

  async function connect(): Promise<IDBDatabase> {
    const factory = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
    if (!factory) throw fail("IndexedDB is not available here", undefined, " Server-side rendering and some private browsing modes have none: use createMemoryStorage() or localStorage there.");
    let version: number | undefined;
    for (let attempt = 1; ; attempt++) {
      let db: IDBDatabase;
      try {
        db = await request(factory, version);
      } catch (error) {
        // Another connection raised the version between our two opens: open the current one.
        if (nameOf((error as Error).cause) !== "VersionError" || attempt === OPEN_ATTEMPTS) throw error;
        version = undefined;
        continue;
      }
      if (db.objectStoreNames.contains(storeName)) {
        db.onversionchange = () => forget(db);
        db.onclose = () => forget(db);
        return (open = db);
      }
      // The database exists without this object store (another storeName shares it): add it.
      db.close();
      if (attempt === OPEN_ATTEMPTS) throw fail(`the object store is still missing after ${attempt} opens`);
      version = db.version + 1;
    }
  }

  function database(): Promise<IDBDatabase> {
    if (stuck) return Promise.reject(stuck);
    if (connection) return connection;
    const opening = connect();
    connection = opening;
    opening.catch(() => {
      if (connection === opening) connection = undefined;
    });
    return opening;
  }

  async function run<T>(mode: IDBTransactionMode, what: string, operation: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const db = await database();
      let transaction: IDBTransaction;
      try {
        transaction = db.transaction(storeName, mode);
      } catch (error) {
        // The connection is closing (or lost its object store): once more with a new one.
        forget(db);
        if (attempt === 1) continue;
        throw fail(`${what} failed`, error);
      }
      return new Promise<T>((resolve, reject) => {
        try {
          const request = operation(transaction.objectStore(storeName));
          // Settles on the transaction, not the request: a write is durable only once it commits.
          transaction.oncomplete = () => resolve(request.result);
          transaction.onabort = () => reject(fail(`${what} failed`, transaction.error ?? request.error ?? new Error("the transaction was aborted")));
        } catch (error) {
          reject(fail(`${what} failed`, error));
          transaction.abort();
        }
      });
    }
  }

  return {
    async getItem(key) {
      const what = `getItem(${JSON.stringify(key)})`;
      const value = await run("readonly", what, (store) => store.get(String(key)) as IDBRequest<unknown>);
      if (value === undefined) return null;
      if (typeof value === "string") return value;
      throw fail(`${what} found a ${typeof value}, not a string`, undefined, " Something other than this storage wrote to the object store.");
    },
    async setItem(key, value) {
      await run("readwrite", `setItem(${JSON.stringify(key)})`, (store) => store.put(String(value), String(key)));
    },
    async removeItem(key) {
      await run("readwrite", `removeItem(${JSON.stringify(key)})`, (store) => store.delete(String(key)));
    },
  };
}
