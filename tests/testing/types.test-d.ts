/** Compile-time tests of `./testing` (checked by `npm run typecheck`, never run). */
import type { QueryClient } from "@tanstack/query-core";
import { expectTypeOf } from "vitest";
import { createOptimisticStoreManager, OptimisticStore, type DataTransformer, type MutationReceipt, type RealtimeEvent, type RealtimeSocket } from "../../src";
import { createFakeBackend, expectConsistent, type FakeBackend, type FakeRequest, type FakeSocket } from "../../src/testing";

interface ApiTodo {
  id: string;
  title: string;
  createdAt: string;
}
interface Todo {
  id: string;
  title: string;
  createdAt: Date;
}
class TodoStore extends OptimisticStore<Todo> {
  get titles(): string[] {
    return this.list.map((todo) => todo.title);
  }
}
declare const transformer: DataTransformer<ApiTodo, Todo>;
declare const client: QueryClient;

// The backend plugs straight into a manager's config, with or without its other members.
const backend = createFakeBackend<ApiTodo>({ initial: [{ id: "1", title: "A", createdAt: "2024-01-01T00:00:00.000Z" }], manual: true, idPrefix: "id-" });
expectTypeOf(backend).toEqualTypeOf<FakeBackend<ApiTodo>>();
expectTypeOf(backend.queryFn).returns.resolves.toEqualTypeOf<ApiTodo[]>();
expectTypeOf(backend.items()).toEqualTypeOf<ApiTodo[]>();
expectTypeOf(backend.requests).toEqualTypeOf<readonly FakeRequest[]>();
expectTypeOf(backend.nextRequest).parameter(0).toEqualTypeOf<"query" | "create" | "update" | "remove" | undefined>();
expectTypeOf<FakeRequest["receipt"]>().toEqualTypeOf<MutationReceipt | undefined>();
const config = { name: "todos", ...backend, transformer, storeClass: TodoStore };
const todos = createOptimisticStoreManager<ApiTodo, Todo, TodoStore>(config, client);
createOptimisticStoreManager<ApiTodo, Todo, TodoStore>({ name: "todos", queryFn: backend.queryFn, mutations: backend.mutations, transformer, storeClass: TodoStore });

// Its socket is what a manager's realtime connects to; another client's changes are typed by the backend's items.
expectTypeOf(backend.socket).toEqualTypeOf<FakeSocket>();
expectTypeOf(backend.socket).toMatchTypeOf<RealtimeSocket>();
expectTypeOf(backend.socket.held).toEqualTypeOf<readonly RealtimeEvent[]>();
expectTypeOf(backend.serverInsert({ title: "B", createdAt: "2024-01-02T00:00:00.000Z" })).toEqualTypeOf<ApiTodo>();
createFakeBackend<ApiTodo>({ eventType: "todo_update", manualEvents: true, copyReceipts: false });
// @ts-expect-error another client's update is typed by the backend's items
backend.serverUpdate("1", { title: 1 });

// @ts-expect-error initial items must be of the backend's type
createFakeBackend<ApiTodo>({ initial: [{ id: "1" }] });

// expectConsistent takes any manager, its config as options, and checks the transformer's types.
expectTypeOf(expectConsistent(todos, { ...config, queryClient: client })).toEqualTypeOf<void>();
expectConsistent(todos);
expectConsistent(todos, { name: "todos", transformer: false });
declare const otherTransformer: DataTransformer<ApiTodo, { id: string; other: number }>;
// @ts-expect-error a transformer to another UI type is refused
expectConsistent(todos, { name: "todos", transformer: otherTransformer });
