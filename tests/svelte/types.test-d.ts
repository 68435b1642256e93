/** Compile-time tests of `./svelte` (checked by `npm run typecheck`, never run). */
import { derived, type Readable } from "svelte/store";
import { expectTypeOf } from "vitest";
import { createOptimisticStoreManager, type OptimisticStoreManager } from "../../src";
import { toReadable, useOptimisticStore } from "../../src/svelte";

interface Todo {
  id: string;
  title: string;
}
declare const config: Parameters<typeof createOptimisticStoreManager<Todo>>[0];

const todos = useOptimisticStore(() => createOptimisticStoreManager<Todo>(config));
expectTypeOf(todos).toEqualTypeOf<OptimisticStoreManager<Todo>>();

// A Svelte store, usable wherever one is (derived, $store).
const count = toReadable(() => todos.store.count);
expectTypeOf(count).toEqualTypeOf<Readable<number>>();
expectTypeOf(derived(count, (n) => n * 2)).toEqualTypeOf<Readable<number>>();
