/**
 * What the framework binding tests share: a real HTTP server, a fresh QueryClient, and a manager
 * factory that records every manager it makes, so a test can count live managers, query observers
 * and fetches.
 */
import type { QueryClient } from "@tanstack/query-core";
import { getObserverTree } from "mobx";
import { createOptimisticStoreManager, type OptimisticStoreConfig, type OptimisticStoreManager } from "../../src";
import { makeTodos, type Todo } from "./mockData";
import { createTestApi } from "./testApi";
import { createTestQueryClient } from "./testHelpers";
import { startTestServer, type TestServer } from "./testServer";

export type TodoManager = OptimisticStoreManager<Todo>;

export interface BindingFixture {
  server: TestServer<Todo>;
  client: QueryClient;
  /** Makes a manager of the server's todos (query key `["todos"]`) and records it. */
  factory: (config?: Partial<OptimisticStoreConfig<Todo>>) => TodoManager;
  /** Every manager `factory` made, oldest first. */
  created: TodoManager[];
  /** Managers made and not destroyed. */
  live: () => TodoManager[];
  /** Observers of the `["todos"]` query in the client's cache. */
  queryObservers: () => number;
  /** `GET /todos` requests the server has seen. */
  fetches: () => number;
  close: () => Promise<void>;
}

/** A server seeded with `a`, `b`, `c`; call `close()` after the test. */
export async function createBindingFixture(): Promise<BindingFixture> {
  const server = await startTestServer<Todo>({ resource: "todos", seed: makeTodos() });
  const client = createTestQueryClient();
  const api = createTestApi<Todo>(server);
  const created: TodoManager[] = [];
  const destroyed = new Set<TodoManager>();
  const factory = (config: Partial<OptimisticStoreConfig<Todo>> = {}) => {
    const manager = createOptimisticStoreManager<Todo>({ name: "todos", queryFn: api.queryFn, mutations: api.mutations, transformer: false, ...config }, client);
    const destroy = manager.destroy;
    manager.destroy = () => {
      destroyed.add(manager);
      destroy();
    };
    created.push(manager);
    return manager;
  };
  return {
    server,
    client,
    factory,
    created,
    live: () => created.filter((manager) => !destroyed.has(manager)),
    queryObservers: () => client.getQueryCache().find({ queryKey: ["todos"] })?.getObserversCount() ?? 0,
    fetches: () => server.requests.filter((request) => request.method === "GET").length,
    close: async () => {
      for (const manager of created) manager.destroy();
      client.clear();
      await server.close();
    },
  };
}

/** How many MobX derivations (reactions, computeds) observe `thing` (or its `property`) now. */
export function observerCount(thing: object, property?: string): number {
  const tree = property === undefined ? getObserverTree(thing) : getObserverTree(thing, property);
  return tree.observers?.length ?? 0;
}
