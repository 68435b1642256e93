import { makeAutoObservable, runInAction } from "mobx";
import type { Socket } from "socket.io-client";
import { messageOf } from "./failures";

interface ControlState {
  failWrites: boolean;
  delayMs: number;
}

/**
 * The server's fault switches (GET/PUT /api/control), kept in step across tabs by "control_update",
 * and read again whenever the socket reconnects (it missed the updates sent while it was closed).
 */
export class ServerControl {
  failWrites = false;
  delayMs = 0;
  /** How many times a switch was flipped here: a read sent before a flip is older than it. */
  #flips = 0;
  #connectedBefore = false;
  readonly #onError: (message: string) => void;

  constructor(socket: Socket, onError: (message: string) => void) {
    makeAutoObservable(this);
    this.#onError = onError;
    socket.on("control_update", (state: ControlState) => this.apply(state));
    socket.on("connect", () => {
      if (this.#connectedBefore) this.#load();
      this.#connectedBefore = true;
    });
    this.#load();
  }

  #load(): void {
    const flips = this.#flips;
    void this.#send("GET")
      .then((state) => {
        // A switch flipped before this answer arrived is newer than it.
        if (this.#flips === flips) runInAction(() => this.apply(state));
      })
      .catch((error: unknown) => this.#onError(messageOf(error)));
  }

  apply(state: ControlState): void {
    this.failWrites = state.failWrites;
    this.delayMs = state.delayMs;
  }

  async set(change: Partial<ControlState>): Promise<void> {
    // Optimistic too: the switch flips at once, the server's answer confirms it.
    this.#flips++;
    const before = { failWrites: this.failWrites, delayMs: this.delayMs };
    runInAction(() => this.apply({ ...before, ...change }));
    try {
      const state = await this.#send("PUT", change);
      runInAction(() => this.apply(state));
    } catch (error) {
      runInAction(() => this.apply(before));
      this.#onError(messageOf(error));
    }
  }

  async reset(): Promise<void> {
    try {
      await this.#send("POST", undefined, "/api/reset");
    } catch (error) {
      this.#onError(messageOf(error));
    }
  }

  async #send(method: string, body?: unknown, path = "/api/control"): Promise<ControlState> {
    const response = await fetch(path, {
      method,
      ...(body !== undefined && { headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) }),
    });
    const result = (await response.json().catch(() => ({}))) as ControlState & { error?: string };
    if (!response.ok) throw new Error(result.error ?? `${method} ${path} failed with HTTP ${response.status}`);
    return result;
  }
}
