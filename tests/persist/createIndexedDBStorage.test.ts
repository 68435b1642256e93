/**
 * `createIndexedDBStorage` on fake-indexeddb, a full IndexedDB in memory: a fresh `IDBFactory`
 * per test stands in for a fresh browser profile. The failure modes a real browser has and
 * fake-indexeddb lacks (an open request that never answers, an open that errors) use a stub factory.
 */
import { forceCloseDatabase, IDBDatabase, IDBFactory, IDBObjectStore } from "fake-indexeddb";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { OptimisticError } from "../../src/core/errors";
import { createIndexedDBStorage as createStorage, type IndexedDBStorageOptions } from "../../src/persist/createIndexedDBStorage";
import type { PersistStorage } from "../../src/persist/PersistStorage";
import { describeStorageConformance } from "../__fixtures__/storageConformance";

/** What `createIndexedDBStorage` returns: a `PersistStorage` whose every answer is a promise (the tests check it never throws). */
interface AsyncStorage {
  getItem(key: string): Promise<string | null>;
  setItem(key: string, value: string): Promise<void>;
  removeItem(key: string): Promise<void>;
}
const createIndexedDBStorage = (options?: IndexedDBStorageOptions) => createStorage(options) as AsyncStorage;

let factory: IDBFactory;
let databases = 0;
const optionsOf = new WeakMap<PersistStorage, IndexedDBStorageOptions>();

beforeEach(() => {
  factory = new IDBFactory();
  vi.stubGlobal("indexedDB", factory);
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

/** A storage on a database of its own, remembered so that a sibling can open the same one. */
function isolatedStorage(): PersistStorage {
  const options = { dbName: `conformance-${++databases}` };
  const storage = createIndexedDBStorage(options);
  optionsOf.set(storage, options);
  return storage;
}

describeStorageConformance("createIndexedDBStorage (fake-indexeddb)", {
  create: isolatedStorage,
  sibling: (storage) => createIndexedDBStorage(optionsOf.get(storage)),
  // fake-indexeddb has no quota: fail the put the way a full browser profile does.
  failingWrite: (storage, key) => {
    vi.spyOn(IDBObjectStore.prototype, "put").mockImplementationOnce(() => {
      throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
    });
    return storage.setItem(key, "does not fit");
  },
});

/** Every connection opened through `factory.open` (the storage's and the test's own). */
function trackOpens(): { calls: () => number; connections: IDBDatabase[] } {
  const connections: IDBDatabase[] = [];
  const open = factory.open.bind(factory);
  const spy = vi.spyOn(factory, "open").mockImplementation((name: string, version?: number) => {
    const request = open(name, version);
    request.addEventListener("success", () => connections.push(request.result));
    return request;
  });
  return { calls: () => spy.mock.calls.length, connections };
}

/** Opens `name` directly, as another tab or library would, resolving with the connection. */
function openRaw(name: string, version?: number, upgrade?: (db: IDBDatabase) => void): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = factory.open(name, version);
    request.onupgradeneeded = () => upgrade?.(request.result);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error("open failed"));
    request.onblocked = () => reject(new Error(`opening ${name} was blocked`));
  });
}

function rawRequest<T>(make: () => IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const request = make();
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error("request failed"));
  });
}

/** Retries `call` until it resolves (an upgrade another connection held up goes on in the background). */
async function eventually<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt === 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

/** A factory whose open requests answer only when the test fires their handlers by hand. */
function handFactory() {
  type HandRequest = { [handler: string]: unknown; result?: unknown; error?: unknown };
  const requests: HandRequest[] = [];
  const stub = { open: vi.fn(() => requests.push({}) && requests.at(-1)) };
  const fire = (request: HandRequest | undefined, handler: string) => (request?.[handler] as () => void)();
  return { stub: stub as unknown as IDBFactory, requests, fire };
}

describe("createIndexedDBStorage", () => {
  it("opens nothing until the first call, then one connection for every call, on the default database and object store", async () => {
    const opens = trackOpens();
    const storage = createIndexedDBStorage();
    await expect(factory.databases()).resolves.toEqual([]);
    expect(opens.calls()).toBe(0);

    await storage.setItem("todos", "[1]");
    await storage.setItem("posts", "[2]");
    await storage.removeItem("posts");
    await expect(storage.getItem("todos")).resolves.toBe("[1]");
    await Promise.all([storage.getItem("todos"), storage.setItem("x", "y"), storage.getItem("x")]);
    expect(opens.calls()).toBe(1);

    await expect(factory.databases()).resolves.toEqual([{ name: "mobx-tanstack-optimistic", version: 1 }]);
    const db = await openRaw("mobx-tanstack-optimistic");
    expect(Array.from(db.objectStoreNames)).toEqual(["persist"]);
    await expect(rawRequest(() => db.transaction("persist").objectStore("persist").get("todos"))).resolves.toBe("[1]");
    db.close();
  });

  it("adds its object store to a database that lacks it, and a storage on the other store goes on working", async () => {
    const first = createIndexedDBStorage({ dbName: "shared", storeName: "first" });
    await first.setItem("k", "in first");
    const second = createIndexedDBStorage({ dbName: "shared", storeName: "second" });
    await second.setItem("k", "in second");

    await expect(first.getItem("k")).resolves.toBe("in first");
    await expect(second.getItem("k")).resolves.toBe("in second");
    await expect(factory.databases()).resolves.toEqual([{ name: "shared", version: 2 }]);
  });

  it("opens storages on three object stores of one new database at the same time", async () => {
    const storages = ["a", "b", "c"].map((storeName) => createIndexedDBStorage({ dbName: "busy", storeName }));
    await Promise.all(storages.map((storage, index) => storage.setItem("k", `value ${index}`)));
    await expect(Promise.all(storages.map((storage) => storage.getItem("k")))).resolves.toEqual(["value 0", "value 1", "value 2"]);
  });

  it("lets another tab upgrade the database at once (its connection closes) and reopens on the next call", async () => {
    const opens = trackOpens();
    const storage = createIndexedDBStorage({ dbName: "upgraded" });
    await storage.setItem("k", "before");

    const other = await openRaw("upgraded", 7, (db) => db.createObjectStore("other"));
    other.close();

    await expect(storage.getItem("k")).resolves.toBe("before");
    await storage.setItem("k", "after");
    await expect(storage.getItem("k")).resolves.toBe("after");
    expect(opens.connections.filter((db) => db.version === 7)).toHaveLength(2);
  });

  it("lets another tab delete the database, and starts afresh on the next call", async () => {
    const storage = createIndexedDBStorage({ dbName: "deleted" });
    await storage.setItem("k", "gone soon");
    const blocked = vi.fn();
    await new Promise((resolve, reject) => {
      const request = factory.deleteDatabase("deleted");
      request.onblocked = blocked;
      request.onsuccess = resolve;
      request.onerror = reject;
    });
    expect(blocked).not.toHaveBeenCalled();

    await expect(storage.getItem("k")).resolves.toBeNull();
    await storage.setItem("k", "new");
    await expect(storage.getItem("k")).resolves.toBe("new");
  });

  it("reopens after the browser closes the connection (storage cleared in DevTools)", async () => {
    const opens = trackOpens();
    const storage = createIndexedDBStorage({ dbName: "forced" });
    await storage.setItem("k", "v");
    forceCloseDatabase(opens.connections[0] as unknown as typeof IDBDatabase);

    await expect(storage.getItem("k")).resolves.toBe("v");
    expect(opens.calls()).toBe(2);
  });

  it("rejects when the connection is closing, with a clear OptimisticError, and goes on working", async () => {
    const storage = createIndexedDBStorage({ dbName: "closing" });
    await storage.setItem("k", "v");
    vi.spyOn(IDBDatabase.prototype, "transaction").mockImplementationOnce(() => {
      throw new DOMException("The database connection is closing.", "InvalidStateError");
    });
    const error = await storage.setItem("k", "w").catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OptimisticError);
    expect(error).toMatchObject({
      name: "OptimisticError",
      message: 'IndexedDB "closing/persist": setItem("k") failed: InvalidStateError: The database connection is closing.',
      cause: expect.objectContaining({ name: "InvalidStateError" }),
    });
    await expect(storage.getItem("k")).resolves.toBe("v");
  });

  it("rejects when its transaction is aborted, and the previous value stays", async () => {
    const storage = createIndexedDBStorage({ dbName: "aborted" });
    await storage.setItem("k", "kept");
    const put = IDBObjectStore.prototype.put;
    vi.spyOn(IDBObjectStore.prototype, "put").mockImplementationOnce(function (this: IDBObjectStore, ...args) {
      const request = put.apply(this, args);
      this.transaction.abort();
      return request;
    });
    await expect(storage.setItem("k", "lost")).rejects.toThrow(/^IndexedDB "aborted\/persist": setItem\("k"\) failed: AbortError/);
    await expect(storage.getItem("k")).resolves.toBe("kept");
  });

  it("rejects, never throws, when there is no IndexedDB (server-side rendering, some private modes), and works once there is", async () => {
    vi.stubGlobal("indexedDB", undefined);
    const storage = createIndexedDBStorage();
    const calls: Promise<unknown>[] = [];
    expect(() => calls.push(storage.getItem("k"), storage.setItem("k", "v"), storage.removeItem("k"))).not.toThrow();
    for (const call of calls) {
      await expect(call).rejects.toThrow(OptimisticError);
      await expect(call).rejects.toThrow('IndexedDB "mobx-tanstack-optimistic/persist": no IndexedDB here (SSR? private mode?)');
    }

    vi.stubGlobal("indexedDB", factory);
    await storage.setItem("k", "v");
    await expect(storage.getItem("k")).resolves.toBe("v");
  });

  it("rejects when opening throws (a SecurityError on an opaque origin)", async () => {
    vi.spyOn(factory, "open").mockImplementation(() => {
      throw new DOMException("Access to the IndexedDB API is denied in this context.", "SecurityError");
    });
    const error = await createIndexedDBStorage()
      .getItem("k")
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OptimisticError);
    expect((error as Error).message).toBe('IndexedDB "mobx-tanstack-optimistic/persist": getItem("k") failed: SecurityError: Access to the IndexedDB API is denied in this context.');
    expect((error as Error).cause).toMatchObject({ name: "SecurityError" });
  });

  it("rejects when the open request fails (an UnknownError of a broken profile)", async () => {
    const hand = handFactory();
    vi.stubGlobal("indexedDB", hand.stub);
    const pending = createIndexedDBStorage().setItem("k", "v");
    const request = hand.requests[0];
    expect(request).toBeDefined();
    if (request) request.error = new DOMException("Internal error opening backing store.", "UnknownError");
    hand.fire(request, "onerror");
    await expect(pending).rejects.toThrow('setItem("k") failed: UnknownError: Internal error opening backing store.');
  });

  it("rejects while another connection blocks the upgrade that adds its store, without queueing more opens, and recovers once it closes", async () => {
    // An old tab: holds the database open and ignores "versionchange".
    const old = await openRaw("blocked", 1, (db) => db.createObjectStore("old"));
    const opens = trackOpens();
    const storage = createIndexedDBStorage({ dbName: "blocked", storeName: "new" });

    await expect(storage.setItem("k", "v")).rejects.toThrow('IndexedDB "blocked/new": upgrade blocked by another tab; close it');
    const opensWhileBlocked = opens.calls();
    await expect(storage.getItem("k")).rejects.toThrow("upgrade blocked by another tab");
    expect(opens.calls()).toBe(opensWhileBlocked);

    old.close();
    await eventually(() => storage.setItem("k", "v"));
    await expect(storage.getItem("k")).resolves.toBe("v");
    expect(Array.from((await openRaw("blocked")).objectStoreNames)).toEqual(["new", "old"]);
  });

  it("gives up on an open request unanswered for 10 seconds, fails fast while it is pending, and opens again once it answers", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const hand = handFactory();
    vi.stubGlobal("indexedDB", hand.stub);
    const storage = createIndexedDBStorage();
    const pending = storage.getItem("k");
    const rejected = expect(pending).rejects.toThrow('IndexedDB "mobx-tanstack-optimistic/persist": no answer to open in 10 s');
    await vi.advanceTimersByTimeAsync(9_999);
    let settled = false;
    pending.catch(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await rejected;

    await expect(storage.setItem("k", "v")).rejects.toThrow("no answer to open in 10 s");
    expect(hand.stub.open).toHaveBeenCalledTimes(1);

    // The browser answers at last: that connection is closed, and the next call opens a real one.
    const late = { close: vi.fn() };
    const request = hand.requests[0];
    if (request) request.result = late;
    hand.fire(request, "onsuccess");
    expect(late.close).toHaveBeenCalled();
    vi.stubGlobal("indexedDB", factory);
    await storage.setItem("k", "v");
    await expect(storage.getItem("k")).resolves.toBe("v");
  });

  it("keeps no Node process running while an open request waits for its answer (its 10 s timer is unref'd)", async () => {
    const hand = handFactory();
    vi.stubGlobal("indexedDB", hand.stub);
    const timers: ReturnType<typeof setTimeout>[] = [];
    const realSet = globalThis.setTimeout;
    vi.spyOn(globalThis, "setTimeout").mockImplementation(((...args: Parameters<typeof setTimeout>) => {
      const timer = realSet(...args);
      timers.push(timer);
      return timer;
    }) as typeof setTimeout);
    const storage = createIndexedDBStorage();
    const pending = storage.getItem("k");
    expect(hand.stub.open).toHaveBeenCalledTimes(1);
    expect(timers).toHaveLength(1);
    expect(timers[0]?.hasRef()).toBe(false);
    // The request fails at last: the call rejects, and the timer is cleared.
    const request = hand.requests[0];
    if (request) request.error = new DOMException("broken profile", "UnknownError");
    hand.fire(request, "onerror");
    await expect(pending).rejects.toThrow(OptimisticError);
  });

  it("reopens at the current version when another tab raised it between its two opens", async () => {
    (await openRaw("raced", 3, (db) => db.createObjectStore("other"))).close();
    const open = factory.open.bind(factory);
    const spy = vi.spyOn(factory, "open");
    // Second open (the upgrade to 4): another tab gets to version 6 first, so ours fails with a VersionError.
    spy.mockImplementationOnce((name, version) => open(name, version)).mockImplementationOnce((name, version) => {
      openRaw("raced", 6).then((db) => db.close(), () => undefined);
      return open(name, version);
    });
    spy.mockImplementation((name, version) => open(name, version));

    const storage = createIndexedDBStorage({ dbName: "raced" });
    await storage.setItem("k", "v");
    await expect(storage.getItem("k")).resolves.toBe("v");
    // Ours: undefined (version 3, no store), 4 (VersionError), undefined (version 6), 7; the other tab's: 6.
    expect(spy.mock.calls.map(([, version]) => version)).toEqual([undefined, 4, 6, undefined, 7]);
  });

  it("reads a value in its object store that is not a string (written by something else) as missing", async () => {
    const storage = createIndexedDBStorage({ dbName: "foreign" });
    await storage.setItem("k", "v");
    const db = await openRaw("foreign");
    await rawRequest(() => db.transaction("persist", "readwrite").objectStore("persist").put({ not: "a string" }, "k"));
    db.close();
    await expect(storage.getItem("k")).resolves.toBeNull();
  });

  it("keeps its database's name and object store's name as given", async () => {
    const storage = createIndexedDBStorage({ dbName: "app", storeName: "offline" });
    await storage.setItem("k", "v");
    await expect(factory.databases()).resolves.toEqual([{ name: "app", version: 1 }]);
    const db = await openRaw("app");
    expect(Array.from(db.objectStoreNames)).toEqual(["offline"]);
    db.close();
  });

  it("touches no IndexedDB when its module is imported or a storage is created", async () => {
    const read = vi.fn(() => factory);
    vi.stubGlobal("indexedDB", undefined);
    Object.defineProperty(globalThis, "indexedDB", { get: read, configurable: true });
    vi.resetModules();
    const entry = await import("../../src/persist");
    entry.createIndexedDBStorage();
    entry.createMemoryStorage();
    expect(read).not.toHaveBeenCalled();
  });
});
