import type { QueryClient } from "@tanstack/query-core";
import {
  createOptimisticStoreManager,
  type MutationReceipt,
  type OptimisticStoreManager,
  type RealtimeSocket,
} from "mobx-tanstack-optimistic";

/** A checkbox of the shared grid. */
export interface Checkbox {
  id: string;
  position: number;
  checked: boolean;
  updatedAt: string;
}

export interface RealtimeCheckboxStoreOptions {
  /** Where the API is: "" (the default) is the page's own origin. */
  baseUrl?: string;
  /** Identifies this tab; the server copies it into the events it broadcasts. Default: a new random id. */
  browserId?: string;
  /** The TanStack QueryClient to use; default: the library's global one. */
  queryClient?: QueryClient;
}

/** A new id for this browser tab (one per page load, so two tabs differ). */
export function getBrowserId(): string {
  return globalThis.crypto.randomUUID();
}

/**
 * A grid of checkboxes shared by everyone: a toggle shows at once, is sent to the server, and the
 * server's broadcast updates every other tab. This tab's own broadcasts are recognised by its
 * `browserId` (and by the receipt headers) and not applied twice.
 *
 * @example
 * const grid = new RealtimeCheckboxStore();
 * grid.connectRealtime(io()); // socket.io-client
 * await grid.toggle("3");
 */
export class RealtimeCheckboxStore {
  readonly browserId: string;
  readonly storeManager: OptimisticStoreManager<Checkbox>;

  constructor({ baseUrl = "", browserId = getBrowserId(), queryClient }: RealtimeCheckboxStoreOptions = {}) {
    this.browserId = browserId;
    // Sent with every write: the server copies them into the event it broadcasts.
    const headers = (receipt: MutationReceipt, json: boolean): Record<string, string> => ({
      ...(json && { "Content-Type": "application/json" }),
      "x-browser-id": browserId,
      "x-mutation-id": receipt.mutationId,
      "x-origin-id": receipt.originId,
    });
    const send = async <T>(method: string, path: string, receipt?: MutationReceipt, body?: unknown): Promise<T> => {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        ...(receipt && { headers: headers(receipt, body !== undefined) }),
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      const result: unknown = await response.json().catch(() => undefined);
      if (!response.ok) throw new Error((result as { error?: string } | undefined)?.error ?? `${method} ${path} failed with HTTP ${response.status}`);
      return result as T;
    };

    this.storeManager = createOptimisticStoreManager<Checkbox>(
      {
        name: "checkboxes",
        queryFn: () => send<Checkbox[]>("GET", "/api/checkboxes"),
        mutations: {
          create: (data: Partial<Checkbox>, receipt) => send<Checkbox>("POST", "/api/checkboxes", receipt, data),
          update: ({ id, data }: { id: string; data: Partial<Checkbox> }, receipt) => send<Checkbox>("PUT", `/api/checkboxes/${id}`, receipt, data),
          remove: async (id: string, receipt) => {
            await send("DELETE", `/api/checkboxes/${id}`, receipt);
            return { id };
          },
        },
        transformer: false,
        realtime: {
          eventType: "checkbox_update",
          dataExtractor: (event) => event.data as Checkbox | undefined,
          browserId, // ignore the echoes of this tab's own changes
        },
      },
      queryClient,
    );
  }

  /** The checkboxes in grid order. */
  get boxes(): Checkbox[] {
    return this.storeManager.store.list;
  }

  /** Listens to the server's broadcasts on `socket` (a socket.io-client socket). */
  connectRealtime(socket: RealtimeSocket): void {
    this.storeManager.realtime?.connect(socket);
  }

  /** Flips one checkbox: at once here, in other tabs when the server broadcasts it. */
  toggle(id: string): Promise<Checkbox> {
    const box = this.storeManager.store.get(id);
    if (!box) return Promise.reject(new Error(`No checkbox ${id}.`));
    return this.storeManager.actions.update({ id, data: { checked: !box.checked } });
  }

  /** Stops listening and releases the manager. */
  destroy(): void {
    this.storeManager.destroy();
  }
}
