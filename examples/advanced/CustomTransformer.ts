import type { QueryClient } from "@tanstack/query-core";
import { createOptimisticStoreManager, type DataTransformer } from "mobx-tanstack-optimistic";

/** A todo as the API sends it: `completed`, ISO date strings. */
export interface ApiTodo {
  id: string;
  title: string;
  completed: boolean;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** The same todo as the UI wants it: `done`, real `Date`s. */
export interface TodoItem {
  id: string;
  title: string;
  done: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** What the UI submits for a new todo. */
export interface NewTodoItem {
  title: string;
  done?: boolean;
}

/**
 * API ↔ UI conversion, applied by the manager to query results, mutation answers and realtime data.
 * `optimisticDefaults` builds the row shown before the server answers. The manager also runs it for
 * an update, on the current entity merged with the change, so it keeps what its input already has
 * (the id, `createdAt`) and fills in only what is missing.
 */
export const todoTransformer: DataTransformer<ApiTodo, TodoItem> = {
  toUi: (api) => ({
    id: api.id,
    title: api.title,
    done: api.completed,
    version: api.version,
    createdAt: new Date(api.createdAt),
    updatedAt: new Date(api.updatedAt),
  }),
  toApi: (ui) => ({
    id: ui.id,
    title: ui.title,
    completed: ui.done,
    version: ui.version,
    createdAt: ui.createdAt.toISOString(),
    updatedAt: ui.updatedAt.toISOString(),
  }),
  optimisticDefaults: {
    createOptimisticUiData: (input: NewTodoItem & Partial<TodoItem>) => {
      const now = new Date();
      return {
        id: input.id ?? "", // empty: the store gives a new todo a unique temporary id
        title: input.title.trim(),
        done: input.done ?? false,
        version: input.version ?? 0,
        createdAt: input.createdAt ?? now,
        updatedAt: now,
      };
    },
  },
};

/** A UI-side change (`{ done }`) in the API's terms (`{ completed }`); the server sets the rest. */
export function toApiPatch(change: Partial<TodoItem>): Partial<Pick<ApiTodo, "title" | "completed">> {
  return {
    ...(change.title !== undefined && { title: change.title }),
    ...(change.done !== undefined && { completed: change.done }),
  };
}

export interface TransformedTodoStoreOptions {
  /** Where the API is: "" (the default) is the page's own origin. */
  baseUrl?: string;
  /** The TanStack QueryClient to use; default: the library's global one. */
  queryClient?: QueryClient;
}

async function requestJson<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) throw new Error((body as { error?: string } | undefined)?.error ?? `HTTP ${response.status}`);
  return body as T;
}

/**
 * Todos whose store entities are {@link TodoItem}s: the mutation functions receive the UI's
 * values and send the API's.
 *
 * @example
 * const todos = createTransformedTodoStore();
 * await todos.actions.update({ id, data: { done: true } }); // PUT { completed: true }
 * todos.store.get(id)?.createdAt.getFullYear();
 */
export function createTransformedTodoStore({ baseUrl = "", queryClient }: TransformedTodoStoreOptions = {}) {
  const jsonHeaders = { "Content-Type": "application/json" };
  return createOptimisticStoreManager<ApiTodo, TodoItem>(
    {
      name: "todos",
      transformer: todoTransformer,
      queryFn: () => requestJson<ApiTodo[]>(`${baseUrl}/api/todos`),
      mutations: {
        create: (input: NewTodoItem) =>
          requestJson<ApiTodo>(`${baseUrl}/api/todos`, {
            method: "POST",
            headers: jsonHeaders,
            body: JSON.stringify(toApiPatch({ title: input.title, done: input.done ?? false })),
          }),
        update: ({ id, data }: { id: string; data: Partial<TodoItem> }) =>
          requestJson<ApiTodo>(`${baseUrl}/api/todos/${id}`, { method: "PUT", headers: jsonHeaders, body: JSON.stringify(toApiPatch(data)) }),
        remove: async (id: string) => {
          await requestJson(`${baseUrl}/api/todos/${id}`, { method: "DELETE" });
          return { id };
        },
      },
    },
    queryClient,
  );
}
