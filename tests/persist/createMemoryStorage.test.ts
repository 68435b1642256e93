import { describe, expect, it } from "vitest";
import { createMemoryStorage as createStorage } from "../../src/persist/createMemoryStorage";
import { describeStorageConformance } from "../__fixtures__/storageConformance";

/** What `createMemoryStorage` returns: a `PersistStorage` that answers synchronously (checked below). */
interface SyncStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}
const createMemoryStorage = () => createStorage() as SyncStorage;

describeStorageConformance("createMemoryStorage", { create: createStorage });

describe("createMemoryStorage", () => {
  it("answers synchronously, as localStorage does", () => {
    const storage = createMemoryStorage();
    expect(storage.setItem("k", "v")).toBeUndefined();
    expect(storage.getItem("k")).toBe("v");
    expect(storage.removeItem("k")).toBeUndefined();
    expect(storage.getItem("k")).toBeNull();
  });

  it("gives each call a store of its own", () => {
    const first = createMemoryStorage();
    const second = createMemoryStorage();
    first.setItem("k", "first");
    expect(second.getItem("k")).toBeNull();
    second.setItem("k", "second");
    expect(first.getItem("k")).toBe("first");
  });

  it("stores what it is given as a string, as localStorage does for untyped callers", () => {
    const storage = createMemoryStorage();
    storage.setItem("n", 42 as unknown as string);
    storage.setItem(7 as unknown as string, "seven");
    expect(storage.getItem("n")).toBe("42");
    expect(storage.getItem("7")).toBe("seven");
  });
});
