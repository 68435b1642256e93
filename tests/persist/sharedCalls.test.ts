/**
 * The server calls of persisted managers shared by receipt within a `QueryClient`: a remount that
 * restores a change the previous manager sent joins its call. Here the persistence chunk loads
 * slowly (as a chunk downloaded on first use does): a change the user makes before it has loaded
 * is sent at once, and still joined.
 */
import { environmentManager } from "@tanstack/query-core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { expectJoinedCreate, persistedOnOneClient, readStored } from "../__fixtures__/offlineFlow";
import { cleanup } from "../__fixtures__/testHelpers";

/** Opens the persistence chunk: until then, importing it waits (the real module loads after). */
const chunk = vi.hoisted(() => {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
});
vi.mock("../../src/persist/attachPersist", async (importOriginal) => {
  await chunk.opened;
  return importOriginal();
});

environmentManager.setIsServer(() => false);
afterEach(cleanup);

const key = "todos";

describe("a change made before the persistence chunk loaded", () => {
  it("is sent at once, and a remount on the same client that restores it joins its call: sent once, shown once", async () => {
    const persisted = persistedOnOneClient(key);
    const { backend, storage, make } = persisted;
    const first = make();
    void first.actions.create({ title: "D" }).catch(() => undefined);
    // Sent while the chunk has not loaded.
    const request = await backend.nextRequest("create");
    chunk.open();
    await first.ready;
    (await backend.nextRequest("query")).resolve();
    await vi.waitFor(async () => expect((await readStored(storage, key))?.changes.map((change) => change.mutationId)).toEqual([request.receipt?.mutationId]));
    first.destroy();
    await expectJoinedCreate(make(), request, persisted);
  });
});
