/**
 * Server calls answered by the test, one by one, in any order: for orderings that a real server
 * cannot produce on demand (an answer landing between two realtime events, say).
 */
import type { MutationReceipt } from "../../src";
import type { Todo } from "./mockData";

export interface ManualCall {
  kind: "query" | "create" | "update" | "remove";
  id?: string;
  data?: unknown;
  receipt?: MutationReceipt;
  resolve(value?: unknown): void;
  reject(error?: Error): void;
}

/** A `queryFn` + `mutations` pair whose every call waits in `calls` until the test answers it. */
export function createManualApi() {
  const calls: ManualCall[] = [];
  const waiting = new Set<() => void>();
  const call = <T>(entry: Omit<ManualCall, "resolve" | "reject">): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      calls.push({ ...entry, resolve: (value) => resolve(value as T), reject: (error) => reject(error ?? new Error(`${entry.kind} refused`)) });
      for (const wake of [...waiting]) wake();
    });
  /** The oldest unanswered call of `kind` (removed from `calls`). */
  const take = (kind: ManualCall["kind"]): ManualCall => {
    const index = calls.findIndex((entry) => entry.kind === kind);
    if (index < 0) throw new Error(`no ${kind} call waiting (waiting: ${calls.map((entry) => entry.kind).join(", ") || "none"})`);
    return calls.splice(index, 1)[0]!;
  };
  /** The oldest call of `kind`, once it has been made (mutation functions run a few microtasks after the action). */
  const next = (kind: ManualCall["kind"]): Promise<ManualCall> =>
    new Promise((resolve) => {
      const attempt = () => {
        if (!calls.some((entry) => entry.kind === kind)) return;
        waiting.delete(attempt);
        resolve(take(kind));
      };
      waiting.add(attempt);
      attempt();
    });
  return {
    calls,
    take,
    next,
    queryFn: () => call<Todo[]>({ kind: "query" }),
    mutations: {
      create: (data: unknown, receipt: MutationReceipt) => call<Todo>({ kind: "create", data, receipt }),
      update: ({ id, data }: { id: string; data: unknown }, receipt: MutationReceipt) => call<Todo>({ kind: "update", id, data, receipt }),
      remove: (id: string, receipt: MutationReceipt) => call<{ id: string }>({ kind: "remove", id, receipt }),
    },
  };
}

export type ManualApi = ReturnType<typeof createManualApi>;
