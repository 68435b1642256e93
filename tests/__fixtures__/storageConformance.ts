/**
 * The behaviour every `PersistStorage` shares, run once per kind: the memory storage, a real
 * `localStorage` (jsdom) and `createIndexedDBStorage` (fake-indexeddb). A storage may answer
 * synchronously or with a promise, and may fail by throwing or by rejecting: every call goes
 * through `settle`, as a caller that accepts any `PersistStorage` must.
 */
import { describe, expect, it } from "vitest";
import type { PersistStorage } from "../../src/persist/PersistStorage";

/** How one kind of storage is set up for the suite. */
export interface StorageSubject {
  /** A storage with nothing stored in it. */
  create: () => PersistStorage;
  /** Another handle on the same data as `storage` (another tab or instance), for kinds that have one. */
  sibling?: (storage: PersistStorage) => PersistStorage;
  /** Starts a write to `key` that fails the way this kind fails (a full quota), for kinds that can fail. */
  failingWrite?: (storage: PersistStorage, key: string) => void | Promise<void>;
}

/** A call's result as a promise, whether the storage answered synchronously, threw or rejected. */
export const settle = async <T>(call: () => T | Promise<T>): Promise<T> => call();

/** Text that a careless encoding would break: astral emoji, a ZWJ sequence, combining marks, RTL, CJK, NUL, U+2028, quotes. */
export const UNICODE_TEXT = 'emoji 😀 family 👨‍👩‍👧 e\u0301 ש\u05c1לום 漢字 nul\u0000 ls\u2028ps\u2029 "quoted" \\ back';

export function describeStorageConformance(kind: string, subject: StorageSubject): void {
  describe(`${kind}: PersistStorage conformance`, () => {
    it("answers null for a key never set", async () => {
      const storage = subject.create();
      await expect(settle(() => storage.getItem("never-set"))).resolves.toBeNull();
    });

    it("returns exactly the string that was set, the empty string included", async () => {
      const storage = subject.create();
      const values = { json: '{"schemaVersion":1,"entities":[]}', empty: "", spaces: "  padded  ", null: "null", undefined: "undefined" };
      for (const [key, value] of Object.entries(values)) await settle(() => storage.setItem(key, value));
      for (const [key, value] of Object.entries(values)) await expect(settle(() => storage.getItem(key))).resolves.toBe(value);
    });

    it("overwrites: the last write wins, also when writes are not awaited one by one", async () => {
      const storage = subject.create();
      await settle(() => storage.setItem("k", "first"));
      await settle(() => storage.setItem("k", "second"));
      await expect(settle(() => storage.getItem("k"))).resolves.toBe("second");

      await Promise.all(["a", "b", "c", "d"].map((value) => settle(() => storage.setItem("k", value))));
      await expect(settle(() => storage.getItem("k"))).resolves.toBe("d");
    });

    it("removes a key and keeps the others; removing a missing key is not an error", async () => {
      const storage = subject.create();
      await settle(() => storage.setItem("one", "1"));
      await settle(() => storage.setItem("two", "2"));
      await settle(() => storage.removeItem("one"));
      await expect(settle(() => storage.removeItem("one"))).resolves.toBeUndefined();
      await expect(settle(() => storage.removeItem("never-set"))).resolves.toBeUndefined();
      await expect(settle(() => storage.getItem("one"))).resolves.toBeNull();
      await expect(settle(() => storage.getItem("two"))).resolves.toBe("2");
      await settle(() => storage.setItem("one", "again"));
      await expect(settle(() => storage.getItem("one"))).resolves.toBe("again");
    });

    it("keeps keys exact: case, surrounding spaces, names of Object.prototype, unicode", async () => {
      const storage = subject.create();
      const keys = ["key", "Key", " key ", "__proto__", "constructor", "toString", "hasOwnProperty", "ключ 🔑", ""];
      for (const key of keys) await settle(() => storage.setItem(key, `value of [${key}]`));
      for (const key of keys) await expect(settle(() => storage.getItem(key))).resolves.toBe(`value of [${key}]`);
      await expect(settle(() => storage.getItem("valueOf"))).resolves.toBeNull();
    });

    it("stores a large value whole (2 million characters of JSON)", async () => {
      const storage = subject.create();
      const entities = Array.from({ length: 20_000 }, (_, index) => ({ id: `todo-${index}`, title: `Title ${index} ${UNICODE_TEXT.slice(0, 20)}`, done: index % 2 === 0 }));
      let value = JSON.stringify({ schemaVersion: 1, entities });
      value += " ".repeat(Math.max(0, 2_000_000 - value.length));
      expect(value.length).toBeGreaterThanOrEqual(2_000_000);
      await settle(() => storage.setItem("large", value));
      const stored = await settle(() => storage.getItem("large"));
      expect(stored?.length).toBe(value.length);
      expect(stored === value).toBe(true);
    });

    it("keeps unicode text exactly, in values and through JSON", async () => {
      const storage = subject.create();
      const json = JSON.stringify({ title: UNICODE_TEXT, lone: "\ud83d" });
      await settle(() => storage.setItem("text", UNICODE_TEXT));
      await settle(() => storage.setItem("json", json));
      await expect(settle(() => storage.getItem("text"))).resolves.toBe(UNICODE_TEXT);
      const stored = await settle(() => storage.getItem("json"));
      expect(stored).toBe(json);
      expect(JSON.parse(stored ?? "null")).toEqual({ title: UNICODE_TEXT, lone: "\ud83d" });
    });

    const { sibling, failingWrite } = subject;
    if (sibling) {
      it("shares its data with a second instance on the same database (another tab)", async () => {
        const first = subject.create();
        const second = sibling(first);
        await settle(() => first.setItem("shared", "from the first"));
        await expect(settle(() => second.getItem("shared"))).resolves.toBe("from the first");
        await settle(() => second.setItem("shared", "from the second"));
        await expect(settle(() => first.getItem("shared"))).resolves.toBe("from the second");
        await settle(() => second.removeItem("shared"));
        await expect(settle(() => first.getItem("shared"))).resolves.toBeNull();
      });
    }

    if (failingWrite) {
      it("fails a write it cannot store with an error, keeping the previous value and working afterwards", async () => {
        const storage = subject.create();
        await settle(() => storage.setItem("k", "previous"));
        const error = await settle(() => failingWrite(storage, "k")).then(
          () => undefined,
          (reason: unknown) => reason,
        );
        // An Error, or a DOMException of another realm (jsdom's): a name and a message either way.
        expect(error).toMatchObject({ name: expect.any(String), message: expect.stringMatching(/quota/i) });
        await expect(settle(() => storage.getItem("k"))).resolves.toBe("previous");
        await settle(() => storage.setItem("k", "next"));
        await expect(settle(() => storage.getItem("k"))).resolves.toBe("next");
      });
    }
  });
}
