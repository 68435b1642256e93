import { describe, expect, it } from "vitest";
import { preview } from "../../src/devtools/preview";

describe("preview", () => {
  it("shows the fields but the id on one line, values shortened", () => {
    expect(preview({ id: "t1", title: "Buy milk", done: false, at: new Date("2024-01-02T03:04:05.000Z"), tags: ["a", "b"], meta: { x: 1 } })).toBe(
      'title: "Buy milk", done: false, at: 2024-01-02T03:04:05.000Z, tags: [2], meta: {…}',
    );
    expect(preview({ when: { $date: "2024-01-02T03:04:05.000Z" }, none: null, nothing: undefined })).toBe("when: 2024-01-02T03:04:05.000Z, none: null, nothing: undefined");
    expect(preview({ bad: new Date(NaN) })).toBe("bad: Invalid Date");
    expect(preview({ big: { $bigint: "12345678901234567890" }, gone: { $undefined: true }, when: { $date: null } })).toBe("big: 12345678901234567890, gone: undefined, when: Invalid Date");
  });

  it("shows NaN and ±Infinity, which events write as { $number }, as those numbers", () => {
    expect(preview({ n: { $number: "NaN" }, max: { $number: "Infinity" }, min: { $number: "-Infinity" }, live: Number.NaN })).toBe("n: NaN, max: Infinity, min: -Infinity, live: NaN");
  });

  it("shows an object of the data shaped like a mark (written { $object }) as an object, not as what the mark stands for", () => {
    expect(preview({ meta: { $object: { $date: "2024-01-02T03:04:05.000Z" } }, gone: { $object: { $undefined: true } }, n: { $object: { $number: "NaN" } } })).toBe("meta: {…}, gone: {…}, n: {…}");
  });

  it("cuts long strings and stops adding fields once the line is full", () => {
    expect(preview({ title: "x".repeat(100_000) })).toBe(`title: "${"x".repeat(40)}…"`);
    const wide = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`field${i}`, i]));
    const line = preview(wide);
    expect(line.length).toBeLessThan(130);
    expect(line.endsWith(", …")).toBe(true);
  });

  it("previews a value that is not an object", () => {
    expect(preview(undefined)).toBe("");
    expect(preview("text")).toBe('"text"');
    expect(preview(3)).toBe("3");
  });
});
