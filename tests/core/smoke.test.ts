import { QueryClient, environmentManager } from "@tanstack/query-core";
import { autorun, reaction } from "mobx";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createOptimisticStoreManager } from "../../src";
import { createTestApi, startTestServer, type TestServer } from "../__fixtures__";

environmentManager.setIsServer(() => false);
let server: TestServer | undefined;
afterEach(async () => { await server?.close(); });

describe("smoke", () => {
  it("loads, creates, updates, removes", async () => {
    server = await startTestServer({ seed: [{ id: "a", title: "A" }, { id: "b", title: "B" }] });
    const api = createTestApi(server);
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    const m = createOptimisticStoreManager({ name: "items", ...api, transformer: false }, client);
    await vi.waitFor(() => expect(m.store.count).toBe(2));
    let runs = 0;
    const dispose = reaction(() => m.store.list.map((e) => e.title), () => runs++);
    const p = m.actions.create({ title: "C" });
    expect(m.store.list.map((e) => e.title)).toEqual(["A", "B", "C"]);
    const created = await p;
    expect(m.store.list.map((e) => e.id)).toEqual(["a", "b", created.id]);
    const u = m.actions.update({ id: "a", data: { title: "A2" } });
    expect(m.store.get("a")?.title).toBe("A2");
    await u;
    const r = m.actions.remove("b");
    expect(m.store.get("b")).toBeUndefined();
    await r;
    expect(server.rows().map((x) => x.title)).toEqual(["A2", "C"]);
    await m.actions.refetch();
    expect(m.store.list.map((e) => e.title)).toEqual(["A2", "C"]);
    expect(runs).toBeGreaterThan(0);
    dispose();
    await new Promise((r) => setTimeout(r, 5));
    expect((client.getQueryData(["items"]) as { title: string }[]).map((x) => x.title)).toEqual(["A2", "C"]);
    m.destroy();
  });
});
