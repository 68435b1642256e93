// @vitest-environment node
/**
 * The Vue binding in a server render (renderToString: Nuxt, Vue's own SSR), where Vue runs no
 * unmount hook and disposes no component scope.
 */
import { environmentManager } from "@tanstack/query-core";
import { observable } from "mobx";
import { afterEach, beforeAll, expect, it, vi } from "vitest";
import { createSSRApp, defineComponent, h } from "vue";
import { renderToString } from "vue/server-renderer";
import { useObserved, useOptimisticStore } from "../../src/vue";
import { createBindingFixture, observerCount, type BindingFixture } from "../__fixtures__/bindings";

beforeAll(() => environmentManager.setIsServer(() => false));
let fixture: BindingFixture;
afterEach(async () => {
  vi.useRealTimers();
  await fixture.close();
});

it("leaves no MobX reaction behind after a server render, and destroys the manager 10 seconds later", async () => {
  fixture = await createBindingFixture();
  const selected = observable.box("a");
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
  const App = defineComponent({
    setup() {
      const todos = useOptimisticStore(() => fixture.factory());
      const count = useObserved(() => todos.store.count);
      const isA = useObserved(() => selected.get() === "a");
      return () => h("p", `${count.value} ${isA.value}`);
    },
  });
  const html = await renderToString(createSSRApp(App));
  expect(html).toBe("<p>0 true</p>");
  expect(observerCount(selected)).toBe(0);
  expect(fixture.live()).toHaveLength(1);
  vi.advanceTimersByTime(10_000);
  expect(fixture.live()).toEqual([]);
  expect(fixture.queryObservers()).toBe(0);
});

it("renders what the store holds when the render reads it (loaded during an async setup)", async () => {
  fixture = await createBindingFixture();
  const App = defineComponent({
    async setup() {
      const todos = useOptimisticStore(() => fixture.factory());
      const titles = useObserved(() => todos.store.list.map((todo) => todo.title).join(","));
      await vi.waitFor(() => expect(todos.store.count).toBe(3));
      return () => h("p", titles.value);
    },
  });
  expect(await renderToString(createSSRApp(App))).toMatch(/^<p>[^<]+,[^<]+,[^<]+<\/p>$/);
  for (const manager of fixture.live()) manager.destroy();
});
