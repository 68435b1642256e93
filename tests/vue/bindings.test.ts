import { dehydrate, environmentManager, hydrate, QueryClient } from "@tanstack/query-core";
import { mount } from "@vue/test-utils";
import { observable, runInAction } from "mobx";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createSSRApp, defineComponent, effectScope, h, isReactive, markRaw, nextTick, reactive, ref } from "vue";
import { renderToString } from "vue/server-renderer";
import { createOptimisticStoreManager, OptimisticLifecycleError } from "../../src";
import { createMemoryStorage } from "../../src/persist";
import { useObserved, useOptimisticStore } from "../../src/vue";
import { describeBindingConformance, rowIds } from "../__fixtures__/bindingConformance";
import { createBindingFixture, type BindingFixture, type TodoManager } from "../__fixtures__/bindings";
import type { Todo } from "../__fixtures__/mockData";
import { createTestApi } from "../__fixtures__/testApi";
import { TodoList } from "./TodoList";

beforeAll(() => environmentManager.setIsServer(() => false));

describeBindingConformance("Vue", {
  mount: (props) => {
    // mount() keeps props in a deep reactive(): a MobX observable must not be proxied by Vue.
    const wrapper = mount(TodoList, { props: { ...props, selected: markRaw(props.selected) }, attachTo: document.body });
    return { unmount: () => wrapper.unmount() };
  },
  flush: () => nextTick(),
});

describe("useObserved and useOptimisticStore (Vue)", () => {
  let fixture: BindingFixture;
  const unmounts: (() => void)[] = [];
  afterEach(async () => {
    for (const unmount of unmounts.splice(0)) unmount();
    await fixture.close();
  });

  async function loadedManager() {
    fixture = await createBindingFixture();
    const manager = fixture.factory();
    await new Promise<void>((resolve) => {
      const stop = setInterval(() => manager.store.count === 3 && (clearInterval(stop), resolve()), 5);
    });
    return manager;
  }

  it("changes a row's ref only when its own value changes", async () => {
    fixture = await createBindingFixture();
    const selected = observable.box<string | undefined>(undefined);
    const updates: string[] = [];
    const wrapper = mount(TodoList, { props: { factory: () => fixture.factory(), selected: markRaw(selected), onManager: () => {}, onUpdate: (id: string) => updates.push(id) }, attachTo: document.body });
    unmounts.push(() => wrapper.unmount());
    for (let i = 0; i < 300 && rowIds().length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    updates.length = 0;

    // Every row reads `selected`; only the row whose `selected === id` flips renders again.
    runInAction(() => selected.set("c"));
    await nextTick();
    expect(updates).toEqual(["c"]);
    expect(document.querySelector("[data-id=c]")?.getAttribute("data-selected")).toBe("true");
  });

  it("follows Vue refs read in the expression as well as MobX", async () => {
    const manager = await loadedManager();
    const scope = effectScope();
    const id = ref("a");
    const title = scope.run(() => useObserved(() => manager.store.get(id.value)?.title))!;
    expect(title.value).toBe("A");
    id.value = "b";
    expect(title.value).toBe("B");
    runInAction(() => manager.store.upsert({ id: "b", title: "B from the server" }));
    expect(title.value).toBe("B from the server");
    scope.stop();
    runInAction(() => manager.store.upsert({ id: "b", title: "after stop" }));
    expect(title.value).toBe("B from the server");
  });

  it("replaces the manager when deps change, and destroys the old one once the new one exists", async () => {
    fixture = await createBindingFixture();
    const { live, queryObservers } = fixture;
    const scope = effectScope();
    const user = ref("ann");
    const managers = scope.run(() => useOptimisticStore(() => fixture.factory(), user))!;
    const first = managers.value;
    expect(live()).toEqual([first]);

    user.value = "bob";
    await nextTick();
    expect(managers.value).not.toBe(first);
    expect(live()).toEqual([managers.value]);
    expect(queryObservers()).toBe(1);

    scope.stop();
    expect(live()).toEqual([]);
    expect(queryObservers()).toBe(0);
  });

  it("hands an error thrown by the expression to Vue's errorHandler, and keeps the last value", async () => {
    fixture = await createBindingFixture();
    const manager = fixture.factory({ enabled: () => false });
    runInAction(() => manager.store.upsert({ id: "a", title: "A" }));
    const errors: unknown[] = [];
    const Broken = defineComponent({
      setup() {
        const title = useObserved(() => {
          const todo = manager.store.get("a");
          if (todo?.title === "boom") throw new Error("cannot show boom");
          return todo?.title;
        });
        return () => h("p", title.value);
      },
    });
    const wrapper = mount(Broken, { global: { config: { errorHandler: (error) => void errors.push(error) } } });
    unmounts.push(() => wrapper.unmount());
    runInAction(() => manager.store.upsert({ id: "a", title: "boom" }));
    await nextTick();
    expect(errors).toEqual([new Error("cannot show boom")]);
    expect(wrapper.text()).toBe("A");
  });

  it("sends an update made in the click that unmounts the owner of the manager ('Save and close')", async () => {
    fixture = await createBindingFixture();
    const errors: unknown[] = [];
    let manager: TodoManager | undefined;
    const open = ref(true);
    /** A page that owns its manager and shows its titles; its button edits `b` and closes the page. */
    const Page = defineComponent({
      setup() {
        const todos = useOptimisticStore(() => fixture.factory());
        manager = todos;
        const titles = useObserved(() => todos.store.list.map((todo) => todo.title).join(","));
        const saveAndClose = () => {
          todos.actions.update({ id: "b", data: { title: "saved" } }).catch((error: unknown) => errors.push(error));
          open.value = false;
        };
        return () => h("div", [h("p", titles.value), h("button", { onClick: saveAndClose }, "Save and close")]);
      },
    });
    const App = defineComponent({ setup: () => () => (open.value ? h(Page) : h("p", "closed")) });
    const wrapper = mount(App, { attachTo: document.body });
    unmounts.push(() => wrapper.unmount());
    await vi.waitFor(() => expect(manager!.store.count).toBe(3));
    await wrapper.find("button").trigger("click");
    await nextTick();
    expect(wrapper.text()).toBe("closed");
    expect(fixture.live()).toEqual([]);
    await vi.waitFor(() => expect(fixture.server.rows().map((todo) => todo.title)).toEqual(["A", "saved", "C"]));
    expect(errors).toEqual([]);
  });

  it("keeps the manager out of Vue's deep reactivity", async () => {
    fixture = await createBindingFixture();
    const scope = effectScope();
    const manager = scope.run(() => useOptimisticStore(() => fixture!.factory()))!;
    const state = reactive({ manager });
    expect(isReactive(state.manager)).toBe(false);
    expect(state.manager).toBe(manager);
    scope.stop();
  });

  it("hydrates a server render of a manager with persist without a mismatch: the hydrated list shows while the storage is read", async () => {
    fixture = await createBindingFixture();
    const Titles = (factory: () => TodoManager) =>
      defineComponent({
        setup() {
          const todos = useOptimisticStore(factory);
          const titles = useObserved(() => todos.store.list.map((todo) => todo.title).join(","));
          return () => h("p", titles.value);
        },
      });
    const serverClient = new QueryClient();
    const api = createTestApi<Todo>(fixture.server);
    await serverClient.prefetchQuery({ queryKey: ["todos"], queryFn: api.queryFn });
    let rendered: TodoManager | undefined;
    const html = await renderToString(createSSRApp(Titles(() => (rendered = createOptimisticStoreManager<Todo>({ name: "todos", ...api, transformer: false }, serverClient)))));
    rendered!.destroy();
    expect(html).toBe("<p>A,B,C</p>");

    hydrate(fixture.client, JSON.parse(JSON.stringify(dehydrate(serverClient))));
    const root = document.createElement("div");
    root.innerHTML = html;
    document.body.append(root);
    const app = createSSRApp(Titles(() => fixture.factory({ persist: { storage: createMemoryStorage() } })));
    app.mount(root); // Vue warns of a mismatch (and the test fails on it) if the first render differs
    unmounts.push(() => (app.unmount(), root.remove()));
    expect(root.textContent).toBe("A,B,C");
    await fixture.live()[0]!.ready;
    expect(root.textContent).toBe("A,B,C");
    expect(fixture.fetches()).toBe(1);
  });

  it("refuses to run outside setup() or an effect scope", async () => {
    fixture = await createBindingFixture();
    expect(() => useObserved(() => 1)).toThrow(OptimisticLifecycleError);
    expect(() => useOptimisticStore(() => fixture.factory())).toThrow(/setup\(\)/);
    expect(fixture.created).toEqual([]);
  });
});
