import type { QueryClient } from "@tanstack/query-core";
import {
  createOptimisticStoreManager,
  type MutationReceipt,
  type OptimisticStoreManager,
  type RealtimeEvent,
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
 * - `"server-wins"`: drop this change and show the server's todo; the action rejects with a {@link ConflictError};
 * - `"client-wins"`: send this change again on top of the server's version;
 * - a function: merge; it returns the change to send on top of the server's todo, or `null` for server-wins.
 */
export type ConflictStrategy = "server-wins" | "client-wins" | ((conflict: { mine: TodoChange; server: VersionedTodo }) => TodoChange | null);

/** The action's error when a conflict ended with the server's version. */
export class ConflictError extends Error {
  constructor(readonly server: VersionedTodo) {
    super(`Todo ${server.id} was changed by someone else (now version ${server.version}); your change was not applied.`);
    this.name = "ConflictError";
  }
}

export interface ConflictAwareTodoStoreOptions {
  /** Where the API is: "" (the default) is the page's own origin. */
  baseUrl?: string;
  strategy?: ConflictStrategy;
  /** The TanStack QueryClient to use; default: the library's global one. */
  queryClient?: QueryClient;
}

const MAX_ATTEMPTS = 3;

/**
 * Todos with optimistic concurrency: every update says which version it was based on
 * (`If-Match`), the server refuses it with 409 if the todo has moved on, and the chosen
 * {@link ConflictStrategy} settles the conflict. Realtime events older than what the store already
 * has are ignored, so a late event never moves a todo back.
 *
 * @example
 * const todos = createConflictAwareTodoStore({ strategy: ({ mine }) => mine });
 * await todos.update("1", { title: "Mine" }); // based on the version shown now
 */
export function createConflictAwareTodoStore({ baseUrl = "", strategy = "server-wins", queryClient }: ConflictAwareTodoStoreOptions = {}) {
  let manager: OptimisticStoreManager<VersionedTodo>;
  /** This client's latest write per todo: its next write waits for it and builds on its version. */
  const lastWrite = new Map<string, Promise<VersionedTodo | undefined>>();

  const request = async (method: string, path: string, receipt?: MutationReceipt, init: { body?: unknown; version?: number } = {}) => {
    const headers: Record<string, string> = {};
    if (init.body !== undefined) headers["Content-Type"] = "application/json";
    if (init.version !== undefined) headers["If-Match"] = String(init.version);
    if (receipt) {
      headers["x-mutation-id"] = receipt.mutationId;
      headers["x-origin-id"] = receipt.originId;
    }
    const response = await fetch(`${baseUrl}${path}`, { method, headers, ...(init.body !== undefined && { body: JSON.stringify(init.body) }) });
    const body = (await response.json().catch(() => undefined)) as { error?: string; current?: VersionedTodo } | undefined;
    return { response, body };
  };

  const failed = (status: number, body: { error?: string } | undefined) => new Error(body?.error ?? `HTTP ${status}`);

  /** PUT with `If-Match`; on 409 applies the strategy and tries again (a few times at most). */
  const sendUpdate = async (id: string, change: TodoChange, baseVersion: number, receipt: MutationReceipt): Promise<VersionedTodo> => {
    let mine = change;
    let version = baseVersion;
    for (let attempt = 1; ; attempt++) {
      const { response, body } = await request("PUT", `/api/todos/${id}`, receipt, { body: mine, version });
      if (response.ok) return body as unknown as VersionedTodo;
      const server = body?.current;
      if (response.status !== 409 || !server) throw failed(response.status, body);
      const next = strategy === "client-wins" ? mine : strategy === "server-wins" ? null : strategy({ mine, server });
      if (next === null || attempt === MAX_ATTEMPTS) {
        // Show the server's todo: written as confirmed state, it appears when this change rolls back.
        manager.store.upsert(server);
        throw new ConflictError(server);
      }
      mine = next;
      version = server.version;
    }
  };

  manager = createOptimisticStoreManager<VersionedTodo>(
    {
      name: "todos",
      transformer: false,
      queryFn: async () => {
        const { response, body } = await request("GET", "/api/todos");
        if (!response.ok) throw failed(response.status, body);
        return body as unknown as VersionedTodo[];
      },
      mutations: {
        create: async (data: TodoChange, receipt) => {
          const { response, body } = await request("POST", "/api/todos", receipt, { body: data });
          if (!response.ok) throw failed(response.status, body);
          return body as unknown as VersionedTodo;
        },
        update: ({ id, data }: { id: string; data: TodoChange & { version: number } }, receipt) => {
          const { version, ...change } = data;
          const previous = lastWrite.get(id);
          const write = (async () => {
            const own = await previous?.catch(() => undefined);
            // This client's own earlier write is no conflict: build on the version it produced.
            const base = own && own.version > version ? own.version : version;
            return sendUpdate(id, change, base, receipt);
          })();
          const settled = write.catch(() => undefined);
          lastWrite.set(id, settled);
          void settled.then(() => {
            if (lastWrite.get(id) === settled) lastWrite.delete(id);
          });
          return write;
        },
        remove: async (id: string, receipt) => {
          const { response, body } = await request("DELETE", `/api/todos/${id}`, receipt);
          if (!response.ok) throw failed(response.status, body);
          return { id };
        },
      },
      realtime: {
        eventType: "todo_update",
        // A late event (older than what the store has) must not move a todo back.
        shouldProcessEvent: (event: RealtimeEvent) => {
          const incoming = event.data as Partial<VersionedTodo> | undefined;
          const current = incoming?.id ? manager.store.get(incoming.id) : undefined;
          return !(event.event === "UPDATE" && current && typeof incoming?.version === "number" && incoming.version < current.version);
        },
      },
    },
    queryClient,
  );

  return {
    manager,
    store: manager.store,
    /** Changes a todo optimistically, based on the version shown now. */
    update: (id: string, change: TodoChange): Promise<VersionedTodo> => {
      const current = manager.store.get(id);
      if (!current) return Promise.reject(new Error(`No todo ${id}.`));
      // `version` in the change is the one shown now, so it does not alter what the store shows.
      return manager.actions.update({ id, data: { ...change, version: current.version } });
    },
    create: (change: TodoChange & { title: string }) => manager.actions.create({ completed: false, version: 0, ...change }),
    remove: (id: string) => manager.actions.remove(id),
    connectRealtime: (socket: RealtimeSocket) => manager.realtime?.connect(socket),
    destroy: () => manager.destroy(),
  };
}

export type ConflictAwareTodoStore = ReturnType<typeof createConflictAwareTodoStore>;
