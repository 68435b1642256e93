/**
 * The `version` option: confirmed state never goes back to an older version of an entity, whatever
 * brings it (a fetched list, a realtime event, a mutation's answer), and the query cache keeps the
 * newer one. Against the real test server (`versioned`: each write bumps `version`) and socket.io.
 */
import { environmentManager } from "@tanstack/query-core";
import { observable, reaction, runInAction } from "mobx";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createDefaultTransformer, createOptimisticStoreManager, OptimisticConfigError, type OptimisticQueryContext, type OptimisticStoreConfig } from "../../src";
import { compareVersions, createVersionRule } from "../../src/core/versions";
import { connectClient, createTestApi } from "../__fixtures__";
import { makeTodos, type Todo } from "../__fixtures__/mockData";
import { cleanup, createTestQueryClient, loaded, nextMacrotask, onCleanup, setupManager, startServer } from "../__fixtures__/testHelpers";

environmentManager.setIsServer(() => false);
afterEach(cleanup);

type Config = Partial<OptimisticStoreConfig<Todo, Todo>>;

/** A versioned server with todos a, b, c at version 1; a manager with `version: "version"` and realtime, loaded and connected. */
async function setup(config: Config = {}) {
  const server = await startServer({ versioned: true, seed: makeTodos() });
  const made = await setupManager({ server, config: { version: "version", realtime: { eventType: server.eventType }, ...config } });
  await loaded(made.manager, 3);
  made.manager.realtime!.connect(await connectClient(server));
  await vi.waitFor(() => expect(made.manager.realtime!.isConnected).toBe(true));
  return made;
}

/** Every version of `id` that a MobX reaction saw, the current one first. */
function watchVersions(manager: { store: { get(id: string): Todo | undefined } }, id: string): number[] {
  const seen: number[] = [];
  const dispose = reaction(
    () => manager.store.get(id)?.version as number | undefined,
    (version) => version !== undefined && seen.push(version),
    { fireImmediately: true },
  );
  onCleanup(dispose);
  return seen;
}

const isNonDecreasing = (values: number[]) => values.every((value, i) => i === 0 || value >= values[i - 1]!);
const cachedRow = (client: ReturnType<typeof createTestQueryClient>, id: string) => client.getQueryData<Todo[]>(["items"])?.find((row) => row.id === id);

describe("compareVersions", () => {
  it("compares numbers, numeric strings, ISO strings and Dates by value", () => {
    expect(compareVersions(1, 2)).toBeLessThan(0);
    expect(compareVersions(10, 9)).toBeGreaterThan(0);
    expect(compareVersions("10", "9")).toBeGreaterThan(0);
    expect(compareVersions("2024-01-02T00:00:00.000Z", "2024-01-01T23:59:59.999Z")).toBeGreaterThan(0);
    expect(compareVersions(new Date("2024-01-01T00:00:00Z"), "2024-01-01T00:00:00.000Z")).toBe(0);
    expect(compareVersions("2024-01-01T00:00:00.000Z", new Date("2024-01-01T00:00:01Z"))).toBeLessThan(0);
  });

  it("tells apart ISO strings of the same millisecond by their microseconds, whatever their zone offsets or digit counts", () => {
    expect(compareVersions("2024-01-01T00:00:00.000001Z", "2024-01-01T00:00:00.000002Z")).toBeLessThan(0);
    expect(compareVersions("2024-05-01T10:00:00.123500+02:00", "2024-05-01T08:00:00.123400+00:00")).toBeGreaterThan(0);
    expect(compareVersions("2024-05-01T10:00:00.1234+02:00", "2024-05-01T08:00:00.123399Z")).toBeGreaterThan(0);
    expect(compareVersions("2024-05-01T08:00:00.123Z", "2024-05-01T10:00:00.123000+02:00")).toBe(0);
    const t = createDefaultTransformer<Todo, Todo>();
    const rule = createVersionRule<Todo>("updatedAt", undefined, (entity) => entity);
    const current = t.toUi({ id: "a", title: "A", updatedAt: "2024-05-01T10:00:00.123400+02:00" } as Todo);
    const incoming = t.toUi({ id: "a", title: "A", updatedAt: "2024-05-01T08:00:00.123500+00:00" } as Todo);
    expect(rule.isOlder(current, incoming)).toBe(false);
    expect(rule.isOlder(incoming, current)).toBe(true);
  });

  it("tells apart numeric strings past a double's precision by their digits", () => {
    expect(compareVersions("1733100000.1240000001", "1733100000.1239999999")).toBeGreaterThan(0);
    expect(compareVersions("1.5", "1.4999999999999999999")).toBeGreaterThan(0);
    expect(compareVersions("9007199254740993", "9007199254740992")).toBeGreaterThan(0);
    expect(compareVersions("-1.4999999999999999999", "-1.5")).toBeGreaterThan(0);
    expect(compareVersions("0099999999999999999", "100000000000000000")).toBeLessThan(0);
    expect(compareVersions("1.50", "1.5")).toBe(0);
  });

  it("never calls a missing or unreadable version older or newer", () => {
    expect(compareVersions(undefined, 3)).toBe(0);
    expect(compareVersions(3, null)).toBe(0);
    expect(compareVersions("abc", "2024-01-01")).toBe(0);
  });

  it("reads a field, or calls a function, and gives a receipt the field as the server wrote it", () => {
    const byField = createVersionRule<Todo>("updatedAt", undefined, () => ({ id: "a", updatedAt: "2024-01-01T00:00:00.000Z" }));
    const entity = { id: "a", title: "A", updatedAt: new Date("2024-01-01T00:00:00Z") };
    expect(byField.of(entity)).toBe(entity.updatedAt);
    expect(byField.sent(entity)).toBe("2024-01-01T00:00:00.000Z");
    const byFunction = createVersionRule<Todo>((todo) => todo.n as number, undefined, () => undefined);
    expect(byFunction.isOlder({ id: "a", title: "", n: 2 }, { id: "a", title: "", n: 1 })).toBe(true);
    expect(byFunction.sent({ id: "a", title: "", n: 2 })).toBe(2);
  });
});

describe("versions never go back", () => {
  it("ignores realtime events of one entity that arrive out of order", async () => {
    const { manager, server, client } = await setup();
    const seen = watchVersions(manager, "a");
    const event = (version: number) => ({ type: server.eventType, event: "UPDATE", data: { id: "a", title: `v${version}`, done: false, version } });

    server.io.emit(server.eventType, event(3));
    await vi.waitFor(() => expect(manager.store.get("a")?.version).toBe(3));
    server.io.emit(server.eventType, event(2));
    // A burst, in the wrong order.
    server.emitBurst(4, (i) => event([5, 4, 2, 4][i]!));
    await vi.waitFor(() => expect(manager.store.get("a")?.version).toBe(5));
    server.io.emit(server.eventType, event(6));
    await vi.waitFor(() => expect(manager.store.get("a")?.version).toBe(6));

    expect(seen).toEqual([1, 3, 5, 6]);
    expect(manager.store.get("a")?.title).toBe("v6");
    expect(cachedRow(client, "a")).toMatchObject({ version: 6, title: "v6" });
  });

  it("keeps a newer event over a refetch the server held back and answered after it", async () => {
    const { manager, server, client } = await setup();
    const seen = watchVersions(manager, "a");
    const gate = server.hold({ method: "GET" }, { applyAt: "request" });
    const refetch = manager.actions.refetch();
    await gate.arrived; // the answer is the table as it is now: a at version 1
    server.serverUpdate("a", { title: "newer" });
    await vi.waitFor(() => expect(manager.store.get("a")?.version).toBe(2));
    await gate.release();
    await refetch;

    expect(manager.store.get("a")).toMatchObject({ title: "newer", version: 2 });
    expect(seen).toEqual([1, 2]);
    expect(cachedRow(client, "a")).toMatchObject({ title: "newer", version: 2 });
  });

  it("keeps a newer event over a fetch that started after it but answers older data (a lagging replica)", async () => {
    const debug = vi.fn();
    const { manager, server, client } = await setup({ logger: { debug } });
    const stale = server.rows();
    server.serverUpdate("a", { title: "newer" });
    await vi.waitFor(() => expect(manager.store.get("a")?.version).toBe(2));
    const seen = watchVersions(manager, "a");

    server.intercept({ method: "GET" }, { status: 200, body: stale });
    await manager.actions.refetch();

    expect(manager.store.get("a")).toMatchObject({ title: "newer", version: 2 });
    expect(seen).toEqual([2]);
    // The cache held the replica's list; the newer entity is written back into it.
    expect(cachedRow(client, "a")).toMatchObject({ title: "newer", version: 2 });
    expect(debug).toHaveBeenCalledWith("[items] older version ignored", { id: "a", version: 1, current: 2 });
  });

  it("takes a fetched item newer than what was written while the fetch ran (its own update's answer): the fetch has another client's later change", async () => {
    const server = await startServer({ versioned: true, seed: makeTodos() });
    const { manager: theirs } = await setupManager({ server, config: { version: "version" } });
    const { manager: mine, client } = await setupManager({ server, config: { version: "version" } });
    await loaded(theirs, 3);
    await loaded(mine, 3);
    const seen = watchVersions(mine, "a");

    const gate = server.hold({ method: "GET" }); // answers the table as it is at release
    const refetch = mine.actions.refetch();
    await gate.arrived;
    await mine.actions.update({ id: "a", data: { title: "mine" } }); // answered while the fetch runs: version 2
    await theirs.actions.update({ id: "a", data: { done: true } }); // version 3, which this client only learns from the fetch
    await gate.release();
    await refetch;

    expect(mine.store.get("a")).toMatchObject({ title: "mine", done: true, version: 3 });
    expect(seen).toEqual([1, 2, 3]);
    await nextMacrotask();
    expect(cachedRow(client, "a")).toMatchObject({ title: "mine", done: true, version: 3 });
  });

  it.each(["destroy", "disable"] as const)("leaves a newer fetched item in the cache when the manager is left (%s) while that fetch runs, after writing an older version of it", async (leave) => {
    const server = await startServer({ versioned: true, seed: makeTodos() });
    const { manager: theirs } = await setupManager({ server, config: { version: "version" } });
    const { manager: mine, client } = await setupManager({ server, config: { version: "version" } });
    await loaded(theirs, 3);
    await loaded(mine, 3);

    const gate = server.hold({ method: "GET" }); // answers the table as it is at release
    void mine.actions.refetch().catch(() => undefined);
    await gate.arrived;
    await mine.actions.update({ id: "a", data: { title: "mine" } }); // version 2, written back
    await theirs.actions.update({ id: "a", data: { done: true } }); // version 3
    mine[leave](); // a "save and close": the fetch still lands in the cache
    await gate.release();
    await vi.waitFor(() => expect(client.getQueryState(["items"])?.fetchStatus).toBe("idle"));

    expect(cachedRow(client, "a")).toMatchObject({ title: "mine", done: true, version: 3 });
    if (leave === "disable") mine.enable();
    const { manager: next } = await setupManager({ server, client, config: { version: "version", staleTime: 60_000 } });
    await loaded(next, 3);
    for (const manager of leave === "disable" ? [mine, next] : [next]) expect(manager.store.get("a")).toMatchObject({ title: "mine", done: true, version: 3 });
  });

  it("ignores a slow mutation answer that is older than a realtime event", async () => {
    const server = await startServer({ versioned: true, seed: makeTodos() });
    const api = createTestApi<Todo>(server);
    // No receipts: the server's broadcast of this client's own change is an event like any other.
    const { manager, client } = await setupManager({
      server,
      config: { version: "version", realtime: { eventType: server.eventType }, mutations: { ...api.mutations, update: ({ id, data }) => api.mutations.update({ id, data }) } },
    });
    await loaded(manager, 3);
    manager.realtime!.connect(await connectClient(server));
    await vi.waitFor(() => expect(manager.realtime!.isConnected).toBe(true));
    const seen = watchVersions(manager, "a");

    const gate = server.hold({ method: "PUT", path: "/items/a" }, { applyAt: "request" });
    const saving = manager.actions.update({ id: "a", data: { title: "mine" } });
    await gate.arrived; // written as version 2 and broadcast; the answer is held
    await vi.waitFor(() => expect(manager.store.get("a")?.version).toBe(2));
    server.serverUpdate("a", { done: true }); // another client: version 3
    await vi.waitFor(() => expect(manager.store.get("a")?.version).toBe(3));
    await gate.release();
    await expect(saving).resolves.toMatchObject({ version: 2 });

    expect(manager.store.get("a")).toMatchObject({ title: "mine", done: true, version: 3 });
    expect(seen).toEqual([1, 2, 3]);
    expect(isNonDecreasing(seen)).toBe(true);
    expect(cachedRow(client, "a")).toMatchObject({ title: "mine", done: true, version: 3 });
  });

  it("ignores an older value written to the store directly, and takes one without a version", async () => {
    const { manager } = await setup();
    manager.store.upsert({ id: "a", title: "old", version: 0 });
    expect(manager.store.get("a")).toMatchObject({ title: "A", version: 1 });
    manager.store.upsert({ id: "a", title: "unversioned" });
    expect(manager.store.get("a")?.title).toBe("unversioned");
  });

  it("a version function that throws on one item is reported (source \"callback\"), and that item reads as unversioned: the rest of the fetched list is applied", async () => {
    const server = await startServer({ seed: [{ id: "a", title: "A", meta: { rev: 1 } }, { id: "b", title: "B", meta: { rev: 1 } }] });
    const reports: [string, string, string | undefined][] = [];
    const { manager } = await setupManager({
      server,
      config: { version: (todo) => (todo.meta as { rev: number }).rev, onError: (error, info) => reports.push([error.message, info.source, info.id]) },
    });
    await loaded(manager, 2);
    server.seed([{ id: "a", title: "A2", meta: { rev: 2 } }, { id: "b", title: "B2" }, { id: "c", title: "C", meta: { rev: 1 } }]);
    await manager.actions.refetch();
    expect(manager.store.list.map((todo) => todo.title)).toEqual(["A2", "B2", "C"]);
    expect(reports.length).toBeGreaterThan(0);
    expect(new Set(reports.map(([message, source, id]) => `${source} ${id} ${message}`))).toEqual(new Set(["callback b Cannot read properties of undefined (reading 'rev')"]));
  });

  it("compares ISO dates with Dates through the default transformer (version: \"updatedAt\")", async () => {
    const { manager, server } = await setup({ version: "updatedAt", transformer: undefined });
    const before = manager.store.get("a")!.updatedAt as Date;
    expect(before).toBeInstanceOf(Date);
    const older = new Date(before.getTime() - 1000).toISOString();
    const newer = new Date(before.getTime() + 1000).toISOString();
    server.io.emit(server.eventType, { type: server.eventType, event: "UPDATE", data: { id: "a", title: "older", version: 9, updatedAt: older } });
    server.io.emit(server.eventType, { type: server.eventType, event: "UPDATE", data: { id: "b", title: "newer", version: 9, updatedAt: newer } });
    await vi.waitFor(() => expect(manager.store.get("b")?.title).toBe("newer"));
    expect(manager.store.get("a")?.title).toBe("A");
  });

  it("remembers a newer updatedAt of the same millisecond that comes with otherwise equal content: an older event after it is ignored, and the next update is based on it", async () => {
    const T = "2030-01-01T00:00:00.123";
    const server = await startServer({ seed: [{ id: "a", title: "A", updatedAt: `${T}400Z` }] });
    const receipts: unknown[] = [];
    const api = createTestApi<Todo>(server);
    const { manager } = await setupManager({
      server,
      config: {
        version: "updatedAt",
        transformer: undefined,
        realtime: { eventType: server.eventType },
        mutations: { ...api.mutations, update: (params, receipt) => (receipts.push(receipt.baseVersion), api.mutations.update(params)) },
      },
    });
    await loaded(manager, 1);
    manager.realtime!.connect(await connectClient(server));
    await vi.waitFor(() => expect(manager.realtime!.isConnected).toBe(true));
    const emit = (title: string, micros: string) => server.io.emit(server.eventType, { type: server.eventType, event: "UPDATE", data: { id: "a", title, updatedAt: `${T}${micros}Z` } });
    emit("A", "500"); // the same content, 100 µs later
    server.serverInsert({ title: "marker 1" });
    await vi.waitFor(() => expect(manager.store.count).toBe(2));
    emit("B", "450"); // older than the last one: ignored
    server.serverInsert({ title: "marker 2" });
    await vi.waitFor(() => expect(manager.store.count).toBe(3));
    expect(manager.store.get("a")?.title).toBe("A");
    await manager.actions.update({ id: "a", data: { done: true } });
    expect(receipts).toEqual([`${T}500Z`]);
  });

  it("tells apart updatedAt values of one millisecond by their microseconds through the default transformer", async () => {
    const { manager, server } = await setup({ version: "updatedAt", transformer: undefined });
    const ms = new Date((manager.store.get("a")!.updatedAt as Date).getTime() + 1000).toISOString().slice(0, -1);
    const emit = (title: string, micros: string) =>
      server.io.emit(server.eventType, { type: server.eventType, event: "UPDATE", data: { id: "a", title, version: 9, updatedAt: `${ms}${micros}Z` } });
    emit("500", "500");
    await vi.waitFor(() => expect(manager.store.get("a")?.title).toBe("500"));
    emit("400, older", "400");
    emit("600", "600");
    emit("599, older", "599");
    server.serverUpdate("b", { title: "B2" });
    await vi.waitFor(() => expect(manager.store.get("b")?.title).toBe("B2"));
    expect(manager.store.get("a")?.title).toBe("600");
  });

  it.each([false, true])("retry() of a failed update after a later update of the entity was answered is sent on that answer's version (another change in flight: %s)", async (otherInFlight) => {
    const server = await startServer({ versioned: true, seed: makeTodos() });
    const api = createTestApi<Todo>(server, { ifMatch: true });
    const { manager } = await setupManager({ server, config: { version: "version", mutations: api.mutations, keepFailed: true } });
    await loaded(manager, 3);
    const refusal = server.intercept({ method: "PUT", path: "/items/a" }, { status: 500, body: { error: "refused" } });
    await expect(manager.actions.update({ id: "a", data: { title: "A1" } })).rejects.toThrow("refused");
    refusal.remove();
    const heldB = otherInFlight ? server.hold({ method: "PUT", path: "/items/b" }) : undefined;
    const updatingB = otherInFlight ? manager.actions.update({ id: "b", data: { title: "B2" } }) : undefined;
    await heldB?.arrived;
    await manager.actions.update({ id: "a", data: { done: true } });
    expect(server.row("a")).toMatchObject({ done: true, version: 2 });

    await manager.store.writeStatus("a")!.retry();
    expect(server.row("a")).toMatchObject({ title: "A1", done: true, version: 3 });
    expect(manager.store.get("a")).toMatchObject({ title: "A1", done: true, version: 3 });
    await heldB?.release();
    await updatingB;
  });

  it("costs nothing without the option: an older value is written as before", async () => {
    const { manager, server } = await setup({ version: undefined });
    server.io.emit(server.eventType, { type: server.eventType, event: "UPDATE", data: { id: "a", title: "older", version: 0 } });
    await vi.waitFor(() => expect(manager.store.get("a")?.title).toBe("older"));
  });
});

describe("receipts with versions", () => {
  it("gives an update the version it was made on, and the next one of the entity this one's answer", async () => {
    const server = await startServer({ versioned: true, seed: makeTodos() });
    const api = createTestApi<Todo>(server, { ifMatch: true });
    const { manager } = await setupManager({ server, config: { version: "version", mutations: api.mutations } });
    await loaded(manager, 3);

    const first = manager.actions.update({ id: "a", data: { title: "one" } });
    const second = manager.actions.update({ id: "a", data: { done: true } });
    expect(manager.store.get("a")).toMatchObject({ title: "one", done: true });
    await Promise.all([first, second]);

    const puts = server.requests.filter((request) => request.method === "PUT");
    expect(puts.map((request) => request.headers["if-match"])).toEqual(["1", "2"]);
    expect(server.row("a")).toMatchObject({ title: "one", done: true, version: 3 });
    expect(manager.store.get("a")).toMatchObject({ title: "one", done: true, version: 3 });
  });

  it("gives the second of two quick edits the version the first produced also when the first's echo settled it before its answer", async () => {
    const server = await startServer({ versioned: true, seed: makeTodos() });
    const api = createTestApi<Todo>(server, { ifMatch: true });
    const { manager } = await setupManager({ server, config: { version: "version", realtime: { eventType: server.eventType }, mutations: api.mutations } });
    await loaded(manager, 3);
    manager.realtime!.connect(await connectClient(server));
    await vi.waitFor(() => expect(manager.realtime!.isConnected).toBe(true));

    const gate = server.hold({ method: "PUT", path: "/items/a" }, { applyAt: "request" });
    const first = manager.actions.update({ id: "a", data: { title: "1" } });
    const second = manager.actions.update({ id: "a", data: { title: "2" } });
    await gate.arrived; // written as version 2 and broadcast with the receipt; the answer is held
    await vi.waitFor(() => expect(manager.store.writeStatus("a")?.pending).toEqual(["update"])); // the echo settled the first
    await gate.release();
    await first;
    await second;

    expect(server.requests.filter((request) => request.method === "PUT").map((request) => request.headers["if-match"])).toEqual(["1", "2"]);
    expect(server.row("a")).toMatchObject({ title: "2", version: 3 });
    expect(manager.store.get("a")).toMatchObject({ title: "2", version: 3 });
  });

  it("gives an update queued on a created entity the version of the create's answer", async () => {
    const server = await startServer({ versioned: true, seed: [] });
    const api = createTestApi<Todo>(server, { ifMatch: true });
    const { manager } = await setupManager({ server, config: { version: "version", mutations: api.mutations } });
    await loaded(manager, 0);
    const creating = manager.actions.create({ title: "new" });
    const tempId = manager.store.list[0]!.id;
    const updating = manager.actions.update({ id: tempId, data: { title: "renamed" } });
    await Promise.all([creating, updating]);
    const put = server.requests.find((request) => request.method === "PUT");
    expect(put?.headers["if-match"]).toBe("1");
    expect(server.rows()).toEqual([expect.objectContaining({ title: "renamed", version: 2 })]);
  });
});

describe("config.version", () => {
  it.each([[""], [3], [null], [{}]])("refuses %j with an OptimisticConfigError", (version) => {
    const api = createTestApi({ url: "http://127.0.0.1:1", resource: "items" });
    expect(() => createOptimisticStoreManager({ name: "v", ...api, version } as never, createTestQueryClient())).toThrow(OptimisticConfigError);
  });
});

describe("versions across a scope switch and store.clear()", () => {
  type User = "alice" | "bob";

  /** A per-user versioned server; a manager scoped by the signed-in user, with `version`, whose mutations go as alice. */
  async function scoped() {
    const server = await startServer({ perUser: true, versioned: true });
    server.seed([{ id: "a1", title: "Alice 1" }, { id: "a2", title: "Alice 2" }], "alice");
    server.seed([{ id: "b1", title: "Bob 1" }], "bob");
    const auth = observable.box<User | null>("alice");
    const api = createTestApi<Todo>(server, { user: "alice", ifMatch: true });
    const queryFn = async ({ queryKey, signal }: OptimisticQueryContext) => (await (await fetch(`${server.url}/items`, { headers: { "x-user": String(queryKey[1]) }, signal })).json()) as Todo[];
    const client = createTestQueryClient();
    const manager = createOptimisticStoreManager<Todo>({ name: "items", transformer: false, version: "version", queryFn, mutations: api.mutations, scope: () => auth.get() }, client);
    onCleanup(() => manager.destroy());
    await vi.waitFor(() => expect(manager.store.count).toBe(2));
    return { server, client, manager, signIn: (user: User | null) => runInAction(() => auth.set(user)) };
  }

  const ifMatches = (server: Awaited<ReturnType<typeof startServer>>) => server.requests.filter((request) => request.method === "PUT").map((request) => request.headers["if-match"]);

  it("two quick edits of one entity, then a sign-out before the first is answered: the second is sent on the version the first produced", async () => {
    const { server, client, manager, signIn } = await scoped();
    const gate = server.hold({ method: "PUT", path: "/items/a1" });
    const first = manager.actions.update({ id: "a1", data: { title: "Alice 1 one" } });
    const second = manager.actions.update({ id: "a1", data: { done: true } });
    await gate.arrived;
    signIn("bob");
    await vi.waitFor(() => expect(manager.store.list.map((todo) => todo.id)).toEqual(["b1"]));
    await gate.release();
    await expect(first).resolves.toMatchObject({ title: "Alice 1 one", version: 2 });
    await expect(second).resolves.toMatchObject({ done: true, version: 3 });
    expect(ifMatches(server)).toEqual(["1", "2"]);
    expect(server.row("a1", "alice")).toMatchObject({ title: "Alice 1 one", done: true, version: 3 });
    expect(client.getQueryData<Todo[]>(["items", "alice"])?.find((todo) => todo.id === "a1")).toMatchObject({ done: true, version: 3 });
  });

  it("a scope that is a filter: an edit, a switch, and a second edit of the same entity are both saved, one answer at a time, in order", async () => {
    const server = await startServer({ versioned: true, seed: makeTodos() });
    const api = createTestApi<Todo>(server, { ifMatch: true });
    const filter = observable.box("all");
    const manager = createOptimisticStoreManager<Todo>(
      { name: "items", transformer: false, version: "version", queryFn: api.queryFn, mutations: api.mutations, scope: () => filter.get() },
      createTestQueryClient(),
    );
    onCleanup(() => manager.destroy());
    await vi.waitFor(() => expect(manager.store.count).toBe(3));
    const gate = server.hold({ method: "PUT", path: "/items/a" });
    const first = manager.actions.update({ id: "a", data: { title: "one" } });
    await gate.arrived;
    runInAction(() => filter.set("open"));
    await vi.waitFor(() => expect(manager.store.count).toBe(3));
    const second = manager.actions.update({ id: "a", data: { done: true } });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(ifMatches(server)).toEqual(["1"]); // the second waits for the first's answer
    await gate.release();
    await Promise.all([first, second]);
    expect(ifMatches(server)).toEqual(["1", "2"]);
    expect(server.row("a")).toMatchObject({ title: "one", done: true, version: 3 });
  });

  it("after a sign-out store.clear() (no scope), the next user's edit of an entity with the same id neither waits for the previous user's edit nor is sent on its version", async () => {
    const server = await startServer({ perUser: true, versioned: true });
    server.seed([{ id: "a", title: "Alice A" }], "alice");
    server.seed([{ id: "a", title: "Bob A" }], "bob");
    const user = observable.box<User>("alice");
    const api = createTestApi<Todo>(server, { user: () => user.get(), ifMatch: true });
    const { manager } = await setupManager({ server, config: { version: "version", queryFn: api.queryFn, mutations: api.mutations } });
    await loaded(manager, 1);
    const gate = server.hold({ method: "PUT", path: "/items/a" });
    const first = manager.actions.update({ id: "a", data: { title: "Alice A mine" } });
    await gate.arrived;
    runInAction(() => user.set("bob"));
    manager.store.clear();
    await manager.actions.refetch();
    expect(manager.store.get("a")).toMatchObject({ title: "Bob A", version: 1 });
    const second = manager.actions.update({ id: "a", data: { title: "Bob A mine" } });
    await vi.waitFor(() => expect(ifMatches(server)).toEqual(["1", "1"])); // sent at once
    await gate.release();
    await first;
    await expect(second).resolves.toMatchObject({ title: "Bob A mine", version: 2 });
    // An update made now is based on bob's answer, not on alice's late one.
    await manager.actions.update({ id: "a", data: { done: true } });
    expect(ifMatches(server)).toEqual(["1", "1", "2"]);
    expect(server.row("a", "bob")).toMatchObject({ title: "Bob A mine", done: true, version: 3 });
  });
});
