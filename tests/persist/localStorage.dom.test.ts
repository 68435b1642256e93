/**
 * The browser's own `localStorage` (jsdom's, with its 5,000,000-code-unit quota) passes the
 * suite every `PersistStorage` passes: `persist: { storage: localStorage }` needs no adapter.
 */
import { beforeEach } from "vitest";
import { describeStorageConformance } from "../__fixtures__/storageConformance";

beforeEach(() => localStorage.clear());

describeStorageConformance("localStorage (jsdom)", {
  create: () => localStorage,
  // Over the quota: localStorage throws a QuotaExceededError synchronously.
  failingWrite: (storage, key) => storage.setItem(key, "x".repeat(5_000_001)),
});
