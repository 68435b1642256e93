import { autorun, configure, reaction, runInAction } from "mobx";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createDefaultTransformer, OptimisticEntityError, OptimisticStore } from "../../src";
import { makeTodos, type Todo } from "../__fixtures__/mockData";

function storeWith(rows: Todo[] = makeTodos()): OptimisticStore<Todo> {
  const store = new OptimisticStore<Todo>();
  store.reconcile(rows);
  return store;
}

const ids = (store: OptimisticStore<Todo>) => store.list.map((todo) => todo.id);

describe("OptimisticStore", () => {
  describe("basic operations", () => {
    it("adds items via upsert", () => {
      const store = new OptimisticStore<Todo>();
      store.upsert({ id: "a", title: "A" });
      store.upsert({ id: "b", title: "B" });

      expect(store.get("a")).toEqual({ id: "a", title: "A" });
      expect(store.entities.has("b")).toBe(true);
      expect(store.count).toBe(2);
      expect(ids(store)).toEqual(["a", "b"]);
    });

    it("replaces an existing item via upsert, keeping its position in list", () => {
      const store = storeWith();
      store.upsert({ id: "a", title: "A2" });

      expect(store.get("a")).toEqual({ id: "a", title: "A2" });
      expect(ids(store)).toEqual(["a", "b", "c"]);
      expect(store.count).toBe(3);
    });

    it("updates existing items by merging fields into a new object", () => {
      const store = storeWith();
      const before = store.get("b");
      store.update("b", { done: true });

      expect(store.get("b")).toEqual({ id: "b", title: "B", done: true });
      expect(store.get("b")).not.toBe(before);
      expect(before).toEqual({ id: "b", title: "B", done: false });
    });

    it("ignores an update of an unknown id and never changes the id", () => {
      const store = storeWith();
      store.update("zzz", { title: "ghost" });
      store.update("a", { id: "other", title: "A2" });

      expect(store.get("zzz")).toBeUndefined();
      expect(store.get("a")).toEqual({ id: "a", title: "A2", done: false });
      expect(store.count).toBe(3);
    });

    it("removes items", () => {
      const store = storeWith();
      store.remove("b");
      store.remove("not-there");

      expect(store.get("b")).toBeUndefined();
      expect(ids(store)).toEqual(["a", "c"]);
      expect(store.count).toBe(2);
    });

    it("computes list from the entities map", () => {
      const store = storeWith();

      expect(store.list).toEqual([...store.entities.values()]);
      expect([...store.entities.keys()]).toEqual(["a", "b", "c"]);
      expect(store.filter((todo) => todo.done === true).map((todo) => todo.id)).toEqual(["c"]);
      expect(store.find((todo) => todo.title === "B")?.id).toBe("b");
      expect(store.find((todo) => todo.title === "nope")).toBeUndefined();
    });

    it("routes writes on the entities map through the store", () => {
      const store = storeWith();
      store.entities.set("d", { id: "d", title: "D" });
      expect(store.entities.delete("a")).toBe(true);
      expect(store.entities.delete("a")).toBe(false);

      expect(ids(store)).toEqual(["b", "c", "d"]);
      expect(() => store.entities.set("x", { id: "y", title: "Y" })).toThrow(OptimisticEntityError);

      store.entities.clear();
      expect(store.count).toBe(0);
      expect(store.list).toEqual([]);
    });

    it("iterates the entities map with entries, forEach and for-of", () => {
      const store = storeWith();
      const seen: string[] = [];
      store.entities.forEach((todo, id, map) => {
        expect(map).toBe(store.entities);
        seen.push(`${id}=${todo.title}`);
      });

      expect(seen).toEqual(["a=A", "b=B", "c=C"]);
      expect([...store.entities].map(([id]) => id)).toEqual(["a", "b", "c"]);
      expect([...store.entities.entries()].map(([, todo]) => todo.title)).toEqual(["A", "B", "C"]);
      expect(store.entities.size).toBe(3);
      expect(store.entities).toBeInstanceOf(Map);
    });

    it("clears every entity", () => {
      const store = storeWith();
      store.clear();
      store.clear();

      expect(store.count).toBe(0);
      expect(store.list).toEqual([]);
      expect(store.get("a")).toBeUndefined();
    });

    it("rejects an entity without a valid id with an error that says what to do", () => {
      const store = new OptimisticStore<Todo>();

      expect(() => store.upsert({ title: "no id" } as unknown as Todo)).toThrow(OptimisticEntityError);
      expect(() => store.upsert({ id: "", title: "empty" })).toThrow(/non-empty string id/);
      expect(() => store.upsert({ id: Number.NaN as unknown as string, title: "NaN" })).toThrow(OptimisticEntityError);
      expect(() => store.upsert({ id: 5 as unknown as string, title: "a number" })).toThrow(/got 5\). Every entity needs a non-empty string id; map your API's key/);
      expect(store.count).toBe(0);
    });

    it("gives an entity without pending changes its id as view key and reports it not pending", () => {
      const store = storeWith();

      expect(store.viewKey("a")).toBe("a");
      expect(store.isPending("a")).toBe(false);
    });
  });

  describe("snapshot/rollback", () => {
    it("creates a snapshot before an optimistic update", () => {
      const store = storeWith();
      store.pushSnapshot();
      store.update("a", { title: "optimistic" });
      store.upsert({ id: "d", title: "D" });

      expect(store.get("a")?.title).toBe("optimistic");
      expect(store.count).toBe(4);
    });

    it("rolls back to the previous snapshot on error", () => {
      const store = storeWith();
      const a = store.get("a");
      store.pushSnapshot();
      store.update("a", { title: "optimistic" });
      store.remove("b");
      store.upsert({ id: "d", title: "D" });

      store.rollback();

      expect(ids(store)).toEqual(["a", "b", "c"]);
      expect(store.get("a")).toBe(a);
      expect(store.get("d")).toBeUndefined();
    });

    it("handles multiple snapshots (nested), restoring the newest first", () => {
      const store = storeWith();
      store.pushSnapshot();
      store.update("a", { title: "A1" });
      store.pushSnapshot();
      store.update("a", { title: "A2" });
      store.remove("c");

      store.rollback();
      expect(store.get("a")?.title).toBe("A1");
      expect(ids(store)).toEqual(["a", "b", "c"]);

      store.rollback();
      expect(store.get("a")?.title).toBe("A");
    });

    it("does nothing on rollback without a snapshot", () => {
      const store = storeWith();
      store.rollback();

      expect(ids(store)).toEqual(["a", "b", "c"]);
    });

    it("restores the list order of the snapshot", () => {
      const store = storeWith();
      store.pushSnapshot();
      store.reconcile([{ id: "c", title: "C", done: true }, { id: "a", title: "A", done: false }]);
      expect(ids(store)).toEqual(["c", "a"]);

      store.rollback();
      expect(ids(store)).toEqual(["a", "b", "c"]);
    });
  });

  describe("reconciliation", () => {
    it("reconciles with server data", () => {
      const store = storeWith();
      store.reconcile([
        { id: "a", title: "A", done: true },
        { id: "b", title: "B", done: false },
        { id: "c", title: "C", done: true },
      ]);

      expect(store.get("a")?.done).toBe(true);
      expect(store.count).toBe(3);
    });

    it("skips reconciliation if nothing changed: identity kept, no reaction runs", () => {
      const store = storeWith();
      const before = store.list.slice();
      const listRuns = vi.fn();
      const entityRuns = vi.fn();
      const disposeList = reaction(() => store.list.map((todo) => todo), listRuns);
      const disposeEntity = reaction(() => store.get("a"), entityRuns);
      const disposeCount = reaction(() => store.count, listRuns);

      store.reconcile(makeTodos());

      expect(store.list.slice()).toEqual(before);
      store.list.forEach((todo, i) => expect(todo).toBe(before[i]));
      expect(listRuns).not.toHaveBeenCalled();
      expect(entityRuns).not.toHaveBeenCalled();
      disposeList();
      disposeEntity();
      disposeCount();
    });

    it("handles additions, updates and deletions, replacing only changed entities", () => {
      const store = storeWith();
      const [a, b] = [store.get("a"), store.get("b")];

      store.reconcile([
        { id: "a", title: "A", done: false },
        { id: "b", title: "B changed", done: false },
        { id: "d", title: "D" },
      ]);

      expect(ids(store)).toEqual(["a", "b", "d"]);
      expect(store.get("a")).toBe(a);
      expect(store.get("b")).not.toBe(b);
      expect(store.get("b")?.title).toBe("B changed");
      expect(store.get("c")).toBeUndefined();
      expect(store.get("d")).toEqual({ id: "d", title: "D" });
    });

    it("follows the server's order", () => {
      const store = storeWith();
      store.reconcile([
        { id: "c", title: "C", done: true },
        { id: "a", title: "A", done: false },
        { id: "b", title: "B", done: false },
      ]);

      expect(ids(store)).toEqual(["c", "a", "b"]);
    });

    it("applies a transformer to the server data", () => {
      const store = new OptimisticStore<{ id: string; createdAt: Date }>();
      store.reconcile(
        [{ id: "1", createdAt: "2024-01-02T03:04:05.000Z" }],
        createDefaultTransformer<{ id: string; createdAt: string }, { id: string; createdAt: Date }>(),
      );

      expect(store.get("1")?.createdAt).toBeInstanceOf(Date);
    });

    it("rejects server data with an item without id, changing nothing", () => {
      const store = storeWith();

      expect(() => store.reconcile([{ id: "a", title: "x" }, { title: "no id" } as unknown as Todo])).toThrow(OptimisticEntityError);
      expect(store.get("a")?.title).toBe("A");
    });
  });

  describe("realtime updates", () => {
    it("upserts from realtime without a runInAction wrapper", () => {
      const store = storeWith();
      const seen: (string | undefined)[] = [];
      const dispose = autorun(() => seen.push(store.get("d")?.title));

      store.upsertFromRealtime({ id: "d", title: "D" });
      store.upsertFromRealtime({ id: "a", title: "A rt" });

      expect(seen).toEqual([undefined, "D"]);
      expect(store.get("a")?.title).toBe("A rt");
      expect(ids(store)).toEqual(["a", "b", "c", "d"]);
      dispose();
    });

    it("applies the store's transformer to realtime data", () => {
      type Api = { id: string; dueDate: string };
      type Ui = { id: string; dueDate: Date };
      const store = new OptimisticStore<Ui>(createDefaultTransformer<Api, Ui>());

      store.upsertFromRealtime<Api>({ id: "1", dueDate: "2024-05-06" });

      expect(store.get("1")?.dueDate).toBeInstanceOf(Date);
    });

    it("removes from realtime", () => {
      const store = storeWith();
      const runs = vi.fn();
      const dispose = reaction(() => store.list.length, runs);

      store.removeFromRealtime("b");

      expect(ids(store)).toEqual(["a", "c"]);
      expect(runs).toHaveBeenCalledTimes(1);
      dispose();
    });
  });

  describe("observability", () => {
    it("runs a per-entity observer only when its entity changes", () => {
      const store = storeWith();
      const seenA: (string | undefined)[] = [];
      const dispose = autorun(() => seenA.push(store.get("a")?.title));

      store.update("b", { title: "B2" });
      store.upsert({ id: "d", title: "D" });
      store.remove("c");
      store.upsert({ id: "a", title: "A", done: false }); // same content: no change
      expect(seenA).toEqual(["A"]);

      store.update("a", { title: "A2" });
      store.remove("a");
      expect(seenA).toEqual(["A", "A2", undefined]);
      dispose();
    });

    it("tracks has() per key", () => {
      const store = storeWith();
      const seen: boolean[] = [];
      const dispose = autorun(() => seen.push(store.entities.has("z")));

      store.upsert({ id: "y", title: "Y" });
      store.upsert({ id: "z", title: "Z" });

      expect(seen).toEqual([false, true]);
      dispose();
    });

    it("runs a list-level reaction once per change and once per batch", () => {
      const store = storeWith();
      const runs = vi.fn();
      const dispose = reaction(() => store.list.map((todo) => todo.title).join(","), runs);

      store.update("a", { title: "A2" });
      expect(runs).toHaveBeenCalledTimes(1);

      runInAction(() => {
        store.upsert({ id: "d", title: "D" });
        store.update("b", { title: "B2" });
        store.remove("c");
      });
      expect(runs).toHaveBeenCalledTimes(2);
      expect(runs).toHaveBeenLastCalledWith("A2,B2,D", "A2,B,C", expect.anything());

      store.reconcile([
        { id: "d", title: "D" },
        { id: "a", title: "A3" },
      ]);
      expect(runs).toHaveBeenCalledTimes(3);
      expect(runs).toHaveBeenLastCalledWith("D,A3", "A2,B2,D", expect.anything());
      dispose();
    });

    it("makes count and whole-map iteration observable", () => {
      const store = storeWith();
      const counts: number[] = [];
      const keys: string[] = [];
      const disposeCount = autorun(() => counts.push(store.count));
      const disposeKeys = autorun(() => keys.push([...store.entities.keys()].join("")));

      store.update("a", { title: "A2" }); // neither count nor keys change
      store.upsert({ id: "d", title: "D" });
      store.remove("a");

      expect(counts).toEqual([3, 4, 3]);
      expect(keys).toEqual(["abc", "abcd", "bcd"]);
      disposeCount();
      disposeKeys();
    });

    it("does not warn under MobX strict mode (enforceActions: always)", () => {
      const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
      const error = vi.spyOn(console, "error").mockImplementation(() => undefined);
      configure({ enforceActions: "always" });
      try {
        const store = new OptimisticStore<Todo>();
        const dispose = autorun(() => {
          void store.list.length;
          void store.get("a");
          void store.count;
          void [...store.entities.values()];
        });
        store.reconcile(makeTodos());
        store.upsert({ id: "d", title: "D" });
        store.update("a", { title: "A2" });
        store.remove("b");
        store.upsertFromRealtime({ id: "e", title: "E" });
        store.removeFromRealtime("e");
        store.pushSnapshot();
        store.remove("a");
        store.rollback();
        store.entities.set("f", { id: "f", title: "F" });
        store.entities.delete("f");
        store.clear();
        dispose();

        expect(store.count).toBe(0);
        expect(warn).not.toHaveBeenCalled();
        expect(error).not.toHaveBeenCalled();
      } finally {
        configure({ enforceActions: "observed" });
        warn.mockRestore();
        error.mockRestore();
      }
    });
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});
