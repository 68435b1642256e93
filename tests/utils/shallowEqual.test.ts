import { describe, it, expect } from "vitest";
import { shallowEqual } from "../../src/utils";

class Point {
  constructor(
    public x: number,
    public y: number,
  ) {}
}

const entity = {
  id: "1",
  title: "write tests",
  done: false,
  count: 3,
  owner: null,
  tags: ["a", "b"],
  meta: { createdBy: "u1", history: [{ at: "2024-01-02" }] },
  dueDate: new Date(Date.UTC(2024, 0, 2)),
};

describe("shallowEqual", () => {
  it("treats the same reference as equal", () => {
    expect(shallowEqual(entity, entity)).toBe(true);
  });

  it("compares primitives with Object.is", () => {
    expect(shallowEqual(1, 1)).toBe(true);
    expect(shallowEqual("a", "a")).toBe(true);
    expect(shallowEqual("a", "b")).toBe(false);
    expect(shallowEqual(Number.NaN, Number.NaN)).toBe(true);
    expect(shallowEqual(0, -0)).toBe(false);
    expect(shallowEqual(null, null)).toBe(true);
    expect(shallowEqual(null, undefined)).toBe(false);
    expect(shallowEqual(1, "1")).toBe(false);
  });

  it("treats an object and a primitive or null as different", () => {
    expect(shallowEqual({}, null)).toBe(false);
    expect(shallowEqual(null, {})).toBe(false);
    expect(shallowEqual({}, "x")).toBe(false);
    expect(shallowEqual(1, {})).toBe(false);
  });

  it("treats a fresh JSON-like copy of an entity as equal", () => {
    const copy = { ...structuredClone(entity) };
    expect(copy).not.toBe(entity);
    expect(shallowEqual(entity, copy)).toBe(true);
    expect(shallowEqual(copy, entity)).toBe(true);
  });

  it("ignores key order", () => {
    expect(shallowEqual({ a: 1, b: 2, c: 3 }, { c: 3, a: 1, b: 2 })).toBe(true);
  });

  it("sees a changed, added or removed field", () => {
    expect(shallowEqual({ id: "1", done: false }, { id: "1", done: true })).toBe(false);
    expect(shallowEqual({ id: "1" }, { id: "1", done: true })).toBe(false);
    expect(shallowEqual({ id: "1", done: true }, { id: "1" })).toBe(false);
  });

  it("tells a key holding undefined from a missing key", () => {
    expect(shallowEqual({ a: undefined }, {})).toBe(false);
    expect(shallowEqual({}, { a: undefined })).toBe(false);
    expect(shallowEqual({ a: undefined }, { b: undefined })).toBe(false);
    expect(shallowEqual({ a: undefined }, { a: undefined })).toBe(true);
  });

  it("compares NaN fields as equal", () => {
    expect(shallowEqual({ score: Number.NaN }, { score: Number.NaN })).toBe(true);
  });

  it("compares nested arrays and objects by content", () => {
    const a = { id: "1", matrix: [[1, 2], [3]], meta: { tags: ["x"], deep: { n: 1 } } };
    expect(shallowEqual(a, { id: "1", matrix: [[1, 2], [3]], meta: { deep: { n: 1 }, tags: ["x"] } })).toBe(true);
    expect(shallowEqual(a, { id: "1", matrix: [[1, 2], [4]], meta: { tags: ["x"], deep: { n: 1 } } })).toBe(false);
    expect(shallowEqual(a, { id: "1", matrix: [[1, 2], [3]], meta: { tags: ["x"], deep: { n: 2 } } })).toBe(false);
  });

  it("compares arrays by length and items in order", () => {
    expect(shallowEqual([1, 2, 3], [1, 2, 3])).toBe(true);
    expect(shallowEqual([1, 2], [1, 2, 3])).toBe(false);
    expect(shallowEqual([1, 2, 3], [3, 2, 1])).toBe(false);
    expect(shallowEqual([], [])).toBe(true);
  });

  it("does not mistake an array for an object with index keys", () => {
    expect(shallowEqual(["a"], { 0: "a" })).toBe(false);
    expect(shallowEqual({ 0: "a" }, ["a"])).toBe(false);
    expect(shallowEqual({ list: ["a"] }, { list: { 0: "a" } })).toBe(false);
  });

  it("compares Dates by time", () => {
    expect(shallowEqual(new Date(5), new Date(5))).toBe(true);
    expect(shallowEqual({ at: new Date(5) }, { at: new Date(5) })).toBe(true);
    expect(shallowEqual({ at: new Date(5) }, { at: new Date(6) })).toBe(false);
    expect(shallowEqual(new Date(Number.NaN), new Date(Number.NaN))).toBe(true);
  });

  it("treats a Date and a non-Date as different", () => {
    expect(shallowEqual({ at: new Date(0) }, { at: "1970-01-01T00:00:00.000Z" })).toBe(false);
    expect(shallowEqual({ at: new Date(0) }, { at: 0 })).toBe(false);
    expect(shallowEqual(new Date(0), {})).toBe(false);
    expect(shallowEqual({}, new Date(0))).toBe(false);
  });

  it("compares class instances other than Date by reference", () => {
    const point = new Point(1, 2);
    expect(shallowEqual({ p: point }, { p: point })).toBe(true);
    expect(shallowEqual({ p: point }, { p: new Point(1, 2) })).toBe(false);
    expect(shallowEqual({ p: point }, { p: { x: 1, y: 2 } })).toBe(false);
    expect(shallowEqual({ p: { x: 1, y: 2 } }, { p: point })).toBe(false);
    expect(shallowEqual(new Map([[1, 2]]), new Map([[1, 2]]))).toBe(false);
  });

  it("compares objects without a prototype by content", () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { id: "1", tags: ["a"] });
    expect(shallowEqual(bare, { id: "1", tags: ["a"] })).toBe(true);
  });

  it("counts only own enumerable keys", () => {
    const hidden = { b: 1 };
    Object.defineProperty(hidden, "a", { value: 1, enumerable: false });
    expect(shallowEqual({ a: 1 }, hidden)).toBe(false);
    const inherited = Object.create({ a: 1 }) as Record<string, unknown>;
    expect(shallowEqual({ a: 1 }, inherited)).toBe(false);
  });
});
