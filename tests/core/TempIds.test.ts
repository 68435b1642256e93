import { describe, expect, it } from "vitest";
import { TempIds } from "../../src/core/TempIds";

describe("TempIds", () => {
  it("maps an answered temporary id to its server id and keeps rendering under the temporary key", () => {
    const ids = new TempIds();
    ids.link("temp-1", "s1");
    expect(ids.resolve("temp-1", () => false)).toBe("s1");
    expect(ids.viewKey("s1")).toBe("temp-1");
    expect(ids.has("temp-1")).toBe(true);
  });

  it("never redirects an id that names an entity itself", () => {
    const ids = new TempIds();
    ids.link("mine", "s1");
    expect(ids.resolve("mine", (id) => id === "mine")).toBe("mine");
  });

  it("forgets both with the entity, and a view key follows a chain of creates", () => {
    const ids = new TempIds();
    ids.link("temp-1", "s1");
    ids.forget("s1");
    expect(ids.resolve("temp-1", () => false)).toBe("temp-1");
    expect(ids.viewKey("s1")).toBe("s1");
    expect(ids.has("temp-1")).toBe(false);
  });
});
