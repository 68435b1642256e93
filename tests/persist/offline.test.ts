/**
 * The offline queue and persistence of a manager (issue 12), on the memory storage and on
 * createIndexedDBStorage over fake-indexeddb; jsdom's localStorage runs the same flow in
 * offline.dom.test.ts.
 */
import { environmentManager } from "@tanstack/query-core";
import { IDBFactory } from "fake-indexeddb";
import { afterEach, beforeEach, vi } from "vitest";
import { createIndexedDBStorage, createMemoryStorage } from "../../src/persist";
import { describeOfflineFlow } from "../__fixtures__/offlineFlow";

environmentManager.setIsServer(() => false);

describeOfflineFlow("createMemoryStorage()", () => createMemoryStorage());

beforeEach(() => vi.stubGlobal("indexedDB", new IDBFactory()));
afterEach(() => vi.unstubAllGlobals());
describeOfflineFlow("createIndexedDBStorage() on fake-indexeddb", () => createIndexedDBStorage({ dbName: "offline-flow" }));
