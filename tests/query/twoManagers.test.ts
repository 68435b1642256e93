/**
 * Two managers of one key on one QueryClient (two screens of one collection), each listening to
 * the same real socket.io server: they end equal to the server, never lose an edit, never flicker.
 */
import { reaction } from "mobx";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createOptimisticStoreManager, type OptimisticStoreManager } from "../../src";
import { connectClient, createTestApi } from "../__fixtures__";
import type { Todo } from "../__fixtures__/mockData";
import { cleanup, createTestQueryClient, loaded, nextMacrotask, onCleanup, replaysAtCleanup, startServer } from "../__fixtures__/testHelpers";

afterEach(cleanup);

const shown = (manager: OptimisticStoreManager<Todo>) => manager.store.list.map((todo) => `${todo.id}:${todo.title}`);

/** A server seeded with a, b and two managers of its key on one client, both loaded (with `realtime`: each on its own socket). */
async function twoScreens({ realtime = false, version = false, enabled = undefined as (() => boolean) | undefined } = {}) {
  const server = await startServer({ seed: [{ id: "a", title: "A" }, { id: "b", title: "B" }], versioned: version });
  const client = createTestQueryClient();
  const make = (extra: { enabled?: () => boolean } = {}) => {
    const api = createTestApi<Todo>(server);
    const manager = createOptimisticStoreManager<Todo>(
      { name: server.resource, queryFn: api.queryFn, mutations: api.mutations, transformer: false, ...(realtime && { realtime: { eventType: server.eventType } }), ...(version && { version: "version" }), ...extra },
      client,
    );
    onCleanup(() => manager.destroy());
    replaysAtCleanup(manager, version ? "version" : undefined);
    return manager;
  };
  const one = make();
  await loaded(one, 2);
  /** The second screen's `enabled` option, when given. */
  const two = make(enabled && { enabled });
  await loaded(two, 2);
  if (realtime) {
    one.realtime!.connect(await connectClient(server));
    two.realtime!.connect(await connectClient(server));
  }
  const cached = () => (client.getQueryData<Todo[]>([server.resource]) ?? []).map((todo) => `${todo.id}:${todo.title}`);
  const rows = () => server.rows().map((todo) => `${todo.id}:${todo.title}`);
  return { server, client, one, two, cached, rows };
}

describe("store.reconcile() on one screen while the shared fetch is in flight", () => {
  it("a refetch the other screen asks for afterwards is shown on both screens and kept in the cache", async () => {
    const { server, one, two, cached, rows } = await twoScreens();
    const gate = server.hold({ method: "GET" }, { applyAt: "request" });
    const first = one.actions.refetch();
    await gate.arrived; // reads a, b
    one.store.reconcile(server.rows()); // the app's own list: newer than that fetch
    server.serverInsert({ id: "y", title: "Y" }, { silent: true }); // another client, no event
    await two.actions.refetch(); // a fetch started after the reconcile: reads a, b, y
    await gate.release();
    await first.catch(() => undefined);
    await nextMacrotask();
    expect(shown(two)).toEqual(rows());
    expect(shown(one)).toEqual(rows());
    expect(cached()).toEqual(rows());
  });

  it.each([
    ["", false],
    [", and both keep the realtime events that arrived after it", true],
  ])("an entity another client deleted before the reconcile never shows on the screen whose fetch was in flight%s", async (_label, realtime) => {
    const { server, one, two, cached, rows } = await twoScreens({ realtime });
    const x = server.serverInsert({ title: "X" }, { silent: true }).id;
    const shownX: string[] = [];
    onCleanup(reaction(() => [...shown(one), ...shown(two)].filter((todo) => todo.startsWith(`${x}:`)), (list) => shownX.push(...list)));
    const gate = server.hold({ method: "GET" }, { applyAt: "request" });
    const first = one.actions.refetch();
    await gate.arrived; // reads a, b, x
    server.serverDelete(x, { silent: true });
    two.store.reconcile(server.rows()); // the other screen's list: a, b
    if (realtime) {
      server.serverUpdate("a", { title: "A2" });
      server.serverInsert({ title: "Y" });
      await vi.waitFor(() => expect([shown(one), shown(two)]).toEqual([rows(), rows()]));
    }
    await gate.release();
    await first;
    await nextMacrotask();
    expect(shownX).toEqual([]);
    expect(shown(one)).toEqual(rows());
    expect(shown(two)).toEqual(rows());
    expect(cached()).toEqual(rows());
  });
});

describe("both screens change one entity while a fetch is in flight", () => {
  /**
   * A refetch of one screen is held (it read a = A); screen one's update to A1 reaches the server
   * (its answer held), then screen two's update to A2 is carried out and answered; then screen
   * one's answer lands, then the fetch.
   */
  async function answersCrossed(realtime: boolean, version = false) {
    const made = await twoScreens({ realtime, version });
    const { server, one, two } = made;
    const titlesOfA = { one: [] as string[], two: [] as string[] };
    onCleanup(reaction(() => one.store.get("a")?.title, (title) => titlesOfA.one.push(String(title))));
    onCleanup(reaction(() => two.store.get("a")?.title, (title) => titlesOfA.two.push(String(title))));
    const fetchGate = server.hold({ method: "GET" }, { applyAt: "request" });
    const refetch = one.actions.refetch();
    await fetchGate.arrived;
    const answerGate = server.hold({ method: "PUT" }, { applyAt: "request" });
    const first = one.actions.update({ id: "a", data: { title: "A1" } });
    await answerGate.arrived; // the server wrote A1
    await two.actions.update({ id: "a", data: { title: "A2" } }); // then A2
    await answerGate.release();
    await first;
    await fetchGate.release();
    await refetch;
    await nextMacrotask();
    return { ...made, titlesOfA };
  }

  it("with realtime: both screens end on the server's value, never go back to an older one, and nothing is printed", async () => {
    const { one, two, cached, rows, titlesOfA } = await answersCrossed(true);
    await vi.waitFor(() => expect([shown(one), shown(two)]).toEqual([rows(), rows()]));
    expect(cached()).toEqual(rows());
    expect(titlesOfA.two).toEqual(["A2"]);
    expect(titlesOfA.one.slice(titlesOfA.one.indexOf("A2"))).toEqual(["A2"]);
  });

  it("without realtime, with version: both screens end on the server's value", async () => {
    const { one, two, cached, rows } = await answersCrossed(false, true);
    expect(shown(one)).toEqual(rows());
    expect(shown(two)).toEqual(rows());
    expect(cached()).toEqual(rows());
  });

  it("without realtime: the screens and the cache agree (the answer landing last stands), and nothing is printed", async () => {
    const { one, two, cached } = await answersCrossed(false);
    expect(shown(one)).toEqual(shown(two));
    expect(cached()).toEqual(shown(one));
  });
});

describe("one screen disabled while the other changes the collection", () => {
  it.each([
    ["disable() and enable()", false, false],
    ["updateOptions() after its enabled() changed", true, false],
    ["disable() and enable(), with a change of its own while disabled", false, true],
  ])("%s: the changes the other screen made meanwhile show when it is enabled again", async (_label, byOptions, own) => {
    let visible = true;
    const { server, one, two, cached } = await twoScreens({ enabled: () => visible });
    const toggle = (on: boolean) => {
      visible = on;
      if (byOptions) two.updateOptions();
      else if (on) two.enable();
      else two.disable();
    };
    toggle(false);
    if (own) await two.actions.update({ id: "b", data: { title: "B2" } });
    await one.actions.update({ id: "a", data: { title: "A2" } });
    await one.actions.create({ title: "C" });
    await one.actions.remove("b");
    expect(cached()).toEqual(shown(one));
    toggle(true);
    expect(shown(two)).toEqual(shown(one));
    expect(shown(two)).toEqual(server.rows().map((todo) => `${todo.id}:${todo.title}`));
  });
});

describe("store.clear() on one screen (a sign-out)", () => {
  it("the other screen shows the emptied list too, and the server's list again at its next refetch()", async () => {
    const { one, two, cached, rows } = await twoScreens();
    one.store.clear();
    expect(shown(two)).toEqual([]);
    expect(cached()).toEqual([]);
    await two.actions.refetch();
    expect(shown(two)).toEqual(rows());
    expect(shown(one)).toEqual(rows());
  });
});
