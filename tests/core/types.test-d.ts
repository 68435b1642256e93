/**
 * Compile-time tests of the public generics. Vitest's typecheck mode is not configured, so this
 * file is never run: `npm run typecheck` (tsc over `tests/`) checks every assertion below.
 */
import type { QueryClient } from "@tanstack/query-core";
import { expectTypeOf } from "vitest";
import {
  createDefaultTransformer,
  createOptimisticStoreManager,
  createTransformer,
  getGlobalQueryClient,
  OptimisticConfigError,
  OptimisticConflictError,
  OptimisticEntityError,
  OptimisticError,
  OptimisticLifecycleError,
  OptimisticStore,
  shallowEqual,
  type ConflictResolver,
  type DataTransformer,
  type Entity,
  type MutationReceipt,
  type OptimisticDefaults,
  type OptimisticConflictConfig,
  type OptimisticErrorInfo,
  type OptimisticQueryContext,
  type OptimisticStoreConfig,
  type OptimisticStoreManager,
  type PersistConfig,
  type PersistStorage,
} from "../../src";

interface ApiTodo {
  id: string;
  title: string;
  created_at: string;
}
interface Todo {
  id: string;
  title: string;
  createdAt: Date;
}

declare const fetchTodos: () => Promise<ApiTodo[]>;
declare const post: (data: unknown) => Promise<ApiTodo>;

const todoTransformer: DataTransformer<ApiTodo, Todo> = {
  toUi: (api) => ({ id: api.id, title: api.title, createdAt: new Date(api.created_at) }),
  toApi: (ui) => ({ id: ui.id, title: ui.title, created_at: ui.createdAt.toISOString() }),
};

// ---- the plan's code compiles unchanged ------------------------------------------------------
const planConfig: OptimisticStoreConfig<ApiTodo, Todo> = {
  name: "todos",
  queryFn: fetchTodos,
  mutations: {
    create: (data: any) => post(data), // eslint-disable-line @typescript-eslint/no-explicit-any -- the plan's code
    update: ({ id, data }) => post({ id, ...data }),
    remove: async (id: string) => ({ id }),
  },
  transformer: todoTransformer,
  optimisticDefaults: { createOptimisticUiData: (input: { title: string }) => ({ id: "", title: input.title, createdAt: new Date() }) },
  optimisticContext: () => ({ userId: "u1" }),
  staleTime: 1000,
  enabled: () => true,
};

// ---- manager generics ------------------------------------------------------------------------
const manager = createOptimisticStoreManager(planConfig);
expectTypeOf(manager).toEqualTypeOf<OptimisticStoreManager<ApiTodo, Todo, OptimisticStore<Todo>>>();
expectTypeOf(manager.store.get("1")).toEqualTypeOf<Todo | undefined>();
expectTypeOf(manager.store.list).toEqualTypeOf<Todo[]>();
expectTypeOf(manager.store.entities).toEqualTypeOf<Map<string, Todo>>();
expectTypeOf(manager.actions.create).returns.toEqualTypeOf<Promise<ApiTodo>>();
expectTypeOf(manager.actions.update).returns.toEqualTypeOf<Promise<ApiTodo>>();
expectTypeOf(manager.actions.update).parameter(0).toEqualTypeOf<{ id: string; data: any }>(); // eslint-disable-line @typescript-eslint/no-explicit-any -- the plan's signature
expectTypeOf(manager.actions.remove).returns.toEqualTypeOf<Promise<void | { id: string }>>();
expectTypeOf(manager.status.error).toEqualTypeOf<Error | null>();
expectTypeOf(manager.status.hasPendingMutations).toEqualTypeOf<boolean>();
expectTypeOf(manager.isEnabled).returns.toEqualTypeOf<boolean>();
expectTypeOf(manager.realtime).toEqualTypeOf<
  | { isConnected: boolean; connect: (socket: import("../../src").RealtimeSocket) => void; disconnect: () => void }
  | undefined
>();

// One type parameter: API and UI shapes are the same.
const sameShape = createOptimisticStoreManager<ApiTodo>({
  name: "same",
  queryFn: fetchTodos,
  mutations: { create: post, update: ({ data }) => post(data), remove: async () => undefined },
});
expectTypeOf(sameShape.store).toEqualTypeOf<OptimisticStore<ApiTodo>>();
expectTypeOf(sameShape.store.get("1")).toEqualTypeOf<ApiTodo | undefined>();

// A store subclass is inferred from storeClass and keeps its own members.
class TodoStore extends OptimisticStore<Todo> {
  get titles(): string[] {
    return this.list.map((todo) => todo.title);
  }
}
const withStoreClass = createOptimisticStoreManager({ ...planConfig, storeClass: TodoStore });
expectTypeOf(withStoreClass.store).toEqualTypeOf<TodoStore>();
expectTypeOf(withStoreClass.store.titles).toEqualTypeOf<string[]>();
const explicitStore = createOptimisticStoreManager<ApiTodo, Todo, TodoStore>({ ...planConfig, storeClass: TodoStore });
expectTypeOf(explicitStore.store).toEqualTypeOf<TodoStore>();

// The second argument is an optional QueryClient.
expectTypeOf(createOptimisticStoreManager).parameter(1).toEqualTypeOf<QueryClient | undefined>();
expectTypeOf(getGlobalQueryClient).returns.toEqualTypeOf<QueryClient>();

// Mutation functions receive a receipt as their second argument.
type CreateFn = OptimisticStoreConfig<ApiTodo, Todo>["mutations"]["create"];
expectTypeOf<CreateFn>().parameter(1).toEqualTypeOf<MutationReceipt>();
expectTypeOf<MutationReceipt>().toEqualTypeOf<{ mutationId: string; originId: string; baseVersion?: number | string | Date }>();

// onError gets the error and where it came from.
expectTypeOf<NonNullable<OptimisticStoreConfig["onError"]>>().parameters.toEqualTypeOf<[Error, OptimisticErrorInfo]>();
expectTypeOf<OptimisticErrorInfo["source"]>().toEqualTypeOf<"query" | "mutation" | "realtime" | "callback" | "store" | "persist">();

// Offline queue and persistence: the status counts, `ready`, and `persist` with any PersistStorage.
expectTypeOf(manager.status.queuedCount).toEqualTypeOf<number>();
expectTypeOf(manager.status.isOnline).toEqualTypeOf<boolean>();
expectTypeOf(manager.ready).toEqualTypeOf<Promise<void>>();
createOptimisticStoreManager({ ...planConfig, persist: { storage: localStorage } });
createOptimisticStoreManager({ ...planConfig, persist: { storage: { getItem: async () => null, setItem: async () => {}, removeItem: () => {} }, key: "todos-v1" } });
expectTypeOf<NonNullable<OptimisticStoreConfig["persist"]>>().toEqualTypeOf<PersistConfig>();
expectTypeOf<PersistConfig["storage"]>().toEqualTypeOf<PersistStorage>();

// ---- misuse does not compile -----------------------------------------------------------------
// @ts-expect-error a storage needs getItem, setItem and removeItem
createOptimisticStoreManager({ ...planConfig, persist: { storage: { getItem: () => null } } });
// @ts-expect-error name is required
createOptimisticStoreManager<ApiTodo>({ queryFn: fetchTodos, mutations: planConfig.mutations });
// @ts-expect-error queryFn must resolve to an array of the API type
createOptimisticStoreManager<ApiTodo>({ name: "x", queryFn: () => Promise.resolve([1, 2]), mutations: sameShape.actions });
// @ts-expect-error entities need a string id
createOptimisticStoreManager<{ title: string }>({ name: "x", queryFn: () => Promise.resolve([]), mutations: sameShape.actions });
// @ts-expect-error storeClass must build a store of the UI type
createOptimisticStoreManager<ApiTodo, Todo, TodoStore>({ ...planConfig, storeClass: OptimisticStore<ApiTodo> });
// @ts-expect-error the store holds UI entities
manager.store.upsert({ id: "1", title: "t", created_at: "2024-01-01" });

// ---- store -----------------------------------------------------------------------------------
const store = new OptimisticStore<Todo>(todoTransformer);
expectTypeOf(store.find((todo) => todo.title === "a")).toEqualTypeOf<Todo | undefined>();
expectTypeOf(store.filter(() => true)).toEqualTypeOf<Todo[]>();
expectTypeOf(store.count).toEqualTypeOf<number>();
expectTypeOf(store.update).parameters.toEqualTypeOf<[string, Partial<Todo>]>();
expectTypeOf(store.viewKey).returns.toEqualTypeOf<string>();
expectTypeOf(store.isPending).returns.toEqualTypeOf<boolean>();
store.reconcile<ApiTodo>([{ id: "1", title: "t", created_at: "2024-01-01" }], todoTransformer);
store.upsertFromRealtime<ApiTodo>({ id: "1", title: "t", created_at: "2024-01-01" });

// ---- transformers and utils ------------------------------------------------------------------
expectTypeOf(createDefaultTransformer<ApiTodo>()).toEqualTypeOf<DataTransformer<ApiTodo, ApiTodo>>();
expectTypeOf(createDefaultTransformer<ApiTodo, Todo>()).toEqualTypeOf<DataTransformer<ApiTodo, Todo>>();
expectTypeOf(createTransformer(false)).toEqualTypeOf<undefined>();
expectTypeOf(createTransformer(todoTransformer)).toEqualTypeOf<DataTransformer<ApiTodo, Todo>>();
expectTypeOf(todoTransformer.toUi).returns.toEqualTypeOf<Todo>();
expectTypeOf(todoTransformer.toApi).returns.toEqualTypeOf<ApiTodo>();
expectTypeOf<OptimisticDefaults<Todo>["createOptimisticUiData"]>().returns.toEqualTypeOf<Todo>();
expectTypeOf(shallowEqual).returns.toEqualTypeOf<boolean>();
expectTypeOf<Entity>().toEqualTypeOf<{ id: string }>();

// ---- errors ----------------------------------------------------------------------------------
expectTypeOf<OptimisticConfigError>().toExtend<OptimisticError>();
expectTypeOf<OptimisticLifecycleError>().toExtend<OptimisticError>();
expectTypeOf<OptimisticEntityError>().toExtend<OptimisticError>();
expectTypeOf<OptimisticError>().toExtend<Error>();
expectTypeOf<OptimisticConflictError>().toExtend<OptimisticError>();
expectTypeOf<OptimisticConflictError<Todo>["server"]>().toEqualTypeOf<Todo>();
expectTypeOf<OptimisticConflictError["attempts"]>().toEqualTypeOf<number>();

// ---- versions, conflicts, scopes -------------------------------------------------------------
type TodoConfig = OptimisticStoreConfig<ApiTodo, Todo>;
expectTypeOf<TodoConfig["version"]>().toEqualTypeOf<string | ((entity: Todo) => number | string | Date) | undefined>();
expectTypeOf<TodoConfig["scope"]>().toEqualTypeOf<(() => string | number | null | undefined) | undefined>();
expectTypeOf<TodoConfig["conflict"]>().toEqualTypeOf<OptimisticConflictConfig<ApiTodo, Todo> | undefined>();
// detect returns the server's entity as the API sends it; the resolver works in the store's shape.
expectTypeOf<OptimisticConflictConfig<ApiTodo, Todo>["detect"]>().returns.toEqualTypeOf<ApiTodo | undefined>();
expectTypeOf<ConflictResolver<Todo>>().parameter(0).toEqualTypeOf<{ local: Partial<Todo>; base: Todo | undefined; server: Todo }>();
expectTypeOf<ConflictResolver<Todo>>().returns.toEqualTypeOf<Partial<Todo> | null>();
// queryFn gets the query's context; a function without parameters still fits.
expectTypeOf<TodoConfig["queryFn"]>().parameter(0).toEqualTypeOf<OptimisticQueryContext>();
expectTypeOf(fetchTodos).toExtend<TodoConfig["queryFn"]>();
expectTypeOf<OptimisticQueryContext["signal"]>().toEqualTypeOf<AbortSignal>();
createOptimisticStoreManager<ApiTodo, Todo>({
  name: "typed",
  queryFn: ({ queryKey, signal }) => (signal.aborted ? Promise.resolve([]) : fetchTodos().then((rows) => rows.filter(() => queryKey.length > 0))),
  mutations: { create: post, update: ({ data }) => post(data), remove: () => Promise.resolve() },
  version: (todo) => todo.createdAt,
  scope: () => null,
  conflict: { detect: (error) => (error as { current?: ApiTodo }).current, resolve: ({ local, server }) => ({ ...local, title: server.title }), maxAttempts: 2 },
});
