import { makeAutoObservable, runInAction } from "mobx";
import type { Socket } from "socket.io-client";

/** The server's fault switches (GET/PUT /api/control), kept in step across tabs by "control_update". */
export class ServerControl {
  failWrites = false;
  delayMs = 0;
  #changed = false;

  constructor(socket: Socket) {
    makeAutoObservable(this);
    socket.on("control_update", (state: { failWrites: boolean; delayMs: number }) => this.apply(state));
    void fetch("/api/control")
      .then((response) => response.json())
      .then((state: { failWrites: boolean; delayMs: number }) => {
        // A switch flipped before this first answer arrived is newer than it.
        if (!this.#changed) this.apply(state);
      });
  }

  apply(state: { failWrites: boolean; delayMs: number }): void {
    this.failWrites = state.failWrites;
    this.delayMs = state.delayMs;
  }

  async set(change: Partial<{ failWrites: boolean; delayMs: number }>): Promise<void> {
    // Optimistic too: the switch flips at once, the server's answer confirms it.
    this.#changed = true;
    runInAction(() => this.apply({ failWrites: this.failWrites, delayMs: this.delayMs, ...change }));
    const response = await fetch("/api/control", {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(change),
    });
    const state = (await response.json()) as { failWrites: boolean; delayMs: number };
    runInAction(() => this.apply(state));
  }

  async reset(): Promise<void> {
    await fetch("/api/reset", { method: "POST" });
  }
}
