/**
 * The actions turn user input into changes: update data goes through toUi, ids are checked.
 */
import { environmentManager } from "@tanstack/query-core";
import { afterEach, describe, expect, it } from "vitest";
import { createDefaultTransformer, OptimisticEntityError } from "../../src";
import { makeTodos } from "../__fixtures__/mockData";
import { cleanup, loaded, setupManager, startServer } from "../__fixtures__/testHelpers";

environmentManager.setIsServer(() => false);
afterEach(cleanup);

const writes = (server: Awaited<ReturnType<typeof startServer>>) =>
  server.requests.filter((request) => request.method !== "GET").map((request) => `${request.method} ${request.path}`);

describe("update", () => {
  it("shows the submitted data through the transformer's toUi, as create does", async () => {
    const server = await startServer({ seed: [{ id: "a", title: "A", dueAt: "2024-01-01T00:00:00.000Z" }] });
    const { manager } = await setupManager({ server, config: { transformer: createDefaultTransformer() } });
    await loaded(manager, 1);

    const saving = manager.actions.update({ id: "a", data: { dueAt: "2024-05-01T00:00:00.000Z" } });

    expect(manager.store.get("a")?.dueAt).toEqual(new Date("2024-05-01T00:00:00.000Z"));
    await saving;
    expect(manager.store.get("a")?.dueAt).toEqual(new Date("2024-05-01T00:00:00.000Z"));
    expect(server.row("a")?.dueAt).toBe("2024-05-01T00:00:00.000Z");
  });

  it("rejects an id that is not a string and sends nothing", async () => {
    const server = await startServer({ seed: makeTodos() });
    const { manager } = await setupManager({ server });
    await loaded(manager, 3);

    await expect(manager.actions.update({ id: 5 as unknown as string, data: { title: "x" } })).rejects.toThrow(OptimisticEntityError);
    await expect(manager.actions.remove(5 as unknown as string)).rejects.toThrow(OptimisticEntityError);
    expect(writes(server)).toEqual([]);
  });
});
