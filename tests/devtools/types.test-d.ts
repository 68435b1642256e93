/** The devtools take any manager, whatever its entity types and store class. */
import { expectTypeOf } from "vitest";
import { createOptimisticStoreManager, OptimisticStore, type OptimisticEvent, type OptimisticStoreConfig } from "../../src";
import { mountDevtools, recordEvents, replayEvents } from "../../src/devtools";

interface ApiTodo {
  id: string;
  title: string;
  dueAt: string;
}
interface Todo {
  id: string;
  title: string;
  dueAt: Date;
}
class TodoStore extends OptimisticStore<Todo> {
  get titles() {
    return this.list.map((todo) => todo.title);
  }
}
declare const api: Pick<OptimisticStoreConfig<ApiTodo, Todo, TodoStore>, "queryFn" | "mutations">;

const todos = createOptimisticStoreManager<ApiTodo, Todo, TodoStore>({ name: "todos", ...api, storeClass: TodoStore });
const plain = createOptimisticStoreManager<ApiTodo>({ name: "plain", queryFn: api.queryFn, mutations: api.mutations });

expectTypeOf(recordEvents(todos).events).toEqualTypeOf<readonly OptimisticEvent[]>();
expectTypeOf(mountDevtools(document.body, [todos, plain])).toEqualTypeOf<() => void>();
expectTypeOf(replayEvents<Todo>(recordEvents(todos).events).list).toEqualTypeOf<Todo[]>();
// @ts-expect-error not a manager
recordEvents({ store: new OptimisticStore() });
// @ts-expect-error not a list of managers
mountDevtools(document.body, [{}]);
