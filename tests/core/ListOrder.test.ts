import { autorun } from "mobx";
import { describe, expect, it } from "vitest";
import { ListOrder } from "../../src/core/ListOrder";

interface Row {
  id: string;
  v?: number;
}

/** A list order over a plain map of visible rows, as the layers drive it. */
function setup(ids: string[] = []) {
  const visible = new Map<string, Row>();
  const order = new ListOrder<Row>(
    (id) => visible.get(id),
    () => visible.keys(),
  );
  const show = (row: Row) => {
    const current = visible.get(row.id);
    visible.set(row.id, row);
    if (current) order.replace(row.id, current, row);
    else order.add(row.id, row);
  };
  const hide = (id: string, remember = false) => {
    const current = visible.get(id)!;
    visible.delete(id);
    order.remove(id, current, remember);
  };
  for (const id of ids) show({ id });
  order.rebuild(ids);
  return { order, visible, show, hide, ids: () => order.list.map((row) => row.id) };
}

describe("ListOrder", () => {
  it("appends a new entity and replaces a changed one in its slot", () => {
    const { show, ids, order } = setup(["a", "b"]);
    show({ id: "c" });
    show({ id: "a", v: 1 });
    expect(ids()).toEqual(["a", "b", "c"]);
    expect(order.list[0]).toEqual({ id: "a", v: 1 });
  });

  it("brings back an entity where it stood when its place was remembered, else at the end", () => {
    const { show, hide, ids } = setup(["a", "b", "c"]);
    hide("b", true);
    show({ id: "b" });
    expect(ids()).toEqual(["a", "b", "c"]);
    hide("a");
    show({ id: "a" });
    expect(ids()).toEqual(["b", "c", "a"]);
  });

  it("notes additions and removals while deferring, and rebuilds in a server order only when it differs", () => {
    const { order, visible, ids } = setup(["a", "b"]);
    const changed = order.deferring(() => {
      visible.set("c", { id: "c" });
      order.add("c", { id: "c" });
    });
    expect(changed).toBe(true);
    expect(ids()).toEqual(["a", "b"]);
    order.rebuild(["c", "a", "b"]);
    expect(ids()).toEqual(["c", "a", "b"]);

    let reactions = 0;
    const dispose = autorun(() => {
      void order.list.length;
      reactions++;
    });
    order.rebuild(["c", "a", "b"]);
    dispose();
    expect(reactions).toBe(1);
  });

  it("puts an entity in another's slot, and asks the next server list to rebuild after any local placement", () => {
    const { order, visible, ids, show } = setup(["a", "b", "t"]);
    expect(order.placedLocally).toBe(false);
    visible.delete("t");
    visible.set("s", { id: "s" });
    order.placeAt("s", 2);
    expect(ids()).toEqual(["a", "b", "s"]);
    expect(order.placedLocally).toBe(true);
    order.rebuild(["a", "b", "s"]);
    expect(order.placedLocally).toBe(false);
    show({ id: "x" });
    expect(order.placedLocally).toBe(true);
    order.rebuild(["a", "b", "s", "x"]);
    order.markUnordered();
    expect(order.placedLocally).toBe(true);
  });

  it("clears the list and what it remembered", () => {
    const { order, hide, visible } = setup(["a", "b"]);
    hide("a", true);
    order.clear();
    visible.clear();
    expect(order.list.length).toBe(0);
    visible.set("a", { id: "a" });
    order.add("a", { id: "a" });
    expect(order.list.map((row) => row.id)).toEqual(["a"]);
  });
});

describe("ListOrder: a temporary row replaced by a hidden created entity", () => {
  /** What the layers do when a create is answered: the row of `temp` goes to `created`. */
  function answer({ order, visible }: ReturnType<typeof setup>, temp: string, created: string) {
    const at = order.indexOf(temp, visible.get(temp)!);
    visible.delete(temp);
    order.forgetPlace(temp, created, at);
    order.placeAt(created, at);
  }

  it("gives the created entity the row's place, never itself to follow", () => {
    const rows = setup(["a", "t", "s", "d", "e"]);
    rows.hide("s", true); // s follows t
    answer(rows, "t", "s");
    expect(rows.order.places.get("s")?.after).toBe("a");
    rows.show({ id: "s" });
    expect(rows.ids()).toEqual(["a", "s", "d", "e"]);
  });

  it("keeps what followed the row after the created entity, with no cycle between them", () => {
    const rows = setup(["a", "t", "h", "s", "d"]);
    rows.hide("h", true); // h follows t
    rows.hide("s", true); // s follows h
    answer(rows, "t", "s");
    expect([rows.order.places.get("h")?.after, rows.order.places.get("s")?.after]).toEqual(["s", "a"]);
    rows.show({ id: "h" });
    rows.show({ id: "s" });
    expect(rows.ids()).toEqual(["a", "s", "h", "d"]);
  });
});
