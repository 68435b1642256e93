/**
 * Realtime events and mutation answers are applied in the order they arrived, even when a burst
 * of events is batched. A socket-shaped object makes the arrival order exact.
 */
import { environmentManager } from "@tanstack/query-core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createOptimisticStoreManager } from "../../src";
import { createManualApi } from "../__fixtures__/manualApi";
import { makeTodos, type Todo } from "../__fixtures__/mockData";
import { cleanup, createMockSocket, createTestQueryClient, nextMacrotask, onCleanup } from "../__fixtures__/testHelpers";

environmentManager.setIsServer(() => false);
afterEach(cleanup);

/** A manager with realtime on a socket-shaped object, showing the three todos of its first fetch. */
async function connectedTodos() {
  const api = createManualApi();
  const client = createTestQueryClient();
  const manager = createOptimisticStoreManager<Todo>({ name: "todos", ...api, transformer: false, realtime: { eventType: "todo_update" } }, client);
  onCleanup(() => manager.destroy());
  const socket = createMockSocket();
  manager.realtime!.connect(socket);
  (await api.next("query")).resolve(makeTodos());
  await vi.waitFor(() => expect(manager.store.count).toBe(3));
  return { api, client, manager, socket };
}

/** Another client's two edits of "a", one event after the other: "other 1", then "other 2". */
function otherClientEditsA(socket: ReturnType<typeof createMockSocket>): void {
  socket.emit("todo_update", { type: "todo_update", event: "UPDATE", data: { id: "a", title: "other 1", done: false } });
  socket.emit("todo_update", { type: "todo_update", event: "UPDATE", data: { id: "a", title: "other 2", done: false } });
}

describe("a realtime burst and a mutation answer", () => {
  it("applies the events of a burst that arrived before an answer first, so the answer stands", async () => {
    const { api, client, manager, socket } = await connectedTodos();

    const saving = manager.actions.update({ id: "a", data: { title: "mine" } });
    const answer = await api.next("update");
    // The server applied another client's two edits, then this client's: their events come first.
    otherClientEditsA(socket);
    answer.resolve({ id: "a", title: "mine", done: false });
    await saving;
    await nextMacrotask();

    expect(manager.store.get("a")?.title).toBe("mine");
    expect(client.getQueryData<Todo[]>(["todos"])?.[0]?.title).toBe("mine");
  });
});

describe("a realtime burst and a refetch", () => {
  // Versions property, SEED=26651: an older UPDATE of an entity deleted since, queued behind the
  // DELETE in its batch, was applied as news of the refetch asked for after it, and outlived its list.
  it("applies the events of a burst that arrived before a refetch was asked for first, so the refetched list stands", async () => {
    const { api, client, manager, socket } = await connectedTodos();

    // Another client's two edits, arriving within one instant (performance.now held still, however
    // slow the machine): the first is applied at once, the second waits for its batch.
    const clock = vi.spyOn(performance, "now").mockReturnValue(performance.now());
    otherClientEditsA(socket);
    clock.mockRestore();
    expect(manager.store.get("a")?.title).toBe("other 1");
    // The user refreshes before that batch is applied; the server has changed "a" again since, and deleted "c".
    const refetching = manager.actions.refetch();
    const list = makeTodos().filter((todo) => todo.id !== "c");
    (await api.next("query")).resolve(list.map((todo) => (todo.id === "a" ? { ...todo, title: "other 3" } : todo)));
    await refetching;
    await nextMacrotask();

    expect(manager.store.get("a")?.title).toBe("other 3");
    expect(manager.store.get("c")).toBeUndefined();
    expect(client.getQueryData<Todo[]>(["todos"])?.find((todo) => todo.id === "a")?.title).toBe("other 3");
  });
});
