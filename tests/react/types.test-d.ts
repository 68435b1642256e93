/** Compile-time tests of `./react` (checked by `npm run typecheck`, never run). */
import { expectTypeOf } from "vitest";
import { createOptimisticStoreManager, OptimisticStore, type OptimisticStoreManager } from "../../src";
import { useOptimisticStore } from "../../src/react";

interface ApiTodo {
  id: string;
  title: string;
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
declare const config: Parameters<typeof createOptimisticStoreManager<ApiTodo, Todo, TodoStore>>[0];
declare const plainConfig: Parameters<typeof createOptimisticStoreManager<ApiTodo>>[0];

// The manager's exact type comes back, custom store class included.
const todos = useOptimisticStore(() => createOptimisticStoreManager<ApiTodo, Todo, TodoStore>(config), ["user-1"]);
expectTypeOf(todos).toEqualTypeOf<OptimisticStoreManager<ApiTodo, Todo, TodoStore>>();
expectTypeOf(todos.store.titles).toEqualTypeOf<string[]>();

// deps are optional and read-only.
const deps = ["a", 1] as const;
expectTypeOf(useOptimisticStore(() => createOptimisticStoreManager<ApiTodo>(plainConfig), deps)).toEqualTypeOf<OptimisticStoreManager<ApiTodo>>();

// Anything that is not a manager (no destroy) is refused.
// @ts-expect-error -- a factory must return something with destroy()
useOptimisticStore(() => ({ store: new TodoStore() }));
