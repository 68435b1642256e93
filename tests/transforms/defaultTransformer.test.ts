import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { createDefaultTransformer } from "../../src/transforms";
import type { DataTransformer, DefaultTransformerOptions } from "../../src/transforms";

type Row = { id: string } & Record<string, unknown>;

function transformer(options?: DefaultTransformerOptions): DataTransformer<Row, Row> {
  return createDefaultTransformer<Row>(options);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

describe("createDefaultTransformer", () => {
  describe("with default options", () => {
    it("never changes id, whatever its type or content", () => {
      const t = transformer();
      for (const id of ["123", "2024-01-02", "true", "a,b", "01234"]) {
        const row = { id, createdAt: "2024-01-02" };
        const ui = t.toUi(row);
        expect(ui.id).toBe(id);
        expect(t.toApi(ui).id).toBe(id);
      }
      const numericId = { id: 7 as unknown as string };
      expect(t.toUi(numericId)).toBe(numericId);
      const dateId = { id: new Date(0) as unknown as string };
      expect(t.toApi(dateId)).toBe(dateId);
    });

    it("leaves the strings the plan's transformer corrupted untouched", () => {
      const row = {
        id: "123",
        status: "1",
        code: "01234",
        tags: "a,b",
        done: "true",
        archived: "false",
        count: "42",
        ratio: "0.5",
        big: "Infinity",
        nothing: "NaN",
      };
      expect(transformer().toUi(row)).toBe(row);
    });

    it("leaves non-string values of date-like fields alone", () => {
      const row = { id: "1", createdAt: 1704164645000, updatedAt: null, dueDate: true, startTime: ["2024-01-02"] };
      expect(transformer().toUi(row)).toBe(row);
    });

    it("returns the same object from toUi and toApi when no field changes", () => {
      const t = transformer();
      const row = { id: "1", title: "write tests", done: false, count: 3 };
      expect(t.toUi(row)).toBe(row);
      expect(t.toApi(row)).toBe(row);
    });

    it("looks only at top-level fields and keeps nested values as the same references", () => {
      const nested = { createdAt: "2024-01-02" };
      const list = ["2024-01-02", { updatedAt: "2024-01-02" }];
      const row = { id: "1", createdAt: "2024-01-02", nested, list };
      const ui = transformer().toUi(row);
      expect(ui).not.toBe(row);
      expect(ui.createdAt).toBeInstanceOf(Date);
      expect(ui.nested).toBe(nested);
      expect(ui.list).toBe(list);
      expect(nested.createdAt).toBe("2024-01-02");
    });

    it("returns values that are not plain objects as they are", () => {
      const t = transformer();
      const list = [{ id: "1", createdAt: "2024-01-02" }];
      expect(t.toUi(null as unknown as Row)).toBeNull();
      expect(t.toUi("2024-01-02" as unknown as Row)).toBe("2024-01-02");
      expect(t.toUi(list as unknown as Row)).toBe(list);
      expect(t.toApi(undefined as unknown as Row)).toBeUndefined();
    });
  });

  describe("dates", () => {
    it.each([
      "createdAt",
      "updated_at",
      "CREATED_AT",
      "deleted-at",
      "date",
      "dueDate",
      "birth_date",
      "date_of_birth",
      "DateOfBirth",
      "startTime",
      "start_time",
      "time",
      "timestamp",
      "eventTimestamp",
      "event_timestamp",
    ])("treats %s as a date-like field", (key) => {
      const ui = transformer().toUi({ id: "1", [key]: "2024-01-02T03:04:05Z" });
      expect(ui[key]).toEqual(new Date(Date.UTC(2024, 0, 2, 3, 4, 5)));
    });

    it.each(["status", "format", "chat", "update", "candidate", "runtime", "uptime", "data", "at", "lat", "name"])(
      "does not treat %s as a date-like field",
      (key) => {
        const row = { id: "1", [key]: "2024-01-02T03:04:05Z" };
        expect(transformer().toUi(row)).toBe(row);
      },
    );

    it.each([
      ["2024-01-02", Date.UTC(2024, 0, 2)],
      ["2024-02-29", Date.UTC(2024, 1, 29)],
      ["2000-02-29", Date.UTC(2000, 1, 29)],
      ["2024-04-30", Date.UTC(2024, 3, 30)],
      ["2024-12-31", Date.UTC(2024, 11, 31)],
      ["2024-01-02T03:04Z", Date.UTC(2024, 0, 2, 3, 4)],
      ["2024-01-02T03:04:05Z", Date.UTC(2024, 0, 2, 3, 4, 5)],
      ["2024-01-02t03:04:05z", Date.UTC(2024, 0, 2, 3, 4, 5)],
      ["2024-01-02 03:04:05Z", Date.UTC(2024, 0, 2, 3, 4, 5)],
      ["2024-01-02T03:04:05.1Z", Date.UTC(2024, 0, 2, 3, 4, 5, 100)],
      ["2024-01-02T03:04:05.123Z", Date.UTC(2024, 0, 2, 3, 4, 5, 123)],
      ["2024-01-02T03:04:05.123456789Z", Date.UTC(2024, 0, 2, 3, 4, 5, 123)],
      ["2024-01-02T03:04:05,5Z", Date.UTC(2024, 0, 2, 3, 4, 5, 500)],
      ["2024-01-02T03:04:05+02:00", Date.UTC(2024, 0, 2, 1, 4, 5)],
      ["2024-01-02T03:04:05-0500", Date.UTC(2024, 0, 2, 8, 4, 5)],
      ["2024-01-02T03:04:05+05", Date.UTC(2024, 0, 1, 22, 4, 5)],
      ["2024-01-02T03:04:05.250-00:00", Date.UTC(2024, 0, 2, 3, 4, 5, 250)],
      ["2024-01-02T23:59:59+14:00", Date.UTC(2024, 0, 2, 9, 59, 59)],
      ["2024-01-02T03:04:05", new Date(2024, 0, 2, 3, 4, 5).getTime()],
      ["2024-01-02T03:04", new Date(2024, 0, 2, 3, 4).getTime()],
    ])("parses %s to the right instant", (text, time) => {
      const ui = transformer().toUi({ id: "1", createdAt: text });
      expect(ui.createdAt).toBeInstanceOf(Date);
      expect((ui.createdAt as Date).getTime()).toBe(time);
    });

    it("reads the canonical toISOString() form as the same instant as new Date(text), and writes it back as is", () => {
      fc.assert(
        fc.property(fc.date({ min: new Date("0100-01-01T00:00:00.000Z"), max: new Date("9999-12-31T23:59:59.999Z"), noInvalidDate: true }), (instant) => {
          const text = instant.toISOString();
          const ui = transformer().toUi({ id: "1", updatedAt: text });
          expect(ui.updatedAt).toBeInstanceOf(Date);
          expect((ui.updatedAt as Date).getTime()).toBe(new Date(text).getTime());
          expect(transformer().toApi(ui).updatedAt).toBe(text);
        }),
        { numRuns: 2000 },
      );
    });

    it("keeps years 0 to 99 as they are written", () => {
      const ui = transformer().toUi({ id: "1", date: "0050-06-07", time: "0001-01-01T00:00:00", createdAt: "0099-12-31T23:59:59.999Z" });
      expect((ui.date as Date).getUTCFullYear()).toBe(50);
      expect((ui.time as Date).getFullYear()).toBe(1);
      expect((ui.createdAt as Date).getTime()).toBe(new Date("0099-12-31T23:59:59.999Z").getTime());
      expect(transformer().toApi(ui).createdAt).toBe("0099-12-31T23:59:59.999Z");
    });

    it("reads a leap day in the canonical form, and refuses one in a year without it", () => {
      expect((transformer().toUi({ id: "1", updatedAt: "2024-02-29T12:00:00.000Z" }).updatedAt as Date).getTime()).toBe(Date.UTC(2024, 1, 29, 12));
      expect((transformer().toUi({ id: "1", updatedAt: "2000-02-29T00:00:00.000Z" }).updatedAt as Date).getTime()).toBe(Date.UTC(2000, 1, 29));
      expect(transformer().toUi({ id: "1", updatedAt: "2100-02-29T00:00:00.000Z" }).updatedAt).toBe("2100-02-29T00:00:00.000Z");
    });

    it.each([
      "2024-13-45",
      "2024-00-10",
      "2024-01-00",
      "2024-02-30",
      "2023-02-29",
      "1900-02-29",
      "2024-04-31",
      "2024-01-02T24:00:00Z",
      "2024-01-02T03:60Z",
      "2024-01-02T03:04:60Z",
      "2024-01-02T03:04:05+24:00",
      "2024-01-02T03:04:05+02:60",
      "2024-01-02T03",
      "2024-01-02Z",
      "2024-01-02T03:04:05.Z",
      "2024-01-02T03:04:05+020",
      "2024-02-30T00:00:00.000Z",
      "2023-02-29T00:00:00.000Z",
      "2024-04-31T00:00:00.000Z",
      "2024-00-10T00:00:00.000Z",
      "2024-01-00T00:00:00.000Z",
      "2024-13-01T00:00:00.000Z",
      "2024-01-02T24:00:00.000Z",
      "2024-01-02T03:60:00.000Z",
      "2024-01-02T03:04:60.000Z",
      "2024-01-02T03:04:05.0a0Z",
      "2024",
      "2024-01",
      "2024-1-2",
      "20240102",
      "+002024-01-02",
      " 2024-01-02",
      "2024-01-02 ",
      "Jan 2 2024",
      "1704164645000",
      "yesterday",
      "",
    ])("keeps %j a string", (text) => {
      const row = { id: "1", createdAt: text };
      expect(transformer().toUi(row)).toBe(row);
    });

    it("gives back the exact original text in toApi", () => {
      const t = transformer();
      for (const text of [
        "2024-01-02",
        "2024-01-02T03:04Z",
        "2024-01-02 03:04:05Z",
        "2024-01-02T03:04:05.123456789Z",
        "2024-01-02T03:04:05,5Z",
        "2024-01-02T03:04:05+02:00",
        "2024-01-02T03:04:05-0500",
        "2024-01-02T03:04:05",
      ]) {
        const ui = t.toUi({ id: "1", updatedAt: text });
        expect(t.toApi(ui)).toEqual({ id: "1", updatedAt: text });
      }
    });

    it("sends a Date changed after toUi as its new ISO string", () => {
      const t = transformer();
      const ui = t.toUi({ id: "1", dueDate: "2024-01-02" });
      (ui.dueDate as Date).setUTCDate(5);
      expect(t.toApi(ui).dueDate).toBe("2024-01-05T00:00:00.000Z");
      (ui.dueDate as Date).setUTCDate(2);
      expect(t.toApi(ui).dueDate).toBe("2024-01-02");
    });

    it("sends a Date put in place of the parsed one as its ISO string", () => {
      const t = transformer();
      const ui = t.toUi({ id: "1", dueDate: "2024-01-02" });
      const edited = { ...ui, dueDate: new Date(Date.UTC(2024, 0, 2)) };
      expect(t.toApi(edited).dueDate).toBe("2024-01-02T00:00:00.000Z");
    });

    it("turns any Date into an ISO string in toApi, in any field", () => {
      const t = transformer({ parseDates: false });
      const ui = { id: "1", note: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)), createdAt: new Date(0) };
      expect(t.toApi(ui)).toEqual({ id: "1", note: "2024-01-02T03:04:05.006Z", createdAt: "1970-01-01T00:00:00.000Z" });
    });

    it("sends an invalid Date as null, as JSON.stringify does", () => {
      expect(transformer().toApi({ id: "1", createdAt: new Date(Number.NaN) }).createdAt).toBeNull();
    });

    it("leaves date strings alone with parseDates: false", () => {
      const row = { id: "1", createdAt: "2024-01-02", updated_at: "2024-01-02T03:04:05Z" };
      expect(transformer({ parseDates: false }).toUi(row)).toBe(row);
    });

    it("uses a dateFields list instead of the default names", () => {
      const ui = transformer({ dateFields: ["published"] }).toUi({
        id: "1",
        published: "2024-01-02",
        createdAt: "2024-01-02",
      });
      expect(ui.published).toBeInstanceOf(Date);
      expect(ui.createdAt).toBe("2024-01-02");
    });

    it("uses a dateFields predicate instead of the default names", () => {
      const ui = transformer({ dateFields: (key) => key.startsWith("when") }).toUi({
        id: "1",
        whenDue: "2024-01-02",
        dueDate: "2024-01-02",
      });
      expect(ui.whenDue).toBeInstanceOf(Date);
      expect(ui.dueDate).toBe("2024-01-02");
    });

    it("never parses id even when dateFields names it", () => {
      const row = { id: "2024-01-02" };
      expect(transformer({ dateFields: ["id"] }).toUi(row)).toBe(row);
    });
  });

  describe("parseBooleans", () => {
    it("turns 'true' and 'false' into booleans and back into strings", () => {
      const t = transformer({ parseBooleans: true });
      const row = { id: "true", done: "true", archived: "false", loud: "TRUE", one: "1", yes: "yes" };
      const ui = t.toUi(row);
      expect(ui).toEqual({ id: "true", done: true, archived: false, loud: "TRUE", one: "1", yes: "yes" });
      expect(t.toApi(ui)).toEqual(row);
    });

    it("turns every boolean of the selected fields into a string in toApi", () => {
      const t = transformer({ parseBooleans: true });
      expect(t.toApi({ id: "1", done: true, archived: false })).toEqual({ id: "1", done: "true", archived: "false" });
    });

    it("applies only to the listed fields, in both directions", () => {
      const t = transformer({ parseBooleans: ["done"] });
      expect(t.toUi({ id: "1", done: "true", other: "true" })).toEqual({ id: "1", done: true, other: "true" });
      expect(t.toApi({ id: "1", done: true, other: true })).toEqual({ id: "1", done: "true", other: true });
    });

    it("applies only to the fields a predicate accepts", () => {
      const t = transformer({ parseBooleans: (key) => key.startsWith("is") });
      expect(t.toUi({ id: "1", isDone: "false", done: "false" })).toEqual({ id: "1", isDone: false, done: "false" });
    });

    it("is off when false", () => {
      const t = transformer({ parseBooleans: false });
      const row = { id: "1", done: "true" };
      expect(t.toUi(row)).toBe(row);
      const ui = { id: "1", done: true };
      expect(t.toApi(ui)).toBe(ui);
    });
  });

  describe("parseNumbers", () => {
    it("turns canonical numeric strings into numbers and back into strings", () => {
      const t = transformer({ parseNumbers: true });
      const row = { id: "42", count: "42", ratio: "-1.5", zero: "0", huge: "1e+21", tiny: "1e-7" };
      const ui = t.toUi(row);
      expect(ui).toEqual({ id: "42", count: 42, ratio: -1.5, zero: 0, huge: 1e21, tiny: 1e-7 });
      expect(t.toApi(ui)).toEqual(row);
    });

    it.each(["01234", "1e3", " 42", "42 ", "", "+1", "-0", "0x10", "1_000", ".5", "5.", "1.0", "NaN", "Infinity", "-Infinity"])(
      "keeps the non-canonical %j a string",
      (text) => {
        const row = { id: "1", value: text };
        expect(transformer({ parseNumbers: true }).toUi(row)).toBe(row);
      },
    );

    it("applies only to the selected fields, in both directions", () => {
      const t = transformer({ parseNumbers: (key) => key.endsWith("Count") });
      expect(t.toUi({ id: "1", likeCount: "3", zip: "12345" })).toEqual({ id: "1", likeCount: 3, zip: "12345" });
      expect(t.toApi({ id: "1", likeCount: 3, zip: 12345 })).toEqual({ id: "1", likeCount: "3", zip: 12345 });
    });

    it("leaves numbers alone in toApi when off", () => {
      const ui = { id: "1", count: 3 };
      expect(transformer().toApi(ui)).toBe(ui);
    });
  });

  describe("parseLists", () => {
    it("splits strings with a comma and no whitespace and joins them back", () => {
      const t = transformer({ parseLists: true });
      const row = { id: "a,b", tags: "a,b", empty: ",", spaced: "a, b", tabbed: "a,\tb", single: "a", words: "a b" };
      const ui = t.toUi(row);
      expect(ui).toEqual({ ...row, tags: ["a", "b"], empty: ["", ""] });
      expect(t.toApi(ui)).toEqual(row);
    });

    it("joins only arrays of strings in toApi", () => {
      const t = transformer({ parseLists: true });
      const numbers = [1, 2];
      const mixed = ["a", 1];
      const result = t.toApi({ id: "1", tags: ["x", "y"], none: [], numbers, mixed });
      expect(result).toEqual({ id: "1", tags: "x,y", none: "", numbers, mixed });
      expect(result.numbers).toBe(numbers);
    });

    it("applies only to the listed fields, in both directions", () => {
      const t = transformer({ parseLists: ["tags"] });
      expect(t.toUi({ id: "1", tags: "a,b", csv: "1,2" })).toEqual({ id: "1", tags: ["a", "b"], csv: "1,2" });
      const list = ["a", "b"];
      expect(t.toApi({ id: "1", tags: ["a", "b"], other: list })).toEqual({ id: "1", tags: "a,b", other: list });
    });
  });

  describe("combined options", () => {
    it("round-trips an API that sends every value as a string", () => {
      const t = transformer({ parseBooleans: true, parseNumbers: true, parseLists: true });
      const row = {
        id: "17",
        createdAt: "2024-01-02T03:04:05.000Z",
        done: "false",
        count: "12",
        tags: "red,green",
        title: "Buy milk, eggs",
      };
      const ui = t.toUi(row);
      expect(ui).toEqual({
        id: "17",
        createdAt: new Date("2024-01-02T03:04:05.000Z"),
        done: false,
        count: 12,
        tags: ["red", "green"],
        title: "Buy milk, eggs",
      });
      expect(t.toApi(ui)).toEqual(row);
    });

    it("prefers a date over a number in a date-like field", () => {
      const t = transformer({ parseNumbers: true, parseLists: true });
      const ui = t.toUi({ id: "1", createdAt: "2024-01-02", updatedAt: "1704164645000", deletedAt: "x,y" });
      expect(ui.createdAt).toBeInstanceOf(Date);
      expect(ui.updatedAt).toBe(1704164645000);
      expect(ui.deletedAt).toEqual(["x", "y"]);
    });
  });

  describe("immutability", () => {
    it("never mutates its input", () => {
      const t = transformer({ parseBooleans: true, parseNumbers: true, parseLists: true });
      const row = deepFreeze({ id: "1", createdAt: "2024-01-02", done: "true", count: "3", tags: "a,b", nested: { at: "x" } });
      const snapshot = structuredClone(row);
      const ui = t.toUi(row);
      expect(row).toEqual(snapshot);
      const frozenUi = deepFreeze({ ...ui });
      const api = t.toApi(frozenUi);
      expect(api).toEqual(snapshot);
      expect(frozenUi).toEqual(ui);
    });

    it("returns a value toUi already made unchanged when given it again", () => {
      const t = transformer();
      const ui = t.toUi({ id: "1", createdAt: "2024-01-02" });
      expect(t.toUi(ui)).toBe(ui);
    });

    it("never converts an own __proto__ key, so the copy keeps its prototype", () => {
      const t = transformer({ parseLists: true });
      const row = JSON.parse('{"id":"1","__proto__":"a,b","tags":"a,b"}') as Row;
      const ui = t.toUi(row);
      expect(Object.getPrototypeOf(ui)).toBe(Object.prototype);
      expect(Object.getOwnPropertyDescriptor(ui, "__proto__")?.value).toBe("a,b");
      expect(ui.tags).toEqual(["a", "b"]);
    });
  });

  describe("round trip with default options", () => {
    it("gives back a varied fixture exactly", () => {
      const t = transformer();
      const fixture = {
        id: "123",
        title: "  hello, world  ",
        status: "1",
        code: "01234",
        tags: "a,b",
        done: "true",
        count: 42,
        ratio: -0.5,
        nothing: null,
        flag: false,
        createdAt: "2024-01-02T03:04:05.123456+02:00",
        updated_at: "2024-01-02",
        dueDate: "2024-02-30",
        birth_date: "1990-05-17T00:00:00",
        startTime: "not a time",
        timestamp: "2024-01-02 03:04:05-0500",
        date: "",
        nested: { createdAt: "2024-01-02", list: [1, "2", { at: null }] },
        list: ["2024-01-02", "a,b"],
      };
      const snapshot = structuredClone(fixture);
      const ui = t.toUi(fixture);
      expect(ui.createdAt).toBeInstanceOf(Date);
      expect(ui.updated_at).toBeInstanceOf(Date);
      expect(ui.birth_date).toBeInstanceOf(Date);
      expect(ui.timestamp).toBeInstanceOf(Date);
      expect(t.toApi(ui)).toEqual(snapshot);
      expect(fixture).toEqual(snapshot);
    });

    it("gives back any JSON object with an id exactly", () => {
      const two = (min: number, max: number) => fc.integer({ min, max }).map((n) => String(n).padStart(2, "0"));
      const isoLike = fc
        .record({
          year: fc.integer({ min: 0, max: 9999 }).map((n) => String(n).padStart(4, "0")),
          month: two(0, 13),
          day: two(0, 32),
          time: fc.option(
            fc.record({
              separator: fc.constantFrom("T", " ", "t"),
              hour: two(0, 24),
              minute: two(0, 60),
              second: fc.option(two(0, 60)),
              fraction: fc.option(fc.stringMatching(/^[.,]\d{1,12}$/)),
              zone: fc.constantFrom("", "Z", "z", "+02:00", "-0500", "+05", "-00:00", "+14:00", "+24:00", "-03:30"),
            }),
          ),
        })
        .map(({ year, month, day, time }) => {
          const date = `${year}-${month}-${day}`;
          if (time === null) return date;
          const seconds = time.second === null ? "" : `:${time.second}${time.fraction ?? ""}`;
          return `${date}${time.separator}${time.hour}:${time.minute}${seconds}${time.zone}`;
        });
      const key = fc.oneof(
        fc.constantFrom("createdAt", "updated_at", "date", "dueDate", "birth_date", "startTime", "timestamp", "status"),
        fc.string(),
      );
      const value = fc.oneof(isoLike, fc.jsonValue(), fc.string());
      const entity = fc
        .tuple(fc.oneof(fc.string(), isoLike, fc.integer()), fc.dictionary(key, value))
        .map(([id, fields]) => Object.assign(fields, { id }) as Row);
      const t = transformer();

      fc.assert(
        fc.property(entity, (row) => {
          const snapshot = structuredClone(row);
          const ui = t.toUi(row);
          expect(t.toApi(ui)).toEqual(snapshot);
          expect(t.toUi(ui)).toBe(ui);
          expect(row).toEqual(snapshot);
        }),
        { numRuns: 500 },
      );
    });
  });
});
