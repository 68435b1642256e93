/**
 * Memory measurements for the long-session tests: the heap after a forced garbage collection, the
 * growth over many cycles after a warm-up, and a manager whose server answers at once (not the fake
 * backend, which keeps every request).
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { createOptimisticStoreManager, type OptimisticStoreConfig } from "../../src";
import type { Todo } from "./mockData";
import { createTestQueryClient, nextMacrotask, onCleanup } from "./testHelpers";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** The heap in use once settled work has run and garbage is collected. */
export async function heapUsed(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    await nextMacrotask();
    gc();
  }
  return process.memoryUsage().heapUsed;
}

/** How much the heap grew over `count` cycles, after `warmUp` cycles let code, caches and pools reach their size. */
export async function heapGrowth(cycles: (count: number) => Promise<void>, warmUp: number, count: number): Promise<number> {
  await cycles(warmUp);
  const before = await heapUsed();
  await cycles(count);
  return (await heapUsed()) - before;
}

/** A manager of todos whose server answers every change at once, creates with ids `s1`, `s2`, … */
export function instantTodos(config: Partial<OptimisticStoreConfig<Todo>> = {}) {
  let next = 0;
  const manager = createOptimisticStoreManager<Todo>(
    {
      name: "todos",
      queryFn: () => Promise.resolve([]),
      mutations: {
        create: (data: Partial<Todo>) => Promise.resolve({ title: "", ...data, id: `s${++next}` } as Todo),
        update: ({ id, data }: { id: string; data: Partial<Todo> }) => Promise.resolve({ id, title: "", ...data } as Todo),
        remove: (id: string) => Promise.resolve({ id }),
      },
      transformer: false,
      ...config,
    },
    createTestQueryClient(),
  );
  onCleanup(() => manager.destroy());
  return { manager, created: () => next };
}
