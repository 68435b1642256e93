import { environmentManager } from "@tanstack/query-core";
import { cleanup, fireEvent, render } from "@testing-library/svelte";
import { action, autorun, observable, runInAction } from "mobx";
import { flushSync } from "svelte";
import { get } from "svelte/store";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { toReadable, useOptimisticStore } from "../../src/svelte";
import { describeBindingConformance, rowIds } from "../__fixtures__/bindingConformance";
import { createBindingFixture, observerCount, type BindingFixture, type TodoManager } from "../__fixtures__/bindings";
import CatchesFailingInit from "./CatchesFailingInit.svelte";
import ClosableEditor from "./ClosableEditor.svelte";
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

  it("hands the current value to a subscriber that subscribes inside a MobX action while the readable has subscribers already", () => {
    const box = observable.box(1);
    const readable = toReadable(() => box.get() * 10);
    const shown: number[] = [];
    const stop = readable.subscribe((value) => shown.push(value)); // `$readable` in markup
    const joined: number[] = [];
    // An action-wrapped handler reads right after its own change, and a subscriber joins there.
    const bumpAndRead = action(() => {
      box.set(box.get() + 1);
      const stopJoined = readable.subscribe((value) => joined.push(value));
      const read = get(readable);
      box.set(box.get() + 1);
      return [read, get(readable), stopJoined] as const;
    });
    const [read, readAgain, stopJoined] = bumpAndRead();
    expect([read, readAgain]).toEqual([20, 30]);
    // The earlier subscriber hears of the change once, when the action ends; the one that joined
    // inside it of the value it did not see yet, and nothing twice.
    expect(shown).toEqual([10, 30]);
    expect(joined).toEqual([20, 30]);
    runInAction(() => box.set(4));
    expect(shown).toEqual([10, 30, 40]);
    expect(joined).toEqual([20, 30, 40]);
    stopJoined();
    stop();
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

  it("sends an update made in the click that destroys the owner of the manager ('Save and close')", async () => {
    fixture = await createBindingFixture();
    const errors: unknown[] = [];
    let manager: TodoManager | undefined;
    const view = render(ClosableEditor, { props: { factory: () => fixture!.factory(), onManager: (made: TodoManager) => (manager = made), onError: (error: unknown) => errors.push(error) } });
    await vi.waitFor(() => expect(manager!.store.count).toBe(3));
    await fireEvent.click(view.getByText("Save and close"));
    flushSync();
    expect(view.container.textContent).toContain("closed");
    expect(fixture.live()).toEqual([]);
    await vi.waitFor(() => expect(fixture!.server.rows().map((todo) => todo.title)).toEqual(["A", "saved", "C"]));
    expect(errors).toEqual([]);
  });

  it("destroys, 10 seconds later, the manager of a component whose initialisation throws after useOptimisticStore (caught by <svelte:boundary>)", async () => {
    fixture = await createBindingFixture();
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const view = render(CatchesFailingInit, { props: { factory: () => fixture!.factory() } });
      flushSync();
      expect(view.container.textContent).toContain("failed: init failed");
      expect(fixture.created).toHaveLength(1);
      view.unmount();
      vi.advanceTimersByTime(9_999);
      expect(fixture.live()).toHaveLength(1);
      vi.advanceTimersByTime(1);
      expect(fixture.live()).toEqual([]);
      expect(fixture.queryObservers()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it("keeps the manager of a mounted component past that deadline, and destroys it on unmount", async () => {
    fixture = await createBindingFixture();
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const view = render(TodoList, { props: { factory: () => fixture!.factory({ enabled: () => false }), selected: observable.box(), onManager: () => {}, onUpdate: () => {} } });
      flushSync();
      vi.advanceTimersByTime(10_000);
      expect(fixture.live()).toHaveLength(1);
      view.unmount();
      expect(fixture.live()).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("refuses to make a manager outside component initialisation", async () => {
    fixture = await createBindingFixture();
    const { factory } = fixture;
    expect(() => useOptimisticStore(() => factory())).toThrow(/lifecycle_outside_component|onDestroy/);
    expect(fixture.created).toEqual([]);
  });
});
