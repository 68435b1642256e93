import { environmentManager } from "@tanstack/query-core";
import { cleanup, render } from "@testing-library/svelte";
import { action, autorun, observable, runInAction } from "mobx";
import { flushSync } from "svelte";
import { get } from "svelte/store";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { toReadable, useOptimisticStore } from "../../src/svelte";
import { describeBindingConformance, rowIds } from "../__fixtures__/bindingConformance";
import { createBindingFixture, observerCount, type BindingFixture } from "../__fixtures__/bindings";
import TodoList from "./TodoList.svelte";

beforeAll(() => environmentManager.setIsServer(() => false));

describeBindingConformance("Svelte 5", {
  mount: (props) => {
    const view = render(TodoList, { props });
    return { unmount: () => view.unmount() };
  },
  flush: () => flushSync(),
});

describe("toReadable and useOptimisticStore (Svelte 5)", () => {
  let fixture: BindingFixture | undefined;
  afterEach(async () => {
    cleanup();
    await fixture?.close();
    fixture = undefined;
  });

  it("changes a row's store only when its own value changes", async () => {
    fixture = await createBindingFixture();
    const selected = observable.box<string | undefined>(undefined);
    const updates: string[] = [];
    render(TodoList, { props: { factory: fixture.factory, selected, onManager: () => {}, onUpdate: (id: string) => updates.push(id) } });
    for (let i = 0; i < 300 && rowIds().length < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      flushSync();
    }
    updates.length = 0;

    // Every row reads `selected`; only the row whose `selected === id` flips runs its effect again.
    runInAction(() => selected.set("c"));
    flushSync();
    expect(updates).toEqual(["c"]);
    expect(document.querySelector("[data-id=c]")?.getAttribute("data-selected")).toBe("true");
  });

  it("runs a MobX reaction only while the readable has subscribers", () => {
    const box = observable.box(1);
    const readable = toReadable(() => box.get() * 10);
    expect(observerCount(box)).toBe(0);

    const first: number[] = [];
    const second: number[] = [];
    const stopFirst = readable.subscribe((value) => first.push(value));
    const stopSecond = readable.subscribe((value) => second.push(value));
    expect(observerCount(box)).toBe(1);
    runInAction(() => box.set(2));
    runInAction(() => box.set(2));
    expect([first, second]).toEqual([
      [10, 20],
      [10, 20],
    ]);

    stopFirst();
    stopFirst();
    expect(observerCount(box)).toBe(1);
    stopSecond();
    expect(observerCount(box)).toBe(0);
    runInAction(() => box.set(3));
    expect(second).toEqual([10, 20]);
    expect(get(readable)).toBe(30);
    expect(observerCount(box)).toBe(0);
  });

  it("hands the current value to a subscriber that subscribes inside a MobX action (get() in an action-wrapped handler)", () => {
    const box = observable.box(1);
    const readable = toReadable(() => box.get() * 10);
    const onClick = action(() => get(readable));
    expect(onClick()).toBe(10);
    // A readable with subscribers before: the value now, not the one of its last subscription.
    const stop = readable.subscribe(() => undefined);
    stop();
    runInAction(() => box.set(2));
    expect(onClick()).toBe(20);
    expect(observerCount(box)).toBe(0);
  });

  it("hands the current value to a subscriber that subscribes inside a MobX reaction, and follows it from there", () => {
    const box = observable.box("A");
    const readable = toReadable(() => box.get());
    const seen: unknown[] = [];
    autorun(() => seen.push(get(readable)))();
    expect(seen).toEqual(["A"]);
    const values: string[] = [];
    const dispose = autorun(() => {
      if (values.length === 0) readable.subscribe((value) => values.push(value));
    });
    runInAction(() => box.set("B"));
    expect(values).toEqual(["A", "B"]);
    dispose();
  });

  it("raises an error thrown by the expression outside the store, and keeps the last value", () => {
    const box = observable.box("fine");
    const readable = toReadable(() => {
      if (box.get() === "boom") throw new Error("cannot read boom");
      return box.get();
    });
    const values: string[] = [];
    const stop = readable.subscribe((value) => values.push(value));
    // The error is raised from a microtask: catch what that microtask throws.
    const raised: unknown[] = [];
    const microtasks = vi.spyOn(globalThis, "queueMicrotask").mockImplementation((task) => {
      try {
        task();
      } catch (error) {
        raised.push(error);
      }
    });
    try {
      runInAction(() => box.set("boom"));
    } finally {
      microtasks.mockRestore();
    }
    expect(raised).toEqual([new Error("cannot read boom")]);
    expect(values).toEqual(["fine"]);
    stop();
  });

  it("refuses to make a manager outside component initialisation", async () => {
    fixture = await createBindingFixture();
    const { factory } = fixture;
    expect(() => useOptimisticStore(() => factory())).toThrow(/lifecycle_outside_component|onDestroy/);
    expect(fixture.created).toEqual([]);
  });
});
