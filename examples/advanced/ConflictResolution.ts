import type { QueryClient } from "@tanstack/query-core";
import {
  createOptimisticStoreManager,
  type MutationReceipt,
  type OptimisticConflictConfig,
  type RealtimeSocket,
} from "mobx-tanstack-optimistic";

/** A todo with the version number the server bumps on every write. */
export interface VersionedTodo {
  id: string;
  title: string;
  completed: boolean;
  version: number;
}

export type TodoChange = Partial<Pick<VersionedTodo, "title" | "completed">>;

/**
 * What to do when the server says the todo changed since this client last saw it (HTTP 409):
 * `"server-wins"` (drop the change, show the server's todo, reject with an
 * `OptimisticConflictError`), `"client-wins"` (send the change again on top of the server's
 * version), or a function `({ local, base, server }) => change | null` that merges.
 */
export type ConflictStrategy = NonNullable<OptimisticConflictConfig<VersionedTodo, VersionedTodo>["resolve"]>;

/** A refused request: its status, and for a 409 the todo as the server has it now. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly current?: VersionedTodo,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

export interface ConflictAwareTodoStoreOptions {
  /** Where the API is: "" (the default) is the page's own origin. */
  baseUrl?: string;
  strategy?: ConflictStrategy;
  /** How many times one change is sent at most (default 3). */
  maxAttempts?: number;
  /** The TanStack QueryClient to use; default: the library's global one. */
  queryClient?: QueryClient;
}

/**
 * Todos with optimistic concurrency, all of it configuration: `version` makes every update's receipt
 * carry the version it was made on (sent as `If-Match`) and keeps late data from moving a todo back;
 * `conflict` tells a 409 from other errors and settles it with the chosen strategy.
 *
 * @example
 * const todos = createConflictAwareTodoStore({ strategy: "client-wins" });
 * await todos.update("1", { title: "Mine" }); // If-Match: the version shown now
 */
export function createConflictAwareTodoStore({ baseUrl = "", strategy = "server-wins", maxAttempts, queryClient }: ConflictAwareTodoStoreOptions = {}) {
  const request = async <T>(method: string, path: string, init: { body?: unknown; receipt?: MutationReceipt; signal?: AbortSignal } = {}): Promise<T> => {
    const headers: Record<string, string> = {};
    if (init.body !== undefined) headers["Content-Type"] = "application/json";
    const { receipt } = init;
    if (receipt) {
      headers["x-mutation-id"] = receipt.mutationId;
      headers["x-origin-id"] = receipt.originId;
      if (receipt.baseVersion !== undefined) headers["If-Match"] = String(receipt.baseVersion);
    }
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      signal: init.signal,
      ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
    });
    const body = (await response.json().catch(() => undefined)) as { error?: string; current?: VersionedTodo } | undefined;
    if (!response.ok) throw new HttpError(response.status, body?.error ?? `HTTP ${response.status}`, body?.current);
    return body as T;
  };

  const manager = createOptimisticStoreManager<VersionedTodo>(
    {
      name: "todos",
      transformer: false,
      version: "version",
      conflict: {
        detect: (error) => (error instanceof HttpError && error.status === 409 ? error.current : undefined),
        resolve: strategy,
        ...(maxAttempts !== undefined && { maxAttempts }),
      },
      queryFn: ({ signal }) => request<VersionedTodo[]>("GET", "/api/todos", { signal }),
      mutations: {
        create: (data: TodoChange, receipt) => request<VersionedTodo>("POST", "/api/todos", { body: data, receipt }),
        update: ({ id, data }: { id: string; data: TodoChange }, receipt) => request<VersionedTodo>("PUT", `/api/todos/${id}`, { body: data, receipt }),
        remove: async (id: string, receipt) => {
          await request("DELETE", `/api/todos/${id}`, { receipt });
          return { id };
        },
      },
      // Late broadcasts never move a todo back: `version` ignores what is older than the store's.
      realtime: { eventType: "todo_update" },
    },
    queryClient,
  );

  return {
    manager,
    store: manager.store,
    /** Changes a todo optimistically; its receipt carries the version shown now. */
    update: (id: string, change: TodoChange): Promise<VersionedTodo> => manager.actions.update({ id, data: change }),
    create: (change: TodoChange & { title: string }) => manager.actions.create({ completed: false, version: 0, ...change }),
    remove: (id: string) => manager.actions.remove(id),
    connectRealtime: (socket: RealtimeSocket) => manager.realtime?.connect(socket),
    destroy: () => manager.destroy(),
  };
}

export type ConflictAwareTodoStore = ReturnType<typeof createConflictAwareTodoStore>;
