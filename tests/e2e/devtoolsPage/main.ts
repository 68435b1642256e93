/**
 * A small vanilla page for the devtools e2e test: the demo server's todos in a manager with
 * realtime and `keepFailed`, a plain list of them, and the devtools panel mounted beside it. What
 * the test drives or checks goes through `window.app`.
 */
import { autorun } from "mobx";
import { io } from "socket.io-client";
import { createOptimisticStoreManager, type MutationReceipt, type OptimisticStoreManager } from "../../../src";
import { managerInternals } from "../../../src/core/eventLog";
import { mountDevtools } from "../../../src/devtools";

interface Todo {
  id: string;
  title: string;
  completed: boolean;
}

async function requestJson<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) throw new Error((body as { error?: string } | undefined)?.error ?? `HTTP ${response.status}`);
  return body as T;
}

const headers = (receipt: MutationReceipt, json = true): Record<string, string> => ({
  ...(json && { "Content-Type": "application/json" }),
  "x-mutation-id": receipt.mutationId,
  "x-origin-id": receipt.originId,
});

const socket = io({ transports: ["websocket"] });
const todos = createOptimisticStoreManager<Todo>({
  name: "todos",
  queryFn: () => requestJson<Todo[]>("/api/todos"),
  mutations: {
    create: (data: Partial<Todo>, receipt) => requestJson<Todo>("/api/todos", { method: "POST", headers: headers(receipt), body: JSON.stringify(data) }),
    update: ({ id, data }: { id: string; data: Partial<Todo> }, receipt) =>
      requestJson<Todo>(`/api/todos/${id}`, { method: "PUT", headers: headers(receipt), body: JSON.stringify(data) }),
    remove: async (id: string, receipt) => {
      await requestJson(`/api/todos/${id}`, { method: "DELETE", headers: headers(receipt, false) });
      return { id };
    },
  },
  realtime: { eventType: "todo_update" },
  keepFailed: true,
  transformer: false,
  optimisticDefaults: { createOptimisticUiData: (input: Partial<Todo>) => ({ id: "", title: input.title ?? "", completed: input.completed ?? false }) },
});
todos.realtime?.connect(socket);

// The app itself: a plain list, redrawn by MobX.
const list = document.getElementById("todos")!;
autorun(() => {
  list.replaceChildren(
    ...todos.store.list.map((todo) => {
      const item = document.createElement("li");
      item.textContent = `${todo.completed ? "☑" : "☐"} ${todo.title}${todo.id.startsWith("temp-") ? " (saving…)" : ""}`;
      return item;
    }),
  );
});

const target = document.getElementById("devtools-root")!;
let unmount = mountDevtools(target, [todos]);

/** A manager of `count` local entities (no server), with its own panel: how long mounting and a burst of changes take. */
async function mountBig(count: number) {
  const items = Array.from({ length: count }, (_, i) => ({ id: `big-${i}`, title: `Entity ${i} with a title long enough to be cut in the preview`, completed: i % 2 === 0 }));
  const big: OptimisticStoreManager<Todo> = createOptimisticStoreManager<Todo>({
    name: "big",
    queryFn: async () => items,
    mutations: {
      create: async (data: Todo) => data,
      update: async ({ id, data }: { id: string; data: Partial<Todo> }) => ({ ...items.find((item) => item.id === id)!, ...data }),
      remove: async () => undefined,
    },
    transformer: false,
  });
  while (big.store.list.length < count) await new Promise((resolve) => setTimeout(resolve, 10));
  const bigTarget = document.getElementById("big-root")!;
  let started = performance.now();
  const unmountBig = mountDevtools(bigTarget, [big]);
  const mountMs = performance.now() - started;
  await new Promise((resolve) => requestAnimationFrame(resolve));
  started = performance.now();
  // 1,000 confirmed writes in separate actions, then the frame that draws them.
  for (let i = 0; i < 1000; i++) big.store.upsert({ ...items[(i * 7) % count]!, title: `Changed ${i}` });
  const burstMs = performance.now() - started;
  started = performance.now();
  await new Promise((resolve) => requestAnimationFrame(resolve));
  const frameMs = performance.now() - started;
  return { mountMs, burstMs, frameMs, unmount: () => (unmountBig(), big.destroy()) };
}

let bigHandle: Awaited<ReturnType<typeof mountBig>> | undefined;

Object.assign(window, {
  app: {
    todos,
    unmount: () => unmount(),
    remount: () => {
      unmount = mountDevtools(target, [todos]);
    },
    /** What the panel leaves on the page and in the manager. */
    traces: () => ({
      targetChildren: target.childElementCount,
      eventLogListening: managerInternals.get(todos)!.ctx.layers.emit !== undefined,
      mutationCacheListeners: (managerInternals.get(todos)!.ctx.client.getMutationCache() as unknown as { listeners: Set<unknown> }).listeners.size,
    }),
    mountBig: async (count: number) => {
      bigHandle = await mountBig(count);
      const { mountMs, burstMs, frameMs } = bigHandle;
      return { mountMs, burstMs, frameMs };
    },
    unmountBig: () => bigHandle?.unmount(),
  },
});
