import { environmentManager } from "@tanstack/query-core";
import { beforeAll, describe, expect, it } from "vitest";
import type { ChangeEvent, DemoServer } from "../../demo/server/createDemoServer";
import { RealtimeCheckboxStore, type Checkbox } from "../../examples/with-realtime/RealtimeCheckboxStore";
import { connectSocket, newQueryClient, nextEvent, onCleanup, startDemoServer, until } from "./helpers";

beforeAll(() => environmentManager.setIsServer(() => false));

/** One browser tab: its own QueryClient, store and socket. */
async function openTab(server: DemoServer, browserId: string) {
  const grid = new RealtimeCheckboxStore({ baseUrl: server.url, browserId, queryClient: newQueryClient() });
  onCleanup(() => grid.destroy());
  const socket = await connectSocket(server);
  grid.connectRealtime(socket);
  await until(() => grid.boxes.length === 32 && grid.storeManager.realtime?.isConnected === true);
  return { grid, socket };
}

describe("examples/with-realtime", () => {
  it("shows a toggle at once in its own tab and through socket.io in another", async () => {
    const server = await startDemoServer();
    const a = await openTab(server, "tab-a");
    const b = await openTab(server, "tab-b");

    const toggled = a.grid.toggle("5");
    expect(a.grid.storeManager.store.get("5")?.checked).toBe(true);
    expect(b.grid.storeManager.store.get("5")?.checked).toBe(false);
    await until(() => b.grid.storeManager.store.get("5")?.checked === true);
    await toggled;
    expect(server.db.listCheckboxes().find((box) => box.id === "5")?.checked).toBe(true);
  });

  it("sends its browserId and receipt, which the server copies into the broadcast", async () => {
    const server = await startDemoServer();
    const a = await openTab(server, "tab-a");
    const listener = await connectSocket(server);
    const broadcast = nextEvent<ChangeEvent<Checkbox>>(listener, "checkbox_update");

    await a.grid.toggle("1");
    const event = await broadcast;
    expect(event).toMatchObject({ type: "checkbox_update", event: "UPDATE", data: { id: "1", checked: true }, browserId: "tab-a" });
    expect(event.mutationId).toEqual(expect.any(String));
    expect(event.originId).toBe("tab-a"); // the manager's originId is its realtime browserId
  });

  it("rolls back a refused toggle in its own tab, and the other tab never sees it", async () => {
    const server = await startDemoServer();
    const a = await openTab(server, "tab-a");
    const b = await openTab(server, "tab-b");
    server.control.failWrites = true;

    const toggled = a.grid.toggle("2");
    expect(a.grid.storeManager.store.get("2")?.checked).toBe(true);
    await expect(toggled).rejects.toThrow(/fail switch/);
    expect(a.grid.storeManager.store.get("2")?.checked).toBe(false);
    expect(b.grid.storeManager.store.get("2")?.checked).toBe(false);
  });

  it("catches up after a reconnect on changes it missed while offline", async () => {
    const server = await startDemoServer();
    const a = await openTab(server, "tab-a");
    const b = await openTab(server, "tab-b");

    b.socket.disconnect();
    await until(() => b.grid.storeManager.realtime?.isConnected === false);
    await a.grid.toggle("7");
    expect(b.grid.storeManager.store.get("7")?.checked).toBe(false);

    b.socket.connect();
    await until(() => b.grid.storeManager.store.get("7")?.checked === true);
  });
});
