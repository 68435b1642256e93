/** Compile-time tests of `./vue` (checked by `npm run typecheck`, never run). */
import { expectTypeOf } from "vitest";
import { ref, type ShallowRef } from "vue";
import { createOptimisticStoreManager, type OptimisticStoreManager } from "../../src";
import { useObserved, useOptimisticStore } from "../../src/vue";

interface Todo {
  id: string;
  title: string;
}
declare const config: Parameters<typeof createOptimisticStoreManager<Todo>>[0];

// Without deps the manager itself; with deps (watch sources) a read-only shallow ref to it.
expectTypeOf(useOptimisticStore(() => createOptimisticStoreManager<Todo>(config))).toEqualTypeOf<OptimisticStoreManager<Todo>>();
const userId = ref("u1");
const byUser = useOptimisticStore(() => createOptimisticStoreManager<Todo>(config), userId);
expectTypeOf(byUser).toEqualTypeOf<Readonly<ShallowRef<OptimisticStoreManager<Todo>>>>();
expectTypeOf(useOptimisticStore(() => createOptimisticStoreManager<Todo>(config), [userId, () => 1])).toEqualTypeOf<
  Readonly<ShallowRef<OptimisticStoreManager<Todo>>>
>();

// useObserved gives a read-only shallow ref of what the expression returns.
const title = useObserved(() => byUser.value.store.get("1")?.title);
expectTypeOf(title.value).toEqualTypeOf<string | undefined>();
// @ts-expect-error -- read-only
title.value = "changed";
