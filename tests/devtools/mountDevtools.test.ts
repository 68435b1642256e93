/**
 * The devtools panel in jsdom, on real managers answered by the testing kit's fake backend: what it
 * lists, how it follows changes, its Retry / Discard buttons, its filter, and that unmounting
 * leaves nothing behind.
 */
import { environmentManager, type QueryClient } from "@tanstack/query-core";
import { getObserverTree } from "mobx";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createOptimisticStoreManager, OptimisticError, type OptimisticStoreConfig } from "../../src";
import { managerInternals } from "../../src/core/eventLog";
import { mountDevtools } from "../../src/devtools";
import { createFakeBackend } from "../../src/testing";
import { heapGrowth, instantTodos } from "../__fixtures__/heap";
import { makeTodos, type Todo } from "../__fixtures__/mockData";
import { cleanup, createMockSocket, createTestQueryClient, onCleanup } from "../__fixtures__/testHelpers";

environmentManager.setIsServer(() => false);
afterEach(async () => {
  document.body.replaceChildren();
  await cleanup();
});

/**
 * A manager on a fake backend (answering at once, or `manual`ly) and a fresh client, destroyed after
 * the test; returned once its first list is in the store.
 */
async function setup(options: { manual?: boolean; initial?: Todo[]; name?: string; config?: Partial<OptimisticStoreConfig<Todo>> } = {}) {
  const initial = options.initial ?? makeTodos();
  const backend = createFakeBackend<Todo>({ initial, manual: options.manual });
  const client: QueryClient = createTestQueryClient();
  const manager = createOptimisticStoreManager<Todo>({ name: options.name ?? "todos", ...backend, transformer: false, ...options.config }, client);
  onCleanup(() => manager.destroy());
  if (options.manual) (await backend.nextRequest("query")).resolve();
  await vi.waitFor(() => expect(manager.store.list).toHaveLength(initial.length));
  return { backend, client, manager };
}

/** Mounts the panel in a fresh element of the page; unmounted after the test. */
function mount(managers: Parameters<typeof mountDevtools>[1]) {
  const target = document.createElement("div");
  document.body.append(target);
  const unmount = mountDevtools(target, managers);
  onCleanup(unmount);
  const root = target.querySelector("[data-mobx-tanstack-optimistic-devtools]")!.shadowRoot!;
  return { target, root, unmount };
}

const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
const rowOf = (root: ShadowRoot, id: string) => root.querySelector<HTMLElement>(`li.entity[data-id="${id}"]`);
const rowIds = (root: ShadowRoot) => Array.from(root.querySelectorAll("li.entity")).map((row) => row.getAttribute("data-id"));
const timeline = (root: ShadowRoot) => Array.from(root.querySelectorAll("li.event .text")).map((line) => line.textContent);
const statusText = (root: ShadowRoot) => root.querySelector(".status")!.textContent;

describe("mountDevtools", () => {
  it("lists each manager's entities with a one-line preview, its query status and realtime state", async () => {
    const { manager } = await setup();
    const { root, target } = mount([manager]);

    expect(target.children).toHaveLength(1);
    expect(root.mode).toBe("open");
    expect(root.querySelector("h2")!.textContent).toBe("todos");
    expect(rowIds(root)).toEqual(["a", "b", "c"]);
    expect(rowOf(root, "a")!.querySelector(".preview")!.textContent).toBe('title: "A", done: false');
    expect(rowOf(root, "a")!.getAttribute("data-state")).toBe("confirmed");
    expect(root.querySelector("h3 .count")!.textContent).toBe("(3)");
    expect(statusText(root)).toBe("query: idlein flight: nonefailed: 0realtime: off");
    expect(root.querySelector("ol.timeline")!.children).toHaveLength(0);
    // The styles live in the shadow root: nothing was added to the page's head.
    expect(root.querySelector("style")!.textContent).toContain(":host");
    expect(document.head.querySelectorAll("style")).toHaveLength(0);
  });

  it("follows the query: syncing during a refetch, then its error", async () => {
    const onError = vi.fn();
    const { backend, manager } = await setup({ manual: true, config: { onError } });
    const { root } = mount([manager]);
    const refetch = manager.actions.refetch();
    await nextFrame();
    expect(root.querySelector("[data-query]")!.textContent).toBe("query: syncing");
    (await backend.nextRequest("query")).reject(new Error("Server down"));
    await refetch.catch(() => undefined);
    await vi.waitFor(() => expect(manager.status.isError).toBe(true));
    await nextFrame();
    expect(root.querySelector("[data-query]")!.textContent).toBe("query: error (Server down)");
    expect(rowIds(root)).toEqual(["a", "b", "c"]);
  });

  it("shows a pending change with its fields, then confirmed once the server answers", async () => {
    const { backend, manager } = await setup({ manual: true });
    const { root } = mount([manager]);

    const saving = manager.actions.update({ id: "b", data: { title: "B2" } });
    await nextFrame();
    const row = rowOf(root, "b")!;
    expect(row.getAttribute("data-state")).toBe("pending");
    expect(row.querySelector(".write")!.textContent).toBe("pending update (title)");
    expect(row.querySelector(".preview")!.textContent).toBe('title: "B2", done: false');
    expect(timeline(root)).toEqual(["update b applied (title)"]);
    expect(root.querySelector("[data-pending]")!.textContent).toBe("in flight: 1 update");

    (await backend.nextRequest("update")).resolve();
    await saving;
    await nextFrame();
    expect(row.getAttribute("data-state")).toBe("confirmed");
    expect(row.querySelector(".write")!.textContent).toBe("confirmed");
    expect(timeline(root)).toEqual(["update b succeeded", "update b applied (title)"]);
    expect(root.querySelector("[data-pending]")!.textContent).toBe("in flight: none");
  });

  it("shows a create under its temporary id, then the server's entity in its place", async () => {
    const { backend, manager } = await setup({ manual: true });
    const { root } = mount([manager]);

    const creating = manager.actions.create({ title: "D" });
    const temporary = manager.store.list[3]!.id;
    await nextFrame();
    expect(rowOf(root, temporary)!.getAttribute("data-state")).toBe("pending");
    expect(rowOf(root, temporary)!.querySelector(".write")!.textContent).toBe("pending create");
    (await backend.nextRequest("create")).resolve();
    await creating;
    await nextFrame();
    expect(rowIds(root)).toEqual(["a", "b", "c", "srv-1"]);
    expect(timeline(root)).toEqual([`create ${temporary} → srv-1 succeeded`, `create ${temporary} applied`]);
    expect(backend.items()).toHaveLength(4);
  });

  it("shows the changes already in flight when it mounts, a hidden entity's remove included", async () => {
    const { backend, manager } = await setup({ manual: true });
    const removing = manager.actions.remove("b");
    const { root } = mount([manager]);
    expect(rowIds(root)).toEqual(["b", "a", "c"]);
    const row = rowOf(root, "b")!;
    expect(row.classList.contains("pinned")).toBe(true);
    expect(row.querySelector(".write")!.textContent).toBe("pending remove");
    expect(row.querySelector(".preview")!.textContent).toBe("(hidden until its changes settle)");

    (await backend.nextRequest("remove")).resolve();
    await removing;
    await nextFrame();
    await nextFrame();
    expect(rowIds(root)).toEqual(["a", "c"]);
    expect(timeline(root)).toEqual(["remove b succeeded"]);
  });

  it("keeps a failed change (keepFailed) with Retry and Discard, and both buttons work", async () => {
    const { backend, manager } = await setup({ manual: true, config: { keepFailed: true } });
    const { root } = mount([manager]);

    const saving = manager.actions.update({ id: "a", data: { done: true } });
    (await backend.nextRequest("update")).reject(new Error("Server down"));
    await expect(saving).rejects.toThrow("Server down");
    await nextFrame();
    const row = rowOf(root, "a")!;
    expect(row.getAttribute("data-state")).toBe("failed");
    expect(row.querySelector(".write")!.textContent).toBe("failed (done)");
    expect(row.querySelector<HTMLElement>(".failure")!.hidden).toBe(false);
    expect(row.querySelector(".error")!.textContent).toBe("Server down");
    expect(root.querySelector("[data-failed]")!.textContent).toBe("failed: 1");
    expect(timeline(root)[0]).toBe("update a failed: Server down (kept, retry or discard)");

    // Retry: sent again; it is pending, then confirmed.
    row.querySelector<HTMLButtonElement>('button[data-action="retry"]')!.click();
    const retried = await backend.nextRequest("update");
    expect(retried.data).toEqual({ done: true });
    await nextFrame();
    expect(row.getAttribute("data-state")).toBe("pending");
    retried.resolve();
    await vi.waitFor(() => expect(manager.store.writeStatus("a")).toBeUndefined());
    await nextFrame();
    expect(row.getAttribute("data-state")).toBe("confirmed");
    expect(row.querySelector<HTMLElement>(".failure")!.hidden).toBe(true);
    expect(backend.items()[0]).toEqual({ id: "a", title: "A", done: true });

    // Discard: a second failure rolled back by the button.
    const again = manager.actions.update({ id: "b", data: { title: "Nope" } });
    (await backend.nextRequest("update")).reject(new Error("Refused"));
    await expect(again).rejects.toThrow("Refused");
    await nextFrame();
    const rowB = rowOf(root, "b")!;
    expect(rowB.querySelector(".preview")!.textContent).toBe('title: "Nope", done: false');
    rowB.querySelector<HTMLButtonElement>('button[data-action="discard"]')!.click();
    expect(manager.store.get("b")!.title).toBe("B");
    await nextFrame();
    expect(rowB.getAttribute("data-state")).toBe("confirmed");
    expect(rowB.querySelector(".preview")!.textContent).toBe('title: "B", done: false');
    expect(root.querySelector("[data-failed]")!.textContent).toBe("failed: 0");
    expect(timeline(root).slice(0, 2)).toEqual(["update b discarded", "update b failed: Refused (kept, retry or discard)"]);
  });

  it("Retry or Discard pressed from the keyboard leaves the focus on the row (or the row that takes a discarded create's place), not on <body>", async () => {
    const { backend, manager } = await setup({ manual: true, config: { keepFailed: true } });
    const { root } = mount([manager]);
    const press = (id: string, action: string) => {
      const button = rowOf(root, id)!.querySelector<HTMLButtonElement>(`button[data-action="${action}"]`)!;
      button.focus();
      expect(root.activeElement).toBe(button);
      button.click();
    };

    const saving = manager.actions.update({ id: "a", data: { done: true } });
    (await backend.nextRequest("update")).reject(new Error("Server down"));
    await expect(saving).rejects.toThrow("Server down");
    await nextFrame();
    press("a", "retry");
    await backend.nextRequest("update");
    await nextFrame();
    expect(rowOf(root, "a")!.querySelector<HTMLElement>(".failure")!.hidden).toBe(true);
    expect(root.activeElement).toBe(rowOf(root, "a"));

    const creating = manager.actions.create({ title: "D" });
    const tempId = manager.store.list[3]!.id;
    (await backend.nextRequest("create")).reject(new Error("Refused"));
    await expect(creating).rejects.toThrow("Refused");
    await nextFrame();
    press(tempId, "discard");
    await nextFrame();
    expect(rowOf(root, tempId)).toBeNull();
    expect(root.activeElement).toBe(rowOf(root, "c"));
  });

  it("a retry that fails again stays failed and prints nothing", async () => {
    const { backend, manager } = await setup({ manual: true, config: { keepFailed: true } });
    const { root } = mount([manager]);
    const saving = manager.actions.remove("c");
    (await backend.nextRequest("remove")).reject(new Error("Locked"));
    await expect(saving).rejects.toThrow("Locked");
    await nextFrame();

    rowOf(root, "c")!.querySelector<HTMLButtonElement>('button[data-action="retry"]')!.click();
    (await backend.nextRequest("remove")).reject(new Error("Still locked"));
    await vi.waitFor(() => expect(manager.store.writeStatus("c")?.error?.message).toBe("Still locked"));
    await nextFrame();
    expect(rowOf(root, "c")!.querySelector(".error")!.textContent).toBe("Still locked");
    expect(timeline(root).slice(0, 2)).toEqual(["remove c failed: Still locked (kept, retry or discard)", "remove c retried"]);
  });

  it("filters the timeline and the entities by id", async () => {
    const { manager } = await setup();
    const { root } = mount([manager]);
    await manager.actions.update({ id: "a", data: { title: "A2" } });
    await manager.actions.update({ id: "b", data: { title: "B2" } });
    manager.store.upsert({ id: "c", title: "C2", done: true });
    await manager.actions.refetch();
    await nextFrame();
    // The refetch brings back c as the server has it.
    expect(timeline(root)).toEqual([
      "server list: +0 ~1 -0",
      "store upsert c",
      "update b succeeded",
      "update b applied (title)",
      "update a succeeded",
      "update a applied (title)",
    ]);

    const filter = root.querySelector<HTMLInputElement>("input.filter")!;
    filter.value = " B ";
    filter.dispatchEvent(new Event("input"));
    await nextFrame();
    expect(timeline(root)).toEqual(["update b succeeded", "update b applied (title)"]);
    expect(rowIds(root)).toEqual(["b"]);
    expect(root.querySelector("h3 .count")!.textContent).toBe("(3, 1 matching)");

    // New events follow the filter.
    await manager.actions.update({ id: "a", data: { title: "A3" } });
    await manager.actions.update({ id: "b", data: { title: "B3" } });
    await nextFrame();
    expect(timeline(root)).toEqual(["update b succeeded", "update b applied (title)", "update b succeeded", "update b applied (title)"]);

    filter.value = "";
    filter.dispatchEvent(new Event("input"));
    await nextFrame();
    expect(timeline(root)).toHaveLength(10);
    expect(rowIds(root)).toEqual(["a", "b", "c"]);
  });

  it("filters the timeline by a created entity's server id, its events under the temporary id included", async () => {
    const { backend, manager } = await setup({ manual: true });
    const { root } = mount([manager]);
    const filter = root.querySelector<HTMLInputElement>("input.filter")!;
    filter.value = "srv-1";
    filter.dispatchEvent(new Event("input"));

    const creating = manager.actions.create({ title: "D" });
    const temporary = manager.store.list[3]!.id;
    const renaming = manager.actions.update({ id: temporary, data: { title: "D2" } }); // waits for the create
    await nextFrame();
    expect(timeline(root)).toEqual([]); // nothing of srv-1 yet
    (await backend.nextRequest("create")).resolve();
    await creating;
    (await backend.nextRequest("update")).resolve();
    await renaming;
    await nextFrame();
    expect(timeline(root)).toEqual([
      "update srv-1 succeeded",
      `create ${temporary} → srv-1 succeeded`,
      `update ${temporary} applied (title)`,
      `create ${temporary} applied`,
    ]);
    // Already drawn under another filter, the older lines learn the server id too.
    filter.value = "";
    filter.dispatchEvent(new Event("input"));
    await nextFrame();
    filter.value = "srv-1";
    filter.dispatchEvent(new Event("input"));
    await nextFrame();
    expect(timeline(root)).toHaveLength(4);
    expect(root.querySelector(`li.event[data-ids~="srv-1"]:last-child`)).not.toBeNull();
  });

  it("describes a refetch under a pending change and realtime events, the echo included", async () => {
    const socket = createMockSocket();
    const { backend, manager } = await setup({ manual: true, config: { realtime: { eventType: "todo_update" } } });
    const { root } = mount([manager]);
    expect(root.querySelector("[data-realtime]")!.textContent).toBe("realtime: disconnected");
    manager.realtime!.connect(socket);
    await nextFrame();
    expect(root.querySelector("[data-realtime]")!.textContent).toBe("realtime: connected");

    const saving = manager.actions.update({ id: "a", data: { title: "A2" } });
    const update = await backend.nextRequest("update");
    const refetch = manager.actions.refetch();
    (await backend.nextRequest("query")).resolve();
    await refetch;
    socket.emit("todo_update", { type: "todo_update", event: "UPDATE", data: { id: "c", title: "C from another tab", done: true } });
    update.resolve();
    socket.emit("todo_update", { type: "todo_update", event: "UPDATE", data: { id: "a", title: "A2", done: false }, ...update.receipt });
    await saving;
    await vi.waitFor(() => expect(manager.store.get("c")!.title).toBe("C from another tab"));
    await nextFrame();
    const lines = timeline(root);
    expect(lines).toContain("server list: +0 ~0 -0, 1 kept pending");
    expect(lines).toContain("realtime UPDATE c");
    expect(lines).toContain("realtime UPDATE a (echo)");
    expect(rowOf(root, "c")!.querySelector(".preview")!.textContent).toBe('title: "C from another tab", done: true');
  });

  it("shows the first 200 of 10,000 entities, a change on the last one above them, and stays cheap", async () => {
    const initial = Array.from({ length: 10_000 }, (_, i) => ({ id: `t${i}`, title: `Todo ${i}`, done: false }));
    const { backend, manager } = await setup({ manual: true, initial });
    const { root } = mount([manager]);
    await nextFrame();
    expect(root.querySelectorAll("li.entity")).toHaveLength(200);
    expect(root.querySelector(".note")!.textContent).toBe("Showing the first 200 of 10000; filter by id to find more.");

    const saving = manager.actions.update({ id: "t9999", data: { done: true } });
    await nextFrame();
    expect(rowIds(root)[0]).toBe("t9999");
    expect(rowOf(root, "t9999")!.classList.contains("pinned")).toBe(true);
    (await backend.nextRequest("update")).resolve();
    await saving;
    await nextFrame();
    await nextFrame();
    expect(rowOf(root, "t9999")).toBeNull();
    expect(root.querySelectorAll("li.entity")).toHaveLength(200);

    const filter = root.querySelector<HTMLInputElement>("input.filter")!;
    filter.value = "t999";
    filter.dispatchEvent(new Event("input"));
    await nextFrame();
    expect(rowIds(root)).toEqual(["t999", "t9990", "t9991", "t9992", "t9993", "t9994", "t9995", "t9996", "t9997", "t9998", "t9999"]);
    expect(root.querySelector<HTMLElement>(".note")!.hidden).toBe(true);
  });

  it("keeps only the newest 500 events, drawing a burst once", async () => {
    const { manager } = await setup();
    const { root } = mount([manager]);
    for (let i = 0; i < 1200; i++) manager.store.upsert({ id: `x${i}`, title: `X${i}` });
    await nextFrame();
    const lines = timeline(root);
    expect(lines).toHaveLength(500);
    expect(lines[0]).toBe("store upsert x1199");
    expect(lines[499]).toBe("store upsert x700");
    for (let i = 0; i < 10; i++) manager.store.remove(`x${i}`);
    await nextFrame();
    expect(timeline(root)).toHaveLength(500);
    expect(timeline(root)[0]).toBe("store remove x9");
  });

  it("keeps its memory flat in a hidden tab, where no animation frame runs, over 10,000 creates", async () => {
    const { manager, created } = instantTodos();
    // A background tab: the browser runs no animation frame until the tab is shown again.
    const frames: FrameRequestCallback[] = [];
    vi.spyOn(window, "requestAnimationFrame").mockImplementation((callback) => frames.push(callback));
    const { root } = mount([manager]);
    const cycles = async (count: number) => {
      for (let i = 0; i < count; i++) {
        const { id } = await manager.actions.create({ title: `T${i}` });
        await manager.actions.remove(id);
      }
    };
    const growth = await heapGrowth(cycles, 1_000, 10_000);
    // The aliases of answered creates and the ids noted for the entity list waited for a frame: ~240 bytes per create.
    expect(growth).toBeLessThan(1024 * 1024);
    expect(created()).toBe(11_000);
    vi.mocked(window.requestAnimationFrame).mockRestore();
    for (const frame of frames.splice(0)) frame(performance.now());
    expect(timeline(root)).toHaveLength(500);
  }, 60_000);

  it("unmounts: removes every node, DOM listener, reaction, subscription and event-log tap; twice is harmless", async () => {
    const added = vi.spyOn(EventTarget.prototype, "addEventListener");
    const removed = vi.spyOn(EventTarget.prototype, "removeEventListener");
    try {
      const socket = createMockSocket();
      const { manager, client } = await setup({ config: { keepFailed: true, realtime: { eventType: "todo_update" } } });
      manager.realtime!.connect(socket);
      const internals = managerInternals.get(manager)!;
      const cacheListeners = () => (client.getMutationCache() as unknown as { listeners: Set<unknown> }).listeners.size;
      const listenersBefore = cacheListeners();
      const target = document.createElement("section");
      target.append(document.createElement("p"));
      document.body.append(target);
      const before = Array.from(target.childNodes);
      added.mockClear();
      removed.mockClear();

      const unmount = mountDevtools(target, [manager]);
      expect(internals.ctx.layers.emit).toBeDefined();
      // The counts in flight are read from the runner (observed), not from query-core's mutation cache.
      expect(cacheListeners()).toBe(listenersBefore);
      expect(getObserverTree(internals.counts, "update").observers).toBeDefined();
      expect(getObserverTree(manager.status, "failedCount").observers).toBeDefined();
      await manager.actions.update({ id: "a", data: { title: "A2" } });
      await nextFrame();

      unmount();
      expect(Array.from(target.childNodes)).toEqual(before);
      expect(internals.ctx.layers.emit).toBeUndefined();
      expect(cacheListeners()).toBe(listenersBefore);
      expect(getObserverTree(internals.counts, "update").observers).toBeUndefined();
      expect(getObserverTree(manager.status, "failedCount").observers).toBeUndefined();
      expect(getObserverTree(manager.store.list).observers).toBeUndefined();
      // Every DOM listener the panel added (on its own nodes), removed.
      const listeners = (spy: typeof added) => new Set(spy.mock.calls.map(([type, listener]) => [type, listener]));
      expect(listeners(added).size).toBeGreaterThan(0);
      expect(listeners(removed)).toEqual(listeners(added));

      unmount();
      // Later changes reach nothing of the panel.
      await manager.actions.update({ id: "b", data: { title: "B2" } });
      await nextFrame();
      expect(Array.from(target.childNodes)).toEqual(before);
    } finally {
      added.mockRestore();
      removed.mockRestore();
    }
  });

  it("keeps onEvent listening after unmount", async () => {
    const onEvent = vi.fn();
    const { manager } = await setup({ config: { onEvent } });
    const { unmount } = mount([manager]);
    unmount();
    onEvent.mockClear();
    expect(managerInternals.get(manager)!.ctx.layers.emit).toBeDefined();
    await manager.actions.update({ id: "a", data: { title: "A2" } });
    expect(onEvent).toHaveBeenCalledTimes(2);
  });

  it("keeps its last state when a manager is destroyed under it, and still unmounts cleanly", async () => {
    const onError = vi.fn();
    const { manager } = await setup({ config: { onError } });
    const { root, target, unmount } = mount([manager]);
    await manager.actions.update({ id: "a", data: { title: "A2" } });
    manager.destroy();
    await nextFrame();
    expect(rowIds(root)).toEqual(["a", "b", "c"]);
    expect(timeline(root)).toEqual(["update a succeeded", "update a applied (title)"]);
    unmount();
    expect(target.childNodes).toHaveLength(0);
    expect(onError).not.toHaveBeenCalled();
  });

  it("mounts twice on one target, independently, and shows several managers", async () => {
    const { manager: todos } = await setup();
    const { manager: notes } = await setup({ name: "notes", initial: [{ id: "n1", title: "Note" }] });
    const target = document.createElement("div");
    document.body.append(target);
    const first = mountDevtools(target, [todos, notes]);
    const second = mountDevtools(target, [todos]);
    const [hostA, hostB] = Array.from(target.children);
    expect(target.children).toHaveLength(2);
    expect(Array.from(hostA!.shadowRoot!.querySelectorAll("h2")).map((h) => h.textContent)).toEqual(["todos", "notes"]);

    first();
    expect(Array.from(target.children)).toEqual([hostB]);
    await todos.actions.update({ id: "a", data: { title: "A2" } });
    await nextFrame();
    expect(timeline(hostB!.shadowRoot!)).toEqual(["update a succeeded", "update a applied (title)"]);
    second();
    expect(target.children).toHaveLength(0);

    const none = mountDevtools(target, []);
    expect(target.children[0]!.shadowRoot!.textContent).toContain("No managers given.");
    none();
  });

  it("refuses a target that is not an element, and managers that are not managers", async () => {
    const { manager } = await setup();
    const target = document.createElement("div");
    expect(() => mountDevtools(null as unknown as HTMLElement, [manager])).toThrow(OptimisticError);
    expect(() => mountDevtools("#devtools" as unknown as HTMLElement, [manager])).toThrow(
      "mountDevtools(target, managers): target must be an HTML element to mount the panel in (got string).",
    );
    expect(() => mountDevtools(document.createTextNode("x") as unknown as HTMLElement, [manager])).toThrow(/got Text/);
    expect(() => mountDevtools(target, manager as unknown as [])).toThrow(
      "mountDevtools(target, managers): managers must be an array of managers made by createOptimisticStoreManager (got Object).",
    );
    expect(() => mountDevtools(target, [manager, { store: {} } as never])).toThrow("mountDevtools: managers[1] needs a manager made by createOptimisticStoreManager.");
    expect(target.childNodes).toHaveLength(0);
    expect(managerInternals.get(manager)!.ctx.layers.emit).toBeUndefined();
  });
});
