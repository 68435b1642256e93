import { environmentManager } from "@tanstack/query-core";
import { act, cleanup, render, waitFor } from "@testing-library/react";
import { observable } from "mobx";
import { observer } from "mobx-react-lite";
import { Activity, StrictMode, Suspense, useEffect, type ReactNode } from "react";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { useOptimisticStore } from "../../src/react";
import { describeBindingConformance, rowIds, statusText, type ListProps } from "../__fixtures__/bindingConformance";
import { createBindingFixture, observerCount, type BindingFixture, type TodoManager } from "../__fixtures__/bindings";
import { closeClient, connectClient } from "../__fixtures__/socketClient";

beforeAll(() => environmentManager.setIsServer(() => false));

/** A row that reads its entity and its write status by id, the way an app would. */
const TodoRow = observer(function TodoRow({ manager, id, selected, onUpdate }: { manager: TodoManager; id: string } & Pick<ListProps, "selected" | "onUpdate">) {
  onUpdate(id);
  const todo = manager.store.get(id);
  const status = statusText(manager.store.writeStatus(id));
  if (!todo) return null;
  return (
    <li data-testid="row" data-id={todo.id} data-selected={selected.get() === id} data-status={status}>
      <input aria-label={`title of ${todo.title}`} defaultValue={todo.title} />
    </li>
  );
});

const TodoList = observer(function TodoList({ factory, selected, onManager, onUpdate, deps }: ListProps & { deps?: unknown[] }) {
  const manager = useOptimisticStore(factory, deps);
  onManager(manager);
  return (
    <ul>
      {manager.store.list.map((todo) => (
        <TodoRow key={manager.store.viewKey(todo.id)} manager={manager} id={todo.id} selected={selected} onUpdate={onUpdate} />
      ))}
    </ul>
  );
});

describeBindingConformance("React", {
  mount: (props) => {
    const view = render(<TodoList {...props} />);
    return { unmount: () => view.unmount() };
  },
  flush: () => act(() => Promise.resolve()),
});

describe("useOptimisticStore (React lifecycle)", () => {
  let fixture: BindingFixture;
  let current: TodoManager | undefined;
  afterEach(async () => {
    cleanup();
    await fixture.close();
  });

  async function setup() {
    fixture = await createBindingFixture();
    current = undefined;
    return fixture;
  }
  // staleTime 0: a second manager would fetch again on mount, so "fetched once" means one manager.
  const list = (deps?: unknown[]) => (
    <TodoList
      factory={() => fixture.factory({ staleTime: 0 })}
      selected={observable.box()}
      onManager={(made) => (current = made)}
      onUpdate={() => {}}
      deps={deps}
    />
  );

  it("keeps one manager under StrictMode, fetches once, and leaves no query observer after unmount", async () => {
    const { live, created, queryObservers, fetches } = await setup();
    const view = render(<StrictMode>{list()}</StrictMode>);
    await waitFor(() => expect(rowIds()).toEqual(["a", "b", "c"]));
    await act(() => Promise.resolve());

    expect(created).toHaveLength(1);
    expect(live()).toEqual([current]);
    expect(queryObservers()).toBe(1);
    expect(fetches()).toBe(1);
    expect(observerCount(current!.store.list)).toBe(1);

    view.unmount();
    await Promise.resolve();
    expect(live()).toEqual([]);
    expect(queryObservers()).toBe(0);
    expect(observerCount(created[0]!.store.list)).toBe(0);
    expect(fetches()).toBe(1);
  });

  it("fetches once under StrictMode when realtime is connected in an effect (its cleanup and re-run are no gap in listening)", async () => {
    const { server, fetches } = await setup();
    const socket = await connectClient(server);
    const Live = observer(function Live() {
      const manager = useOptimisticStore(() => fixture.factory({ staleTime: 0, realtime: { eventType: "todos_update" } }));
      useEffect(() => {
        manager.realtime!.connect(socket);
        return () => manager.realtime!.disconnect();
      }, [manager]);
      current = manager;
      return <p>{manager.store.count}</p>;
    });
    try {
      render(
        <StrictMode>
          <Live />
        </StrictMode>,
      );
      await waitFor(() => expect(current!.store.count).toBe(3));
      await act(() => new Promise((resolve) => setTimeout(resolve, 20)));
      expect(current!.realtime!.isConnected).toBe(true);
      expect(fetches()).toBe(1);
    } finally {
      closeClient(socket);
    }
  });

  it("makes a new manager when deps change and destroys the old one", async () => {
    const { live, created, queryObservers } = await setup();
    const view = render(list(["first"]));
    await waitFor(() => expect(rowIds()).toEqual(["a", "b", "c"]));
    const first = current;

    view.rerender(list(["first"]));
    expect(current).toBe(first);

    view.rerender(list(["second"]));
    await act(() => Promise.resolve());
    expect(current).not.toBe(first);
    expect(created).toHaveLength(2);
    expect(live()).toEqual([current]);
    expect(queryObservers()).toBe(1);
    // The new manager shows the cached collection at once.
    expect(rowIds()).toEqual(["a", "b", "c"]);
  });

  it("makes a new manager when an <Activity> shows again a subtree it hid", async () => {
    const { live, queryObservers } = await setup();
    const inActivity = (mode: "visible" | "hidden") => <Activity mode={mode}>{list()}</Activity>;
    const view = render(inActivity("visible"));
    await waitFor(() => expect(rowIds()).toEqual(["a", "b", "c"]));
    const first = current;

    view.rerender(inActivity("hidden"));
    await act(() => Promise.resolve());
    expect(live()).toEqual([]);
    expect(queryObservers()).toBe(0);

    view.rerender(inActivity("visible"));
    await act(() => Promise.resolve());
    expect(current).not.toBe(first);
    expect(live()).toEqual([current]);
    expect(queryObservers()).toBe(1);
    expect(rowIds()).toEqual(["a", "b", "c"]);
  });

  it("makes no manager (no query observer, no fetch) when a subtree an <Activity> hides renders again", async () => {
    const { live, created, queryObservers, fetches } = await setup();
    const inActivity = (mode: "visible" | "hidden", deps?: unknown[]) => <Activity mode={mode}>{list(deps)}</Activity>;
    const view = render(inActivity("visible", ["one"]));
    await waitFor(() => expect(rowIds()).toEqual(["a", "b", "c"]));
    view.rerender(inActivity("hidden", ["one"]));
    await act(() => Promise.resolve());
    expect(live()).toEqual([]);

    // The parent renders again while the subtree stays hidden (a new prop, a clock), deps changed too.
    view.rerender(inActivity("hidden", ["one"]));
    view.rerender(inActivity("hidden", ["two"]));
    await act(() => new Promise((resolve) => setTimeout(resolve, 20)));
    expect(created).toHaveLength(1);
    expect(live()).toEqual([]);
    expect(queryObservers()).toBe(0);
    expect(fetches()).toBe(1);

    view.rerender(inActivity("visible", ["two"]));
    await act(() => Promise.resolve());
    expect(created).toHaveLength(2);
    expect(live()).toEqual([current]);
    expect(queryObservers()).toBe(1);
    expect(rowIds()).toEqual(["a", "b", "c"]);
  });

  it("sends an update made as the owner of the manager unmounts (a child's cleanup saving on close)", async () => {
    const { server } = await setup();
    const errors: unknown[] = [];
    // The update is made in the child's effect cleanup, before the hook destroys the manager.
    const Child = ({ manager }: { manager: TodoManager }) => {
      useEffect(() => () => void manager.actions.update({ id: "b", data: { title: "saved on close" } }).catch((error: unknown) => errors.push(error)), [manager]);
      return null;
    };
    const Owner = observer(function Owner() {
      const manager = useOptimisticStore(() => fixture.factory());
      return <Child manager={manager} />;
    });
    const view = render(<Owner />);
    await waitFor(() => expect(fixture.created[0]!.store.count).toBe(3));
    view.unmount();
    await vi.waitFor(() => expect(server.rows().map((todo) => todo.title)).toEqual(["A", "saved on close", "C"]));
    expect(fixture.live()).toEqual([]);
    expect(errors).toEqual([]);
  });

  it("destroys, after a while, a manager made by a render that never commits", async () => {
    const { live, created } = await setup();
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      let ready = false;
      let resolveGate!: () => void;
      const gate = new Promise<void>((resolve) => (resolveGate = resolve)).then(() => void (ready = true));
      // Calls the hook, then suspends: React throws that first render away.
      function Suspends(): ReactNode {
        const manager = useOptimisticStore(() => fixture.factory({ enabled: () => false }));
        if (!ready) throw gate;
        return <p>{manager.store.count}</p>;
      }
      render(
        <Suspense fallback={<p>loading</p>}>
          <Suspends />
        </Suspense>,
      );
      await act(async () => {
        resolveGate();
        await gate;
      });
      const committed = created.at(-1);
      expect(live().length).toBeGreaterThan(1);

      act(() => void vi.advanceTimersByTime(10_000));
      expect(live()).toEqual([committed]);
    } finally {
      vi.useRealTimers();
    }
  });
});
