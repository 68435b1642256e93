/**
 * The demo's devtools mount (demo/client/pageDevtools.ts) in jsdom, with managers of the built
 * package, as the page has them: one section per store of `pageStores`, in the panels' order; mounted
 * again with the new manager when a panel makes a new store or goes; nothing left once unmounted.
 */
import { environmentManager } from "@tanstack/query-core";
import { observable, runInAction } from "mobx";
import { createOptimisticStoreManager } from "mobx-tanstack-optimistic";
import { createFakeBackend } from "mobx-tanstack-optimistic/testing";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { inPanelOrder, mountPageDevtools } from "../../demo/client/pageDevtools";
import type { PageStore } from "../../demo/client/stores";
import { newQueryClient, onCleanup, until } from "./helpers";

beforeAll(() => environmentManager.setIsServer(() => false));
afterEach(() => document.body.replaceChildren());

interface Item {
  id: string;
  title: string;
}

/** A manager named `name` on a fake backend holding `titles`, once its list is in the store. */
async function manager(name: string, titles: string[]): Promise<PageStore> {
  const backend = createFakeBackend<Item>({ initial: titles.map((title, i) => ({ id: `${name}-${i + 1}`, title })) });
  const created = createOptimisticStoreManager<Item>({ name, ...backend, transformer: false }, newQueryClient());
  onCleanup(() => created.destroy());
  await until(() => created.store.count === titles.length);
  return { name, manager: created };
}

function mount(stores: PageStore[]) {
  const target = document.createElement("div");
  document.body.append(target);
  const unmount = mountPageDevtools(target, stores);
  onCleanup(unmount);
  const sections = () => {
    const hosts = target.querySelectorAll("[data-mobx-tanstack-optimistic-devtools]");
    const root = hosts[0]?.shadowRoot;
    return {
      hosts: hosts.length,
      names: root ? Array.from(root.querySelectorAll("details.manager"), (node) => node.getAttribute("data-manager")) : [],
      ids: (name: string) => Array.from(root?.querySelectorAll(`details.manager[data-manager="${name}"] li.entity`) ?? [], (row) => row.getAttribute("data-id")),
    };
  };
  return { target, unmount, sections };
}

describe("demo devtools mount", () => {
  it("orders the stores as the panels stand on the page, whatever order they were listed in", async () => {
    const [grid, todos, other, posts] = await Promise.all([manager("checkboxes", ["a"]), manager("todos", ["t"]), manager("other", ["o"]), manager("posts", ["p"])]);
    expect(inPanelOrder([grid!, todos!, other!, posts!])).toEqual([todos!.manager, posts!.manager, grid!.manager, other!.manager]);
  });

  it("mounts again with the current managers when a store is made anew, and only then", async () => {
    const todos = await manager("todos", ["one", "two"]);
    const grid = await manager("checkboxes", ["a", "b", "c"]);
    const stores = observable.array<PageStore>([grid, todos], { deep: false });
    const { target, sections } = mount(stores);
    expect(sections()).toMatchObject({ hosts: 1, names: ["todos", "checkboxes"] });
    expect(sections().ids("todos")).toEqual(["todos-1", "todos-2"]);
    const firstHost = target.firstElementChild;

    // The same managers listed anew (a panel's effect run again): the panel stays as it is.
    runInAction(() => stores.replace([todos, grid]));
    expect(target.firstElementChild).toBe(firstHost);

    // The todos panel makes a new store: its effect takes the old one out and lists the new one.
    const renewed = await manager("todos", ["fresh"]);
    runInAction(() => stores.remove(todos));
    expect(sections()).toMatchObject({ hosts: 1, names: ["checkboxes"] });
    runInAction(() => stores.push(renewed));
    expect(sections()).toMatchObject({ hosts: 1, names: ["todos", "checkboxes"] });
    expect(sections().ids("todos")).toEqual(["todos-1"]);
    expect(target.firstElementChild).not.toBe(firstHost);
    todos.manager.destroy(); // what useOptimisticStore does to the old one: the panel no longer shows it
    await renewed.manager.actions.update({ id: "todos-1", data: { title: "renamed" } });
    const preview = () => target.firstElementChild?.shadowRoot?.querySelector('li.entity[data-id="todos-1"] .preview')?.textContent;
    await vi.waitFor(() => expect(preview()).toContain('title: "renamed"'));
  });

  it("leaves nothing behind when unmounted, and stops following the list", async () => {
    const todos = await manager("todos", ["one"]);
    const stores = observable.array<PageStore>([todos], { deep: false });
    const { target, unmount } = mount(stores);
    expect(target.childNodes).toHaveLength(1);
    unmount();
    expect(target.childNodes).toHaveLength(0);
    runInAction(() => stores.push({ name: "posts", manager: todos.manager }));
    expect(target.childNodes).toHaveLength(0);
    unmount();
  });
});
