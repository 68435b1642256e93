import type { QueryClient } from "@tanstack/query-core";
import { createOptimisticStoreManager, type MutationReceipt, type OptimisticConflictConfig, type OptimisticStoreConfig } from "mobx-tanstack-optimistic";

/** A todo as the API sends it (the demo server also sends `createdAt` and `updatedAt`). */
export interface Todo {
  id: string;
  title: string;
  completed: boolean;
  /** Bumped by the server on every write; what `If-Match` names (see the `conflict` option). */
  version?: number;
}

/** What a new todo needs. */
export interface NewTodo {
  title: string;
  completed?: boolean;
}

/** The server calls the store makes: `queryFn` and the three mutations. */
export type TodoApi = Pick<OptimisticStoreConfig<Todo>, "queryFn" | "mutations">;

export interface TodoStoreOptions {
  /** Where the API is: "" (the default) is the page's own origin; tests pass the server's URL. */
  baseUrl?: string;
  /** The TanStack QueryClient to use; default: the library's global one. */
  queryClient?: QueryClient;
  /**
   * Listen for the server's "todo_update" events: then `todos.realtime.connect(socket)` brings
   * other tabs' changes in. Default false.
   */
  realtime?: boolean;
  /**
   * Server calls to use instead of the REST API at `baseUrl`: tests pass a fake backend
   * (`createFakeBackend()` from `mobx-tanstack-optimistic/testing`) to answer in any order.
   */
  api?: TodoApi;
  /**
   * Keep a change the server refuses on screen, marked failed in `store.writeStatus(id)`, until
   * its `retry()` or `discard()` (the demo page does). Default false: it rolls back at once.
   */
  keepFailed?: boolean;
  /**
   * Keep the todos and the changes not yet answered in a storage, so a reload shows them at once
   * and sends the queued ones (the demo page passes `{ storage: createIndexedDBStorage() }`).
   * Default: nothing is kept.
   */
  persist?: OptimisticStoreConfig<Todo>["persist"];
  /**
   * Refuse edits made on an outdated todo: the store follows each todo's `version`, every update
   * sends the version it was made on as `If-Match`, and the server's 409 is settled by `resolve`
   * (`"server-wins"`, the default, `"client-wins"` or a merge function). Default: no versions, the
   * last write wins.
   */
  conflict?: Omit<OptimisticConflictConfig<Todo, Todo>, "detect">;
}

/** A refused request: its HTTP status, and for a 409 the todo as the server has it now. */
export class TodoRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly current?: Todo,
  ) {
    super(message);
    this.name = "TodoRequestError";
  }
}

/** The server's todo when `error` is its 409 (the todo changed since the update's version), else undefined. */
const conflictOf = (error: unknown): Todo | undefined => (error instanceof TodoRequestError && error.status === 409 ? error.current : undefined);

/** `fetch` that throws on an HTTP error, so a refused change rolls back (and the promise rejects). */
async function requestJson<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const { error: message, current } = (body ?? {}) as { error?: string; current?: Todo };
    throw new TodoRequestError(message ?? `${init?.method ?? "GET"} ${url} failed with HTTP ${response.status}`, response.status, current);
  }
  return body as T;
}

/** The REST API at `baseUrl`: GET/POST /api/todos, PUT/DELETE /api/todos/:id. */
function restApi(baseUrl: string): TodoApi {
  // The receipt goes along as headers: the server copies it into its broadcast (so this store
  // recognises its own echo) and applies a write sent twice with one mutation id only once. With
  // `version`, an update's receipt names the version it was made on: the server checks If-Match.
  const headers = (receipt: MutationReceipt, json = true): Record<string, string> => ({
    ...(json && { "Content-Type": "application/json" }),
    "x-mutation-id": receipt.mutationId,
    "x-origin-id": receipt.originId,
    ...(receipt.baseVersion !== undefined && { "If-Match": String(receipt.baseVersion) }),
  });
  return {
    queryFn: () => requestJson<Todo[]>(`${baseUrl}/api/todos`),
    mutations: {
      create: (data: NewTodo, receipt) =>
        requestJson<Todo>(`${baseUrl}/api/todos`, { method: "POST", headers: headers(receipt), body: JSON.stringify(data) }),
      update: ({ id, data }: { id: string; data: Partial<NewTodo> }, receipt) =>
        requestJson<Todo>(`${baseUrl}/api/todos/${id}`, { method: "PUT", headers: headers(receipt), body: JSON.stringify(data) }),
      remove: async (id: string, receipt) => {
        await requestJson(`${baseUrl}/api/todos/${id}`, { method: "DELETE", headers: headers(receipt, false) });
        return { id };
      },
    },
  };
}

/**
 * The todo list: `store.list` shows every change at once; the server call runs behind it, and a
 * change the server refuses is rolled back on its own.
 *
 * @example
 * const todos = createTodoStore();
 * await todos.actions.create({ title: "Buy milk" }); // visible before the server answers
 */
export function createTodoStore({ baseUrl = "", queryClient, realtime = false, api = restApi(baseUrl), keepFailed = false, persist, conflict }: TodoStoreOptions = {}) {
  return createOptimisticStoreManager<Todo>(
    {
      name: "todos",
      ...api,
      ...(realtime && { realtime: { eventType: "todo_update" } }),
      keepFailed,
      ...(persist && { persist }),
      ...(conflict && { version: "version", conflict: { detect: conflictOf, ...conflict } }),
      // The row shown while the server works; the empty id is replaced by a unique temporary one.
      optimisticDefaults: {
        createOptimisticUiData: (input: NewTodo & Partial<Todo>) => ({
          id: input.id ?? "",
          title: input.title,
          completed: input.completed ?? false,
        }),
      },
      transformer: false, // the API's JSON is used as it is
    },
    queryClient,
  );
}

export type TodoStore = ReturnType<typeof createTodoStore>;
