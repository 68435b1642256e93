import { environmentManager, QueryClient } from "@tanstack/query-core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createOptimisticStoreManager, getGlobalQueryClient } from "../../src";
import { createTestApi } from "../__fixtures__";
import { makeTodos, type Todo } from "../__fixtures__/mockData";
import { cleanup, createTestQueryClient, loaded, onCleanup, setupManager, startServer, titles } from "../__fixtures__/testHelpers";

environmentManager.setIsServer(() => false);
afterEach(async () => {
  vi.doUnmock("@tanstack/query-core");
  vi.resetModules();
  await cleanup();
});

describe("getGlobalQueryClient", () => {
  it("creates the client lazily, on the first call, and returns the same one afterwards", async () => {
    const constructed = vi.fn();
    vi.resetModules();
    vi.doMock("@tanstack/query-core", async (importOriginal) => {
      const original = await importOriginal<typeof import("@tanstack/query-core")>();
      class CountingQueryClient extends original.QueryClient {
        constructor(...args: ConstructorParameters<typeof original.QueryClient>) {
          super(...args);
          constructed();
        }
      }
      return { ...original, QueryClient: CountingQueryClient };
    });
    const { getGlobalQueryClient: getFresh } = await import("../../src/query/queryClient");
    expect(constructed).not.toHaveBeenCalled();

    const first = getFresh();
    const second = getFresh();

    expect(constructed).toHaveBeenCalledTimes(1);
    expect(second).toBe(first);
  });

  it("returns a QueryClient that does not retry mutations and does not refetch on focus", () => {
    const client = getGlobalQueryClient();

    expect(client).toBeInstanceOf(QueryClient);
    expect(getGlobalQueryClient()).toBe(client);
    expect(client.getDefaultOptions().mutations?.retry).toBe(0);
    expect(client.getDefaultOptions().queries?.refetchOnWindowFocus).toBe(false);
  });

  it("is used by a manager created without a client", async () => {
    const server = await startServer({ seed: makeTodos(), resource: "global-items" });
    const api = createTestApi<Todo>(server);
    const manager = createOptimisticStoreManager<Todo>({ name: "global-items", ...api, transformer: false });
    onCleanup(() => {
      manager.destroy();
      getGlobalQueryClient().removeQueries({ queryKey: ["global-items"] });
    });

    await loaded(manager, 3);
    const query = getGlobalQueryClient().getQueryCache().find({ queryKey: ["global-items"], exact: true });
    expect(query?.getObserversCount()).toBe(1);
  });

  it("leaves no timer to keep a Node process alive once its manager is destroyed (no window)", async () => {
    vi.resetModules();
    const fresh = await import("../../src");
    const manager = fresh.createOptimisticStoreManager<Todo>({
      name: "node-script",
      queryFn: async () => [{ id: "a", title: "A" }],
      mutations: { create: async (data) => data as Todo, update: async ({ id }) => ({ id, title: "A" }), remove: async () => undefined },
    });
    onCleanup(() => fresh.getGlobalQueryClient().clear());
    await vi.waitFor(() => expect(manager.store.count).toBe(1));
    vi.useFakeTimers();
    try {
      manager.destroy();
      vi.advanceTimersByTime(1000);
      // A timer pending now (query-core's garbage collection of the unobserved query) would hold a script or server process.
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it("is not used when a client is passed", async () => {
    const client = createTestQueryClient();
    const { manager } = await setupManager({ seed: makeTodos(), client });

    await loaded(manager, 3);
    expect(client.getQueryCache().find({ queryKey: ["items"], exact: true })?.getObserversCount()).toBe(1);
    expect(getGlobalQueryClient().getQueryCache().find({ queryKey: ["items"] })).toBeUndefined();
  });
});

describe("one QueryClient for many managers", () => {
  it("serves managers with different names, each under its own key", async () => {
    const client = createTestQueryClient();
    const todosServer = await startServer({ seed: makeTodos(), resource: "todos" });
    const notesServer = await startServer({ seed: [{ id: "n1", title: "Note" }], resource: "notes" });
    const { manager: todos } = await setupManager({ server: todosServer, client });
    const { manager: notes } = await setupManager({ server: notesServer, client });
    await loaded(todos, 3);
    await loaded(notes, 1);

    await todos.actions.create({ title: "D" });
    await notes.actions.update({ id: "n1", data: { title: "Note 2" } });

    expect(titles(todos.store)).toEqual(["A", "B", "C", "D"]);
    expect(titles(notes.store)).toEqual(["Note 2"]);
    await vi.waitFor(() => {
      expect((client.getQueryData(["todos"]) as Todo[]).map((row) => row.title)).toEqual(["A", "B", "C", "D"]);
      expect((client.getQueryData(["notes"]) as Todo[]).map((row) => row.title)).toEqual(["Note 2"]);
    });

    todos.destroy();
    expect(client.getQueryCache().find({ queryKey: ["todos"] })?.getObserversCount()).toBe(0);
    expect(client.getQueryCache().find({ queryKey: ["notes"] })?.getObserversCount()).toBe(1);
    notesServer.serverInsert({ title: "Other" });
    await notes.actions.refetch();
    expect(titles(notes.store)).toEqual(["Note 2", "Other"]);
  });

  it("shares data between two managers of the same name", async () => {
    const client = createTestQueryClient();
    const { manager: first, server } = await setupManager({ seed: makeTodos(), client });
    await loaded(first, 3);
    const { manager: second } = await setupManager({ server, client });

    expect(titles(second.store)).toEqual(["A", "B", "C"]);
    await second.actions.refetch();
    server.serverUpdate("a", { title: "A2" });
    await first.actions.refetch();
    expect(titles(second.store)).toEqual(["A2", "B", "C"]);
  });
});
