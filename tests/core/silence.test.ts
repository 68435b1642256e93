import { environmentManager } from "@tanstack/query-core";
import { autorun, configure } from "mobx";
import { afterEach, describe, expect, it, vi } from "vitest";
import { makeTodos } from "../__fixtures__/mockData";
import { cleanup, loaded, nextMacrotask, setupManager, titles } from "../__fixtures__/testHelpers";

environmentManager.setIsServer(() => false);
afterEach(cleanup);

const methods = ["log", "info", "warn", "error", "debug", "trace", "table", "dir"] as const;

describe("silence", () => {
  it("writes nothing to the console during a full create/update/remove/refetch flow, failures included", async () => {
    const spies = methods.map((method) => vi.spyOn(console, method).mockImplementation(() => undefined));
    configure({ enforceActions: "always" });
    try {
      const { manager, server } = await setupManager({ seed: makeTodos(), config: { transformer: undefined } });
      const dispose = autorun(() => void [titles(manager.store), manager.status.isSyncing, manager.status.hasPendingMutations]);
      await loaded(manager, 3);

      const created = await manager.actions.create({ title: "D", createdAt: "2024-01-02T03:04:05.000Z" });
      await manager.actions.update({ id: created.id, data: { title: "D2" } });
      await manager.actions.remove("b");
      server.intercept({ method: "PUT" }, { status: 500 });
      await expect(manager.actions.update({ id: "a", data: { title: "nope" } })).rejects.toThrow();
      server.intercept({ method: "POST" }, { status: 422 });
      await expect(manager.actions.create({ title: "nope" })).rejects.toThrow();
      server.serverInsert({ title: "E" });
      await manager.actions.refetch();
      server.intercept({ method: "GET" }, { status: 500 });
      await manager.actions.refetch();
      expect(manager.status.isError).toBe(true);
      manager.disable();
      manager.enable();
      await nextMacrotask(); // let coalesced write-backs and any deferred report run
      manager.destroy();
      await expect(manager.actions.create({ title: "late" })).rejects.toThrow();
      dispose();

      expect(titles(manager.store)).toEqual(["A", "C", "D2", "E"]);
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    } finally {
      configure({ enforceActions: "observed" });
      for (const spy of spies) spy.mockRestore();
    }
  });
});
