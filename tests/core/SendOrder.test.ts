import { describe, expect, it } from "vitest";
import { SendOrder } from "../../src/core/SendOrder";

const settled = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("SendOrder", () => {
  it("lets a change go when the previous change of its entity was sent, not before", async () => {
    const order = new SendOrder((id) => id);
    const first = order.take("a");
    const second = order.take("a");
    const other = order.take("b");
    expect(first.prior).toBeUndefined();
    expect(other.prior).toBeUndefined();
    let secondMayGo = false;
    void second.prior!.then(() => (secondMayGo = true));
    await settled();
    expect(secondMayGo).toBe(false);
    first.done();
    await settled();
    expect(secondMayGo).toBe(true);
  });

  it("queues the changes made on a temporary id before later changes of its server id", async () => {
    const aliases = new Map<string, string>();
    const order = new SendOrder((id) => aliases.get(id) ?? id);
    const create = order.take("temp-1");
    const queued = order.take("temp-1");
    aliases.set("temp-1", "s1");
    order.move("temp-1", "s1");
    create.done();
    const later = order.take("s1");
    let laterMayGo = false;
    void later.prior!.then(() => (laterMayGo = true));
    await settled();
    expect(laterMayGo).toBe(false);
    queued.done();
    await settled();
    expect(laterMayGo).toBe(true);
  });

  it("forgets an entity once its last change was sent", () => {
    const order = new SendOrder((id) => id);
    const turn = order.take("a");
    turn.done();
    turn.done();
    expect(order.take("a").prior).toBeUndefined();
  });
});
