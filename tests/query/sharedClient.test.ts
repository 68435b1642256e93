/**
 * The manager in an app that uses its QueryClient too: queries removed or invalidated behind its
 * back, the mutation cache cleared, an unfocused window, query errors across write-backs, SSR.
 */
import { environmentManager, focusManager, onlineManager, QueryClient, QueryObserver } from "@tanstack/query-core";
import { reaction } from "mobx";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createOptimisticStoreManager } from "../../src";
import type { Todo } from "../__fixtures__/mockData";
import { createManualApi } from "../__fixtures__/manualApi";
import { cleanup, createTestQueryClient, loaded, onCleanup, setupManager } from "../__fixtures__/testHelpers";

beforeAll(() => environmentManager.setIsServer(() => false));
afterEach(cleanup);

const todos = (...titles: string[]): Todo[] => titles.map((title, i) => ({ id: String(i + 1), title, completed: false }) as Todo);

function manualManager(name = "todos", extra: Record<string, unknown> = {}) {
  const api = createManualApi();
  const client = createTestQueryClient();
  const manager = createOptimisticStoreManager<Todo>({ name, queryFn: api.queryFn, mutations: api.mutations, transformer: false, ...extra }, client);
  onCleanup(() => manager.destroy());
  return { api, client, manager };
}

/** A manager loaded with A and B whose refetch then failed (reported once); `before` runs first (a cache subscriber, say). */
async function failedRefetch(before?: (client: QueryClient) => void) {
  const onError = vi.fn();
  const made = manualManager("todos", { onError });
  before?.(made.client);
  (await made.api.next("query")).resolve(todos("A", "B"));
  await vi.waitFor(() => expect(made.manager.store.count).toBe(2));
  const refetch = made.manager.actions.refetch();
  (await made.api.next("query")).reject(new Error("down"));
  await refetch;
  expect(onError).toHaveBeenCalledTimes(1);
  return { ...made, onError };
}

describe("the app's QueryClient calls behind the manager's back", () => {
  it.each([
    ["queryClient.removeQueries()", (client: QueryClient, key: string) => client.removeQueries({ queryKey: [key] })],
    ["queryClient.clear()", (client: QueryClient) => client.clear()],
  ])("%s, then invalidateQueries(): the manager refetches and shows the server's list", async (_label, remove) => {
    const { manager, client, server } = await setupManager({ seed: [{ id: "a", title: "A" }] });
    await loaded(manager, 1);
    remove(client, server.resource);
    server.serverInsert({ id: "b", title: "B" });
    await client.invalidateQueries({ queryKey: [server.resource] });
    await vi.waitFor(() => expect(manager.store.count).toBe(2), { timeout: 2000 });
  });

  it("after queryClient.removeQueries(), a mutation answer is written to the cache (cache equals store)", async () => {
    const { manager, client, server } = await setupManager({ seed: [{ id: "a", title: "A" }] });
    await loaded(manager, 1);
    client.removeQueries({ queryKey: [server.resource] });
    await manager.actions.update({ id: "a", data: { title: "A2" } });
    expect((client.getQueryData([server.resource]) as Todo[] | undefined)?.map((t) => t.title)).toEqual(["A2"]);
  });

  it("removeQueries() during the first load leaves no status flag stuck", async () => {
    const { api, client, manager } = manualManager();
    const first = await api.next("query");
    expect(manager.status.isLoading).toBe(true);
    client.removeQueries({ queryKey: ["todos"] });
    first.resolve(todos("A"));
    await new Promise((r) => setTimeout(r, 20));
    // Either the list is shown, or nothing is loading any more.
    expect(manager.status.isLoading && manager.store.count === 0 && api.calls.length === 0).toBe(false);
  });
});

describe("offline queue and queryClient.clear()", () => {
  afterEach(() => onlineManager.setOnline(true));

  it("a change queued offline settles (is dropped) when the app calls queryClient.clear()", async () => {
    const { api, client, manager } = manualManager();
    (await api.next("query")).resolve(todos("A"));
    await vi.waitFor(() => expect(manager.store.count).toBe(1));
    onlineManager.setOnline(false);
    const update = manager.actions.update({ id: "1", data: { title: "A2" } });
    const settled = vi.fn();
    update.then(settled, settled);
    await vi.waitFor(() => expect(manager.status.queuedCount).toBe(1));
    client.clear();
    onlineManager.setOnline(true);
    await new Promise((r) => setTimeout(r, 50));
    // Either it was sent, or it settled: never pending forever.
    const sent = api.calls.some((c) => c.kind === "update");
    expect(sent || settled.mock.calls.length > 0).toBe(true);
    if (sent) api.take("update").resolve({ id: "1", title: "A2", completed: false });
    await new Promise((r) => setTimeout(r, 10));
    expect(manager.status.queuedCount).toBe(0);
    expect(manager.status.hasPendingMutations).toBe(false);
  });
});

describe("focusManager and the offline queue", () => {
  afterEach(() => focusManager.setFocused(undefined));

  it("a mutation retry paused because the window is unfocused (online) is not counted as waiting for the network", async () => {
    const { api, client, manager } = manualManager();
    client.setDefaultOptions({ queries: { retry: false }, mutations: { retry: 1, retryDelay: 0 } });
    (await api.next("query")).resolve(todos("A"));
    await vi.waitFor(() => expect(manager.store.count).toBe(1));
    focusManager.setFocused(false);
    const update = manager.actions.update({ id: "1", data: { title: "A2" } });
    (await api.next("update")).reject(new Error("flaky"));
    await new Promise((r) => setTimeout(r, 20));
    expect(onlineManager.isOnline()).toBe(true);
    expect(manager.status.queuedCount).toBe(0);
    focusManager.setFocused(true);
    (await api.next("update")).resolve({ id: "1", title: "A2", completed: false });
    await update;
  });
});

describe("a query error and write-backs", () => {
  it("reports a failed refetch once, also when a write-back follows while another observer reads the key", async () => {
    const { api, client, manager, onError } = await failedRefetch();
    onCleanup(new QueryObserver(client, { queryKey: ["todos"], staleTime: Infinity }).subscribe(() => undefined)); // another observer of the key
    expect(manager.status.isError).toBe(true);

    const flags: boolean[] = [];
    const dispose = reaction(() => manager.status.isError, (value) => flags.push(value));
    onCleanup(dispose);
    const update = manager.actions.update({ id: "1", data: { title: "A2" } });
    (await api.next("update")).resolve({ id: "1", title: "A2", completed: false });
    await update;
    expect((client.getQueryData(["todos"]) as Todo[]).map((t) => t.title)).toEqual(["A2", "B"]);
    expect(manager.status.isError).toBe(true);
    expect(flags).toEqual([]); // isError never flickered
    expect(onError).toHaveBeenCalledTimes(1);
  });
});

describe("a query error and write-backs told to the cache's subscribers", () => {
  it("a write-back announced to a cache subscriber (a persister, devtools) neither reports the error again nor flips isError", async () => {
    const { manager, onError } = await failedRefetch((client) => onCleanup(client.getQueryCache().subscribe(() => undefined))); // a persister / devtools

    const flags: boolean[] = [];
    onCleanup(reaction(() => manager.status.isError, (value) => flags.push(value)));
    manager.store.upsert({ id: "3", title: "C", completed: false } as Todo);
    await new Promise((r) => setTimeout(r, 10)); // the announcement runs
    expect(manager.status.isError).toBe(true);
    expect(flags).toEqual([]);
    expect(onError).toHaveBeenCalledTimes(1);
  });
});

describe("on the server (SSR)", () => {
  afterEach(() => {
    vi.useRealTimers();
    environmentManager.setIsServer(() => false);
  });

  it("loads, writes back, and leaves no timer after destroy()", async () => {
    environmentManager.setIsServer(() => true);
    vi.useFakeTimers();
    const api = createManualApi();
    const client = new QueryClient();
    onCleanup(() => client.clear());
    const manager = createOptimisticStoreManager<Todo>({ name: "ssr", queryFn: api.queryFn, mutations: api.mutations, transformer: false }, client);
    await vi.advanceTimersByTimeAsync(0);
    api.take("query").resolve(todos("A"));
    await vi.advanceTimersByTimeAsync(0);
    expect(manager.store.count).toBe(1);
    const update = manager.actions.update({ id: "1", data: { title: "A2" } });
    await vi.advanceTimersByTimeAsync(0);
    api.take("update").resolve({ id: "1", title: "A2", completed: false });
    await vi.advanceTimersByTimeAsync(0);
    await update;
    manager.destroy();
    expect(vi.getTimerCount()).toBe(0);
    expect((client.getQueryData(["ssr"]) as Todo[]).map((t) => t.title)).toEqual(["A2"]);
  });
});

describe("a query error and disable()", () => {
  it("disable() after a failed refetch does not report the error again", async () => {
    const { manager, onError } = await failedRefetch();
    manager.disable();
    expect(onError).toHaveBeenCalledTimes(1);
    manager.enable();
    expect(manager.status.isError).toBe(true);
    expect(onError).toHaveBeenCalledTimes(1);
  });
});

describe("an invalidation the write-back must not undo", () => {
  it("invalidateQueries() while disabled, a change answered meanwhile (a persister listens): enable() fetches", async () => {
    const { api, client, manager } = manualManager();
    onCleanup(client.getQueryCache().subscribe(() => undefined)); // a persister / devtools
    (await api.next("query")).resolve(todos("A", "B"));
    await vi.waitFor(() => expect(manager.store.count).toBe(2));
    manager.disable();
    await client.invalidateQueries({ queryKey: ["todos"] }); // not observed: marked stale, no fetch
    expect(client.getQueryState(["todos"])?.isInvalidated).toBe(true);
    const update = manager.actions.update({ id: "1", data: { title: "A2" } });
    (await api.next("update")).resolve({ id: "1", title: "A2", completed: false });
    await update;
    await new Promise((r) => setTimeout(r, 10)); // the write-back is announced
    manager.enable();
    await new Promise((r) => setTimeout(r, 10));
    expect(api.calls.filter((c) => c.kind === "query")).toHaveLength(1); // the invalidated list is fetched
  });

  it("invalidateQueries({ refetchType: 'none' }), then disable() and enable(): enable() fetches the invalidated list", async () => {
    const { api, client, manager } = manualManager();
    (await api.next("query")).resolve(todos("A", "B"));
    await vi.waitFor(() => expect(manager.store.count).toBe(2));
    await client.invalidateQueries({ queryKey: ["todos"], refetchType: "none" });
    manager.disable();
    manager.enable();
    await new Promise((r) => setTimeout(r, 10));
    expect(api.calls.filter((c) => c.kind === "query")).toHaveLength(1);
  });
});

describe("an invalidation while disabled", () => {
  it("invalidateQueries() while disabled, nothing written meanwhile: enable() fetches", async () => {
    const { api, client, manager } = manualManager();
    (await api.next("query")).resolve(todos("A", "B"));
    await vi.waitFor(() => expect(manager.store.count).toBe(2));
    manager.disable();
    await client.invalidateQueries({ queryKey: ["todos"] });
    manager.enable();
    await new Promise((r) => setTimeout(r, 10));
    expect(api.calls.filter((c) => c.kind === "query")).toHaveLength(1);
  });
});

describe("data the app writes under the key", () => {
  it.each([
    ["an object (an older app's paged shape, restored by a persister)", { pages: [] }],
    ["null", null],
  ])("%s: reported once, the store keeps its entities and the next fetch shows the server's list", async (_label, data) => {
    const onError = vi.fn();
    const { api, client, manager } = manualManager("todos", { onError });
    (await api.next("query")).resolve(todos("A", "B"));
    await vi.waitFor(() => expect(manager.store.count).toBe(2));
    client.setQueryData(["todos"], data);
    await new Promise((r) => setTimeout(r, 10));
    expect(manager.store.list.map((todo) => todo.title)).toEqual(["A", "B"]);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0]?.[1]).toMatchObject({ source: "query" });
    const refetch = manager.actions.refetch();
    (await api.next("query")).resolve(todos("A", "B", "C"));
    await refetch;
    expect(manager.store.list.map((todo) => todo.title)).toEqual(["A", "B", "C"]);
    expect(onError).toHaveBeenCalledTimes(1);
  });
});

describe("the client's defaultOptions for queries", () => {
  it("notifyOnChangeProps: ['data'] in the defaults: status still follows the first load, a refetch and its error", async () => {
    const api = createManualApi();
    const client = new QueryClient({ defaultOptions: { queries: { retry: false, notifyOnChangeProps: ["data"] } } });
    const manager = createOptimisticStoreManager<Todo>({ name: "todos", queryFn: api.queryFn, mutations: api.mutations, transformer: false }, client);
    onCleanup(() => manager.destroy());
    const first = await api.next("query");
    expect(manager.status.isLoading).toBe(true);
    first.resolve(todos("A"));
    await vi.waitFor(() => expect(manager.store.count).toBe(1));
    expect(manager.status.isLoading).toBe(false);
    const refetch = manager.actions.refetch();
    const second = await api.next("query");
    expect(manager.status.isSyncing).toBe(true);
    second.reject(new Error("down"));
    await refetch;
    expect(manager.status).toMatchObject({ isSyncing: false, isError: true });
  });
});

describe("the client's defaultOptions for mutations", () => {
  afterEach(() => onlineManager.setOnline(true));

  it.each(["always", "offlineFirst"] as const)("networkMode: '%s': changes made while onlineManager says offline are sent at once, side by side, and none is counted as queued", async (networkMode) => {
    const api = createManualApi();
    const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false, networkMode } } });
    const manager = createOptimisticStoreManager<Todo>({ name: "todos", queryFn: api.queryFn, mutations: api.mutations, transformer: false }, client);
    onCleanup(() => manager.destroy());
    (await api.next("query")).resolve(todos("A", "B"));
    await vi.waitFor(() => expect(manager.store.count).toBe(2));
    onlineManager.setOnline(false);
    const first = manager.actions.update({ id: "1", data: { title: "A2" } });
    const second = manager.actions.update({ id: "2", data: { title: "B2" } });
    second.catch(() => undefined);
    await vi.waitFor(() => expect(api.calls.filter((call) => call.kind === "update")).toHaveLength(2), { timeout: 500 });
    expect(manager.status.queuedCount).toBe(0);
    const [one, two] = [api.take("update"), api.take("update")];
    two.resolve({ id: "2", title: "B2", completed: false });
    one.resolve({ id: "1", title: "A2", completed: false });
    await Promise.all([first, second]);
    expect(manager.store.list.map((todo) => todo.title)).toEqual(["A2", "B2"]);
  });
});
