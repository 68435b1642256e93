/**
 * The `conflict` option, against the real test server: rows carry a `version` the server bumps on
 * every write, and a `PUT` whose `If-Match` names an older one is refused with 409 and the current
 * row. Two managers on separate clients are two users editing the same todo.
 */
import { environmentManager, onlineManager } from "@tanstack/query-core";
import { reaction } from "mobx";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createOptimisticStoreManager, OptimisticConfigError, OptimisticConflictError, type ConflictResolver, type OptimisticStoreConfig } from "../../src";
import { connectClient, createTestApi, HttpError } from "../__fixtures__";
import { createManualApi } from "../__fixtures__/manualApi";
import { makeTodos, type Todo } from "../__fixtures__/mockData";
import { cleanup, createTestQueryClient, loaded, onCleanup, setupManager, startServer } from "../__fixtures__/testHelpers";
import type { TestServer } from "../__fixtures__/testServer";

environmentManager.setIsServer(() => false);
afterEach(cleanup);

type Config = Partial<OptimisticStoreConfig<Todo, Todo>>;
type Conflict = NonNullable<Config["conflict"]>;

/** The server's row a 409 carries. */
const detect = (error: unknown): Todo | undefined => (error instanceof HttpError && error.status === 409 ? (error.body as { current: Todo }).current : undefined);

/** A manager of `server`'s todos that sends `If-Match: <baseVersion>` with its updates. */
async function open(server: TestServer<Todo>, config: Config = {}) {
  const api = createTestApi<Todo>(server, { ifMatch: true });
  const made = await setupManager({ server, config: { version: "version", mutations: api.mutations, ...config } });
  await loaded(made.manager, 3);
  return made.manager;
}

/** Two users on one server: `theirs` edits todo a first, `mine` (with `conflict`) has not seen it. */
async function twoUsers(conflict: Partial<Conflict> = {}, config: Config = {}) {
  const server = await startServer({ versioned: true, seed: makeTodos() });
  const theirs = await open(server);
  const mine = await open(server, { conflict: { detect, ...conflict }, ...config });
  await theirs.actions.update({ id: "a", data: { title: "theirs", done: true } });
  expect(server.row("a")).toMatchObject({ title: "theirs", done: true, version: 2 });
  expect(mine.store.get("a")).toMatchObject({ title: "A", version: 1 });
  return { server, theirs, mine };
}

/** Every title of todo a a MobX reaction saw. */
function watchTitles(manager: { store: { get(id: string): Todo | undefined } }): string[] {
  const seen: string[] = [];
  onCleanup(reaction(() => manager.store.get("a")?.title, (title) => title !== undefined && seen.push(title), { fireImmediately: true }));
  return seen;
}

/** Starts an update of todo a whose first send the server refuses (409) and whose second it holds; returns once that one arrived. */
async function refusedThenHeld<T>(server: TestServer<Todo>, start: () => Promise<T>) {
  const first = server.hold({ method: "PUT", path: "/items/a" });
  const saving = start();
  await first.arrived;
  const resend = server.hold({ method: "PUT", path: "/items/a" });
  await first.release();
  await resend.arrived;
  return { saving, resend };
}

const puts = (server: TestServer<Todo>) => server.requests.filter((request) => request.method === "PUT");

describe("server-wins (the default)", () => {
  it("drops my change, shows the server's todo and rejects with an OptimisticConflictError", async () => {
    const { server, mine } = await twoUsers();
    const saving = mine.actions.update({ id: "a", data: { title: "mine" } });
    expect(mine.store.get("a")?.title).toBe("mine");

    const error = (await saving.catch((e: unknown) => e)) as OptimisticConflictError<Todo>;
    expect(error).toBeInstanceOf(OptimisticConflictError);
    expect(error.name).toBe("OptimisticConflictError");
    expect(error.server).toEqual(server.row("a"));
    expect(error.attempts).toBe(1);
    expect(error.cause).toBeInstanceOf(HttpError);
    expect(puts(server)).toHaveLength(2); // theirs, then mine once
    expect(mine.store.list.slice()).toEqual(server.rows());
    expect(mine.status.updatePending).toBe(false);
    expect(mine.store.writeStatus("a")).toBeUndefined();
  });

  it("drops the change even with keepFailed: the strategy chose the server's todo", async () => {
    const { server, mine } = await twoUsers({}, { keepFailed: true });
    await expect(mine.actions.update({ id: "a", data: { title: "mine" } })).rejects.toBeInstanceOf(OptimisticConflictError);
    expect(mine.store.writeStatus("a")).toBeUndefined();
    expect(mine.status.failedCount).toBe(0);
    expect(mine.store.list.slice()).toEqual(server.rows());
  });

  it("fails other errors as before: `detect` returns undefined for them", async () => {
    const { server, mine } = await twoUsers();
    server.intercept({ method: "PUT" }, { status: 500 });
    await expect(mine.actions.update({ id: "a", data: { title: "mine" } })).rejects.toBeInstanceOf(HttpError);
    expect(mine.store.get("a")).toMatchObject({ title: "A", version: 1 });
  });
});

describe("client-wins", () => {
  it("sends my change again on top of the server's version; the field never shows their value", async () => {
    const { server, mine } = await twoUsers({ resolve: "client-wins" });
    const titles = watchTitles(mine);
    const saved = await mine.actions.update({ id: "a", data: { title: "mine" } });

    expect(saved).toMatchObject({ title: "mine", done: true, version: 3 });
    expect(server.row("a")).toMatchObject({ title: "mine", done: true, version: 3 });
    expect(mine.store.list.slice()).toEqual(server.rows());
    expect(titles).toEqual(["A", "mine"]);
    const mineSent = puts(server).slice(1);
    expect(mineSent.map((request) => request.headers["if-match"])).toEqual(["1", "2"]);
    expect(mineSent[0]!.headers["x-mutation-id"]).not.toBe(mineSent[1]!.headers["x-mutation-id"]);
  });

  it("shows the server's other fields while the change is sent again, and keeps it pending", async () => {
    const { server, mine } = await twoUsers({ resolve: "client-wins" });
    const { saving, resend } = await refusedThenHeld(server, () => mine.actions.update({ id: "a", data: { title: "mine" } }));
    expect(mine.store.get("a")).toMatchObject({ title: "mine", done: true, version: 2 });
    expect(mine.store.writeStatus("a")?.pending).toEqual(["update"]);
    await resend.release();
    await saving;
    expect(mine.store.get("a")).toMatchObject({ title: "mine", done: true, version: 3 });
  });

  it("with realtime: their change lands while mine is in flight, and the field still never shows it", async () => {
    const server = await startServer({ versioned: true, seed: makeTodos() });
    const theirs = await open(server);
    const mine = await open(server, { conflict: { detect, resolve: "client-wins" }, realtime: { eventType: server.eventType } });
    mine.realtime!.connect(await connectClient(server));
    await vi.waitFor(() => expect(mine.realtime!.isConnected).toBe(true));
    const titles = watchTitles(mine);

    const held = server.hold({ method: "PUT", path: "/items/a" });
    const saving = mine.actions.update({ id: "a", data: { title: "mine" } });
    await held.arrived;
    await theirs.actions.update({ id: "a", data: { title: "theirs", done: true } });
    await vi.waitFor(() => expect(mine.store.get("a")).toMatchObject({ done: true, version: 2 }));
    expect(mine.store.get("a")?.title).toBe("mine");
    await held.release(); // If-Match: 1, refused; sent again on version 2
    await saving;

    expect(server.row("a")).toMatchObject({ title: "mine", done: true, version: 3 });
    await vi.waitFor(() => expect(mine.store.list.slice()).toEqual(server.rows()));
    expect(titles).toEqual(["A", "mine"]);
  });

  it("gives up after maxAttempts sends to a server that always conflicts", async () => {
    const { server, mine } = await twoUsers({ resolve: "client-wins" });
    server.intercept({ method: "PUT", times: Infinity }, { status: 409, body: { error: "always", current: { id: "a", title: "always", done: true, version: 9 } } });
    const error = (await mine.actions.update({ id: "a", data: { title: "mine" } }).catch((e: unknown) => e)) as OptimisticConflictError<Todo>;

    expect(error).toBeInstanceOf(OptimisticConflictError);
    expect(error.attempts).toBe(3);
    expect(puts(server)).toHaveLength(1 + 3);
    expect(mine.store.get("a")).toMatchObject({ title: "always", version: 9 });
  });

  it("honours maxAttempts: 1 (no second send)", async () => {
    const { server, mine } = await twoUsers({ resolve: "client-wins", maxAttempts: 1 });
    await expect(mine.actions.update({ id: "a", data: { title: "mine" } })).rejects.toMatchObject({ attempts: 1 });
    expect(puts(server)).toHaveLength(2);
    expect(mine.store.list.slice()).toEqual(server.rows());
  });

  it("keeps the change failed past maxAttempts with keepFailed; retry() sends it on the server's version", async () => {
    const { server, mine } = await twoUsers({ resolve: "client-wins" }, { keepFailed: true });
    const always = server.intercept({ method: "PUT", times: Infinity }, { status: 409, body: { error: "always", current: server.row("a") } });
    await expect(mine.actions.update({ id: "a", data: { title: "mine" } })).rejects.toBeInstanceOf(OptimisticConflictError);
    const status = mine.store.writeStatus("a");
    expect(status).toMatchObject({ failed: true, pending: [] });
    expect(status?.error).toBeInstanceOf(OptimisticConflictError);
    expect(mine.store.get("a")).toMatchObject({ title: "mine", done: true, version: 2 });

    always.remove();
    await status!.retry();
    expect(puts(server).at(-1)?.headers["if-match"]).toBe("2");
    expect(server.row("a")).toMatchObject({ title: "mine", version: 3 });
    expect(mine.store.list.slice()).toEqual(server.rows());
    expect(mine.store.writeStatus("a")).toBeUndefined();
  });

  it("with maxAttempts: 1, retry() of the kept change is sent on the version the 409 brought, and succeeds", async () => {
    const { server, mine } = await twoUsers({ resolve: "client-wins", maxAttempts: 1 }, { keepFailed: true });
    await expect(mine.actions.update({ id: "a", data: { title: "mine" } })).rejects.toBeInstanceOf(OptimisticConflictError);
    expect(mine.store.get("a")).toMatchObject({ title: "mine", done: true, version: 2 });
    const status = mine.store.writeStatus("a")!;
    expect(status.failed).toBe(true);
    const before = puts(server).length;
    await status.retry();
    expect(puts(server).slice(before).map((request) => request.headers["if-match"])).toEqual(["2"]);
    expect(server.row("a")).toMatchObject({ title: "mine", done: true, version: 3 });
  });

  it("when the last send conflicted on a newer version, retry() is sent on that version", async () => {
    const { server, mine } = await twoUsers({ resolve: "client-wins", maxAttempts: 2 }, { keepFailed: true });
    const { saving, resend } = await refusedThenHeld(server, () => mine.actions.update({ id: "a", data: { title: "mine" } }).catch((e: unknown) => e));
    server.serverUpdate("a", { done: false }, { silent: true }); // version 3: the second send conflicts too
    await resend.release();
    expect(await saving).toBeInstanceOf(OptimisticConflictError);
    expect(mine.store.get("a")).toMatchObject({ title: "mine", done: false, version: 3 });
    const before = puts(server).length;
    await mine.store.writeStatus("a")!.retry();
    expect(puts(server).slice(before).map((request) => request.headers["if-match"])).toEqual(["3"]);
    expect(server.row("a")).toMatchObject({ title: "mine", done: false, version: 4 });
  });
});

describe("a resolver", () => {
  it("is called with the exact local, base and server values, and its change is sent", async () => {
    const resolve = vi.fn<ConflictResolver<Todo>>(({ local, server }) => ({ title: `${server.title} + ${local.title}` }));
    const { server, mine } = await twoUsers({ resolve });
    const base = mine.store.get("a");
    const current = server.row("a");
    await mine.actions.update({ id: "a", data: { title: "mine" } });

    expect(resolve).toHaveBeenCalledTimes(1);
    expect(current).toMatchObject({ title: "theirs", done: true, version: 2 });
    expect(resolve.mock.calls[0]![0]).toEqual({ local: { title: "mine" }, base, server: current });
    expect(resolve.mock.calls[0]![0].base).toBe(base);
    expect(puts(server).at(-1)).toMatchObject({ body: { title: "theirs + mine" }, headers: expect.objectContaining({ "if-match": "2" }) });
    expect(server.row("a")).toMatchObject({ title: "theirs + mine", done: true, version: 3 });
    expect(mine.store.list.slice()).toEqual(server.rows());
  });

  it("shows the merged change at once, while it is sent", async () => {
    const { server, mine } = await twoUsers({ resolve: ({ local, server: current }) => ({ title: `${current.title} + ${local.title}` }) });
    const titles = watchTitles(mine);
    const { saving, resend } = await refusedThenHeld(server, () => mine.actions.update({ id: "a", data: { title: "mine" } }));
    expect(mine.store.get("a")).toMatchObject({ title: "theirs + mine", done: true });
    expect(mine.store.writeStatus("a")?.fields).toEqual(["title"]);
    await resend.release();
    await saving;
    expect(titles).toEqual(["A", "mine", "theirs + mine"]);
  });

  it("keeps the server's todo when it returns null", async () => {
    const { server, mine } = await twoUsers({ resolve: () => null });
    await expect(mine.actions.update({ id: "a", data: { title: "mine" } })).rejects.toBeInstanceOf(OptimisticConflictError);
    expect(puts(server)).toHaveLength(2);
    expect(mine.store.list.slice()).toEqual(server.rows());
  });

  it("sends the change in the API's shape through the transformer", async () => {
    const due = new Date("2030-01-01T00:00:00.000Z");
    const { server, mine } = await twoUsers({ resolve: ({ local }) => ({ ...local, dueDate: due }) }, { transformer: undefined });
    await mine.actions.update({ id: "a", data: { title: "mine" } });
    expect(puts(server).at(-1)?.body).toEqual({ title: "mine", dueDate: "2030-01-01T00:00:00.000Z" });
    expect(mine.store.get("a")).toMatchObject({ title: "mine", dueDate: due });
  });

  it("gets as base the entity the change was sent on: after two quick edits, the first one's answer, so a three-way merge keeps the second", async () => {
    // The guide's merge: a field the server has as base had it is not theirs, and takes mine.
    const merge = vi.fn<ConflictResolver<Todo>>(({ local, base, server }) => (local.title !== undefined && server.title === base?.title ? { title: local.title } : null));
    const server = await startServer({ versioned: true, seed: makeTodos() });
    const mine = await open(server, { conflict: { detect, resolve: merge } });
    const first = server.hold({ method: "PUT", path: "/items/a" });
    const editing = mine.actions.update({ id: "a", data: { title: "x" } });
    const saving = mine.actions.update({ id: "a", data: { title: "y" } });
    await first.arrived;
    const second = server.hold({ method: "PUT", path: "/items/a" });
    await first.release();
    await editing; // version 2
    await second.arrived; // the second edit, sent on version 2
    server.serverUpdate("a", { done: true }, { silent: true }); // another user: version 3, so the second edit conflicts
    await second.release();
    await saving;

    expect(merge).toHaveBeenCalledTimes(1);
    expect(merge.mock.calls[0]![0]).toMatchObject({ local: { title: "y" }, base: { title: "x", version: 2 }, server: { title: "x", done: true, version: 3 } });
    expect(server.row("a")).toMatchObject({ title: "y", done: true, version: 4 });
    expect(mine.store.get("a")).toMatchObject({ title: "y", done: true, version: 4 });
  });

  it("reports a throwing resolver and keeps the server's todo", async () => {
    const onError = vi.fn();
    const failure = new Error("resolver broke");
    const { server, mine } = await twoUsers(
      {
        resolve: () => {
          throw failure;
        },
      },
      { onError },
    );
    await expect(mine.actions.update({ id: "a", data: { title: "mine" } })).rejects.toBeInstanceOf(OptimisticConflictError);
    expect(onError).toHaveBeenCalledWith(failure, expect.objectContaining({ source: "callback", id: "a" }));
    expect(mine.store.list.slice()).toEqual(server.rows());
  });
});

describe("a merged change kept failed (keepFailed)", () => {
  const merge =
    (locals: Partial<Todo>[]): ConflictResolver<Todo> =>
    ({ local, server }) => {
      locals.push({ ...local });
      return { title: `${server.title} + ${String(local.title)}` };
    };

  /** An update of todo a whose first send conflicts and is merged ("theirs + mine"); the merged send is refused with the same row, and the change is kept failed. */
  async function keptMerged(locals: Partial<Todo>[] = []) {
    const { server, mine } = await twoUsers({ resolve: merge(locals), maxAttempts: 2 }, { keepFailed: true });
    const first = server.hold({ method: "PUT", path: "/items/a" });
    const saving = mine.actions.update({ id: "a", data: { title: "mine" } }).catch((e: unknown) => e);
    await first.arrived;
    server.intercept({ method: "PUT", path: "/items/a" }, { status: 409, body: { error: "again", current: server.row("a") } });
    await first.release();
    expect(await saving).toBeInstanceOf(OptimisticConflictError);
    expect(mine.store.get("a")?.title).toBe("theirs + mine");
    expect(mine.store.writeStatus("a")).toMatchObject({ failed: true, fields: ["title"] });
    return { server, mine };
  }

  it("is sent by retry() as shown: the merged change, not the data the user gave", async () => {
    const { server, mine } = await keptMerged();
    const titles = watchTitles(mine);
    const before = puts(server).length;
    await mine.store.writeStatus("a")!.retry();
    expect(puts(server).slice(before).map((request) => request.body)).toEqual([{ title: "theirs + mine" }]);
    expect(server.row("a")).toMatchObject({ title: "theirs + mine", version: 3 });
    expect(titles).toEqual(["theirs + mine"]);
  });

  it("gives the resolver of a retry() round the user's own patch as local, not the previous merge", async () => {
    const locals: Partial<Todo>[] = [];
    const { server, mine } = await keptMerged(locals);
    server.serverUpdate("a", { title: "later" }, { silent: true }); // version 3: the retry conflicts
    await mine.store.writeStatus("a")!.retry();
    expect(locals).toEqual([{ title: "mine" }, { title: "mine" }]);
    expect(server.row("a")).toMatchObject({ title: "later + mine", version: 4 });
  });
});

describe("changes queued offline", () => {
  it("sends them in order once online: the first conflicts and goes again on their version, the second builds on its answer", async () => {
    const server = await startServer({ versioned: true, seed: makeTodos() });
    const mine = await open(server, { conflict: { detect, resolve: "client-wins" } });
    onCleanup(() => onlineManager.setOnline(true));
    onlineManager.setOnline(false);
    const first = mine.actions.update({ id: "a", data: { title: "mine offline" } });
    const second = mine.actions.update({ id: "a", data: { done: false } });
    expect(mine.status.queuedCount).toBe(2);
    // Another user's edit meanwhile (this process is offline for query-core: written on the server).
    server.serverUpdate("a", { title: "theirs", done: true });
    expect(server.row("a")).toMatchObject({ version: 2 });

    onlineManager.setOnline(true);
    await Promise.all([first, second]);
    // Mine: If-Match 1 (refused), again on 2, then the second change on the first one's answer (3).
    expect(puts(server).map((request) => request.headers["if-match"])).toEqual(["1", "2", "3"]);
    expect(server.row("a")).toMatchObject({ title: "mine offline", done: false, version: 4 });
    expect(mine.store.list.slice()).toEqual(server.rows());
    expect(mine.status.queuedCount).toBe(0);
  });
});

describe("detect", () => {
  it("reports a throwing detect and fails the change with the server's error", async () => {
    const onError = vi.fn();
    const failure = new Error("detect broke");
    const { mine } = await twoUsers(
      {
        detect: () => {
          throw failure;
        },
      },
      { onError },
    );
    await expect(mine.actions.update({ id: "a", data: { title: "mine" } })).rejects.toMatchObject({ status: 409 });
    expect(onError).toHaveBeenCalledWith(failure, expect.objectContaining({ source: "callback" }));
    expect(mine.store.get("a")).toMatchObject({ title: "A", version: 1 });
  });

  it("fails the change and reports a server entity of another id, which is not written under the updated one's", async () => {
    const onError = vi.fn();
    const { server, mine } = await twoUsers({}, { onError });
    server.intercept({ method: "PUT", path: "/items/a" }, { status: 409, body: { error: "x", current: { ...server.row("b"), title: "B from 409" } } });
    await expect(mine.actions.update({ id: "a", data: { title: "mine" } })).rejects.toMatchObject({ status: 409 });
    expect(mine.store.get("a")).toMatchObject({ id: "a", title: "A", version: 1 });
    expect(mine.store.get("b")).toMatchObject({ title: "B" });
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ name: "OptimisticEntityError" }), expect.objectContaining({ source: "mutation" }));
  });
});

describe("a conflict and a deletion", () => {
  it.each(["server-wins", "client-wins"] as const)("a 409 that lands after a realtime DELETE of the entity does not bring it back (%s)", async (resolve) => {
    const server = await startServer({ versioned: true, seed: makeTodos() });
    const mine = await open(server, { conflict: { detect, resolve }, realtime: { eventType: server.eventType } });
    mine.realtime!.connect(await connectClient(server));
    await vi.waitFor(() => expect(mine.realtime!.isConnected).toBe(true));
    server.serverUpdate("a", { title: "theirs" }, { silent: true }); // version 2, not heard of here
    const gate = server.hold({ method: "PUT", path: "/items/a" }, { applyAt: "request" });
    const saving = mine.actions.update({ id: "a", data: { title: "mine" } }).catch((error: unknown) => error);
    await gate.arrived; // the 409 (row at version 2) is decided now
    server.serverDelete("a"); // then someone deletes a: its event reaches this client before the 409
    await vi.waitFor(() => expect(mine.store.get("a")).toBeUndefined());
    const seen: (string | undefined)[] = [];
    onCleanup(reaction(() => mine.store.get("a")?.title, (title) => seen.push(title)));
    await gate.release();
    expect(await saving).toMatchObject({ status: 409 });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(mine.store.get("a")).toBeUndefined();
    expect(mine.store.list.map((todo) => todo.id)).toEqual(["b", "c"]);
    expect(seen).toEqual([]);
  });
});

describe("without version", () => {
  it("the 409 of an earlier update that lands after a later update's answer does not move the later update's field back", async () => {
    const api = createManualApi();
    const conflictError = (current: Todo) => Object.assign(new Error("409"), { current });
    const manager = createOptimisticStoreManager<Todo>(
      {
        name: "manual",
        transformer: false,
        queryFn: api.queryFn,
        mutations: api.mutations,
        conflict: { detect: (error) => (error as { current?: Todo }).current, resolve: "client-wins" },
      },
      createTestQueryClient(),
    );
    onCleanup(() => manager.destroy());
    (await api.next("query")).resolve([{ id: "a", title: "A", done: false }]);
    await vi.waitFor(() => expect(manager.store.count).toBe(1));
    const done: unknown[] = [];
    onCleanup(reaction(() => manager.store.get("a")?.done, (value) => done.push(value), { fireImmediately: true }));
    const first = manager.actions.update({ id: "a", data: { title: "mine" } });
    const second = manager.actions.update({ id: "a", data: { done: true } });
    const firstCall = await api.next("update");
    const secondCall = await api.next("update");
    // The server refused the first (409, the row as it was), then wrote the second, whose answer arrives first.
    secondCall.resolve({ id: "a", title: "A", done: true });
    await second;
    firstCall.reject(conflictError({ id: "a", title: "A", done: false }));
    (await api.next("update")).resolve({ id: "a", title: "mine", done: true });
    await first;
    expect(manager.store.get("a")).toEqual({ id: "a", title: "mine", done: true });
    expect(done).toEqual([false, true]);
  });
});

describe("config.conflict", () => {
  const api = createTestApi({ url: "http://127.0.0.1:1", resource: "items" });
  it.each([
    ["no detect", {}],
    ["an unknown strategy", { detect, resolve: "mine-wins" }],
    ["maxAttempts 0", { detect, maxAttempts: 0 }],
    ["maxAttempts 1.5", { detect, maxAttempts: 1.5 }],
  ])("refuses %s with an OptimisticConfigError", (_label, conflict) => {
    expect(() => createOptimisticStoreManager({ name: "c", ...api, conflict } as never, createTestQueryClient())).toThrow(OptimisticConfigError);
  });
});
