import { describe, expect, it } from "vitest";
import { Deletions } from "../../src/core/Deletions";

describe("Deletions", () => {
  it("says whether a deletion was learned after a change was made", () => {
    const deletions = new Deletions();
    deletions.learn("a", 5, () => 1);
    expect(deletions.since("a", 3)).toBe(true);
    expect(deletions.since("a", 6)).toBe(false);
    expect(deletions.since("b", 3)).toBe(false);
    deletions.clear();
    expect(deletions.since("a", 3)).toBe(false);
  });

  it("stays bounded: past 1,000 it drops deletions older than every change in flight", () => {
    const deletions = new Deletions();
    for (let tick = 1; tick <= 1000; tick++) deletions.learn(`e${tick}`, tick, () => 990);
    deletions.learn("last", 1001, () => 990);
    expect(deletions.since("e10", 0)).toBe(false);
    expect(deletions.since("e995", 0)).toBe(true);
    expect(deletions.since("last", 1000)).toBe(true);
  });
});
