/**
 * Nothing is kept per created entity once it is gone: a long session of creates and removes holds
 * the memory it started with. Measured with the heap after a forced garbage collection.
 */
import { environmentManager } from "@tanstack/query-core";
import { afterEach, describe, expect, it } from "vitest";
import { createOptimisticStoreManager } from "../../src";
import { heapGrowth, heapUsed, instantTodos } from "../__fixtures__/heap";
import type { Todo } from "../__fixtures__/mockData";
import { cleanup, createTestQueryClient, nextMacrotask, onCleanup } from "../__fixtures__/testHelpers";

environmentManager.setIsServer(() => false);
afterEach(cleanup);

/** A server refusing every change. */
const refusing = {
  create: () => Promise.reject(new Error("Refused")),
  update: () => Promise.reject(new Error("Refused")),
  remove: () => Promise.reject(new Error("Refused")),
};

describe("memory", () => {
  it("keeps the heap flat over 30,000 create + remove cycles", async () => {
    const { manager } = instantTodos();
    const growth = await heapGrowth(
      async (count) => {
        for (let i = 0; i < count; i++) {
          const { id } = await manager.actions.create({ title: `todo ${i}` });
          await manager.actions.remove(id);
          if (i % 500 === 0) await nextMacrotask(); // lets query-core collect settled mutations
        }
      },
      2_000,
      30_000,
    );

    expect(manager.store.count).toBe(0);
    // Before bounding them, the alias and view-key maps alone grew by ~1.8 MB here.
    expect(growth).toBeLessThan(256 * 1024);
  }, 60_000);

  it("keeps the heap flat over 20,000 kept failed creates discarded (keepFailed)", async () => {
    let picked = 0;
    const manager = createOptimisticStoreManager<Todo>(
      {
        name: "todos",
        queryFn: () => Promise.resolve([]),
        mutations: refusing,
        transformer: false,
        keepFailed: true,
        // Every other create picks its own id (a UUID, say).
        optimisticDefaults: { createOptimisticUiData: (data: unknown) => ({ title: "", ...(data as object), id: picked % 2 === 0 ? "" : `c${picked}` }) as Todo },
      },
      createTestQueryClient(),
    );
    onCleanup(() => manager.destroy());
    const cycles = async (count: number) => {
      for (let i = 0; i < count; i++) {
        picked++;
        const created = manager.actions.create({ title: `todo ${i}` });
        const id = manager.store.list[manager.store.list.length - 1]!.id;
        await created.catch(() => undefined);
        manager.store.writeStatus(id)!.discard();
        if (i % 500 === 0) await nextMacrotask();
      }
    };
    const growth = await heapGrowth(cycles, 2_000, 20_000);
    expect(manager.store.count).toBe(0);
    // Each discarded create's id was kept for good: ~175 bytes per cycle (3.5 MB here).
    expect(growth).toBeLessThan(512 * 1024);
  }, 60_000);

  it("lets a destroyed manager be collected while its query stays cached for gcTime", async () => {
    const client = createTestQueryClient();
    const make = async (name: string) => {
      const manager = createOptimisticStoreManager<Todo>(
        {
          name,
          queryFn: () => Promise.resolve([{ id: "1", title: "A" }]),
          mutations: {
            create: (data: Partial<Todo>) => Promise.resolve({ title: "", ...data, id: "2" } as Todo),
            update: ({ id, data }: { id: string; data: Partial<Todo> }) => Promise.resolve({ id, title: "", ...data } as Todo),
            remove: (id: string) => Promise.resolve({ id }),
          },
          transformer: false,
        },
        client,
      );
      await manager.actions.create({ title: "B" });
      manager.destroy();
      return new WeakRef(manager.store);
    };
    // One manager per key, each destroyed (a page per project, say): the queries stay, with their data.
    const stores = [await make("todos-1"), await make("todos-2")];
    await heapUsed();

    expect(client.getQueryData(["todos-1"])).toEqual([{ id: "1", title: "A" }, { id: "2", title: "B" }]);
    // The query's options held its query function, and through it the whole manager, store included.
    expect(stores.map((store) => store.deref() === undefined)).toEqual([true, true]);
  });

  it("keeps the heap flat over 20,000 realtime deletions while a failed change is kept (keepFailed)", async () => {
    const listeners = new Map<string, (event: unknown) => void>();
    const socket = { connected: true, on: (name: string, listener: (event: unknown) => void) => void listeners.set(name, listener), off: (name: string) => void listeners.delete(name) };
    const manager = createOptimisticStoreManager<Todo>(
      {
        name: "todos",
        queryFn: () => Promise.resolve([{ id: "a", title: "A" }]),
        mutations: refusing,
        transformer: false,
        keepFailed: true,
        realtime: { eventType: "change" },
      },
      createTestQueryClient(),
    );
    onCleanup(() => manager.destroy());
    manager.realtime!.connect(socket);
    await expect.poll(() => manager.store.count).toBe(1);
    // A failed edit the user leaves on screen for the rest of the session.
    await manager.actions.update({ id: "a", data: { title: "B" } }).catch(() => undefined);
    let next = 0;
    const cycles = async (count: number) => {
      for (let i = 0; i < count; i++) {
        const id = `other-${++next}`;
        listeners.get("change")!({ type: "change", event: "INSERT", data: { id, title: "X" } });
        listeners.get("change")!({ type: "change", event: "DELETE", data: { id } });
        if (i % 500 === 0) await nextMacrotask();
      }
    };
    const growth = await heapGrowth(cycles, 2_000, 20_000);
    expect(manager.store.writeStatus("a")?.failed).toBe(true);
    // Every deletion was kept against the failed edit, which no answer can come for: ~65 bytes each.
    expect(growth).toBeLessThan(384 * 1024);
  }, 60_000);
});
