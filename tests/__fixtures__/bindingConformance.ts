/**
 * The behaviour every framework binding shares, run once per framework: a list of rows, each bound
 * to one entity by id and keyed by `store.viewKey(id)`, under a component that owns its manager.
 */
import type { IObservableValue } from "mobx";
import { observable } from "mobx";
import { afterEach, describe, expect, it } from "vitest";
import type { WriteStatus } from "../../src";
import { createBindingFixture, observerCount, type BindingFixture, type TodoManager } from "./bindings";

/** What the list component receives. */
export interface ListProps {
  /** Makes the list's manager (through the binding's `useOptimisticStore`). */
  factory: () => TodoManager;
  /** An observable of the app's own that every row reads. */
  selected: IObservableValue<string | undefined>;
  /** Called with the manager the component made. */
  onManager: (manager: TodoManager) => void;
  /** Called when a row renders (or runs its update effect) for entity `id`. */
  onUpdate: (id: string) => void;
}

/**
 * How a framework's test mounts the list. Rows:
 * `<li data-testid="row" data-id={id} data-status={statusText(writeStatus(id))}><input aria-label="title of {title}"></li>`.
 */
export interface ListDriver {
  mount: (props: ListProps) => { unmount: () => void };
  /** Lets the framework bring the DOM up to date. */
  flush: () => void | Promise<void>;
}

/** What a row shows of its entity's write status: "saved", "pending" or "failed". */
export const statusText = (status: WriteStatus | undefined): string => (status ? (status.failed ? "failed" : "pending") : "saved");

export const rowIds = () => Array.from(document.querySelectorAll<HTMLElement>("[data-testid=row]"), (row) => row.dataset.id);
const rows = () => Array.from(document.querySelectorAll<HTMLElement>("[data-testid=row]"));

export function describeBindingConformance(framework: string, driver: ListDriver): void {
  describe(`${framework} binding: shared behaviour`, () => {
    let fixture: BindingFixture;
    let view: { unmount: () => void } | undefined;
    let manager: TodoManager;
    let updates: Map<string, number>;
    const selected = observable.box<string | undefined>(undefined);

    afterEach(async () => {
      view?.unmount();
      view = undefined;
      await fixture.close();
    });

    const until = async (condition: () => boolean) => {
      for (let i = 0; i < 300 && !condition(); i++) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        await driver.flush();
      }
      expect(condition()).toBe(true);
    };

    async function mountList() {
      fixture = await createBindingFixture();
      updates = new Map();
      view = driver.mount({
        factory: () => fixture.factory(),
        selected,
        onManager: (made) => (manager = made),
        onUpdate: (id) => updates.set(id, (updates.get(id) ?? 0) + 1),
      });
      await until(() => rowIds().join() === "a,b,c");
      updates.clear();
      return fixture;
    }

    it("updates only the row whose entity changed", async () => {
      await mountList();
      await manager.actions.update({ id: "b", data: { title: "B2" } });
      await driver.flush();
      expect(document.querySelector("[aria-label='title of B2']")).not.toBeNull();
      expect(updates.get("b")).toBeGreaterThanOrEqual(1);
      expect([updates.get("a"), updates.get("c")]).toEqual([undefined, undefined]);
    });

    it("updates only the row whose write status changed, also when its entity did not", async () => {
      const { server } = await mountList();
      const gate = server.hold({ method: "PUT" });
      const saving = manager.actions.update({ id: "b", data: { title: "B" } }); // the same title: only the status changes
      await driver.flush();
      const row = () => document.querySelector<HTMLElement>("[data-id=b]")!;
      expect(row().dataset.status).toBe("pending");
      expect(updates.get("b")).toBeGreaterThanOrEqual(1);
      expect([updates.get("a"), updates.get("c")]).toEqual([undefined, undefined]);

      updates.clear();
      await gate.arrived;
      await gate.release();
      await saving;
      await driver.flush();
      expect(row().dataset.status).toBe("saved");
      expect(updates.get("b")).toBeGreaterThanOrEqual(1);
      expect([updates.get("a"), updates.get("c")]).toEqual([undefined, undefined]);
    });

    it("shows an optimistic create at once, keeps its row (node and focus) under the server id, rolls back a refused one", async () => {
      const { server } = await mountList();
      let gate = server.hold({ method: "POST" });
      const saved = manager.actions.create({ title: "Saved" });
      await driver.flush();
      expect(rowIds()).toEqual(["a", "b", "c", expect.stringMatching(/^temp-/)]);
      const row = rows()[3]!;
      const input = row.querySelector("input")!;
      input.focus();

      await gate.arrived;
      await gate.release();
      const entity = await saved;
      await driver.flush();
      expect(rowIds()).toEqual(["a", "b", "c", entity.id]);
      expect(rows()[3]).toBe(row);
      expect(document.activeElement).toBe(input);

      gate = server.hold({ method: "POST" });
      const refused = manager.actions.create({ title: "Refused" });
      await driver.flush();
      expect(document.querySelector("[aria-label='title of Refused']")).not.toBeNull();
      await gate.arrived;
      await gate.fail(500);
      await expect(refused).rejects.toThrow(/500/);
      await driver.flush();
      expect(rowIds()).toEqual(["a", "b", "c", entity.id]);
      expect(server.rows().map((todo) => todo.title)).toEqual(["A", "B", "C", "Saved"]);
    });

    it("destroys the manager on unmount, leaving no MobX reaction and no query observer", async () => {
      const { live, queryObservers, fetches } = await mountList();
      expect(live()).toEqual([manager]);
      expect(queryObservers()).toBe(1);
      expect(observerCount(manager.store.list)).toBe(1);
      expect(observerCount(selected)).toBe(3);

      view!.unmount();
      view = undefined;
      // React destroys a microtask after the unmount (see the React guide); the others at once.
      await Promise.resolve();
      expect(live()).toEqual([]);
      expect(queryObservers()).toBe(0);
      expect(observerCount(manager.store.list)).toBe(0);
      expect(observerCount(selected)).toBe(0);
      expect(fetches()).toBe(1);
    });
  });
}
