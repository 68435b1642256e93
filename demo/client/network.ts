import { onlineManager } from "@tanstack/query-core";
import { action, makeObservable, observable } from "mobx";

/** Where the switch is kept: per tab, so it survives a reload of this tab and no other tab goes offline. */
const STORAGE_KEY = "mobx-tanstack-optimistic-demo:offline";

/** A socket the switch closes while offline and opens again when back online (a socket.io-client socket). */
export interface SwitchableSocket {
  connect(): unknown;
  disconnect(): unknown;
}

/**
 * The page's "Offline" switch: it simulates this tab losing the network.
 *
 * It does not cut the network. It tells TanStack Query's `onlineManager` that the tab is offline
 * (what the browser's `offline` event does), so the stores queue their changes, and it closes the
 * sockets it follows, so no realtime event arrives either. Back online, the sockets connect again
 * (each store's realtime then refetches what it missed) and `onlineManager` resumes the queued
 * changes. The switch is kept in `sessionStorage`: a reload of an offline tab starts offline.
 */
export class SimulatedNetwork {
  /** The switch: true while this tab plays offline (observable). */
  offline: boolean;
  /** What the browser's `online` / `offline` events said last; like query-core, assume online until told. */
  #browserOnline = true;
  readonly #sockets = new Set<SwitchableSocket>();
  readonly #storage: Storage | undefined;

  constructor(storage: Storage | undefined) {
    this.#storage = storage;
    this.offline = readSwitch(storage);
    makeObservable(this, { offline: observable, setOffline: action });
    // Replaces query-core's default listener, so a real `online` event cannot end the simulation:
    // TanStack Query is online when the browser is and the switch is off.
    onlineManager.setEventListener((setOnline) => {
      const follow = (online: boolean) => () => {
        this.#browserOnline = online;
        setOnline(this.#isOnline());
      };
      const [onOnline, onOffline] = [follow(true), follow(false)];
      window.addEventListener("online", onOnline);
      window.addEventListener("offline", onOffline);
      setOnline(this.#isOnline());
      return () => {
        window.removeEventListener("online", onOnline);
        window.removeEventListener("offline", onOffline);
      };
    });
  }

  /** Turns the simulation on or off, remembers it for this tab, and closes or opens the sockets. */
  setOffline(offline: boolean): void {
    if (offline === this.offline) return;
    this.offline = offline;
    writeSwitch(this.#storage, offline);
    if (offline) {
      onlineManager.setOnline(false);
      for (const socket of this.#sockets) socket.disconnect();
    } else {
      // Sockets first: the echoes of the queued changes, about to be sent, then arrive live.
      for (const socket of this.#sockets) socket.connect();
      onlineManager.setOnline(this.#isOnline());
    }
  }

  /**
   * Keeps `socket` closed while offline: connects it now unless offline (create it with
   * `autoConnect: false`), and on every switch. Returns the function that stops following it.
   */
  follow(socket: SwitchableSocket): () => void {
    this.#sockets.add(socket);
    if (!this.offline) socket.connect();
    return () => void this.#sockets.delete(socket);
  }

  #isOnline(): boolean {
    return this.#browserOnline && !this.offline;
  }
}

/** The stored switch; a storage that cannot be read (disabled by the browser) means online. */
function readSwitch(storage: Storage | undefined): boolean {
  try {
    return storage?.getItem(STORAGE_KEY) === "1";
  } catch {
    return false;
  }
}

function writeSwitch(storage: Storage | undefined, offline: boolean): void {
  try {
    if (offline) storage?.setItem(STORAGE_KEY, "1");
    else storage?.removeItem(STORAGE_KEY);
  } catch {
    // Not kept across a reload then; the switch still works in this page.
  }
}
