import type { QueryClient } from "@tanstack/query-core";
import { createStoreManager } from "./core/createStoreManager";
import type { OptimisticStore } from "./core/OptimisticStore";
import type { Entity, OptimisticStoreConfig, OptimisticStoreManager } from "./core/types";
import { attachRealtime } from "./realtime/attachRealtime";

/**
 * Creates a store manager: a MobX store filled by a TanStack query, with optimistic
 * create/update/remove actions and, when `realtime` is configured, socket.io events.
 *
 * Visible state is the server's confirmed state with every change still in flight applied on top:
 * concurrent mutations settle independently, a failed one removes exactly its own change, and
 * refetches and realtime events land underneath pending changes.
 *
 * @example
 * const todos = createOptimisticStoreManager<Todo>({
 *   name: "todos",
 *   queryFn: () => fetch("/api/todos").then((r) => r.json()),
 *   mutations: {
 *     create: (data) => post("/api/todos", data),
 *     update: ({ id, data }) => put(`/api/todos/${id}`, data),
 *     remove: (id) => del(`/api/todos/${id}`),
 *   },
 * });
 * todos.actions.create({ title: "Write docs" }); // todos.store.list shows it at once
 */
export function createOptimisticStoreManager<
  TApiData extends Entity,
  TUiData extends Entity = TApiData,
  TStore extends OptimisticStore<TUiData> = OptimisticStore<TUiData>,
>(
  config: OptimisticStoreConfig<TApiData, TUiData, TStore>,
  queryClient?: QueryClient,
): OptimisticStoreManager<TApiData, TUiData, TStore> {
  return createStoreManager(config, queryClient, attachRealtime);
}
