/** Small helpers for the core tests (the plan's `testHelpers.ts`). */
import { QueryClient } from "@tanstack/query-core";
import { expect, vi } from "vitest";
import { createOptimisticStoreManager, type OptimisticEvent, type OptimisticStore, type OptimisticStoreConfig, type OptimisticStoreManager } from "../../src";
import { managerInternals } from "../../src/core/eventLog";
import { recordEvents, replayEvents } from "../../src/devtools";
import type { Todo } from "./mockData";
import { createTestApi, type TestApi } from "./testApi";
import { startTestServer, type TestServer, type TestServerOptions } from "./testServer";

/** A fresh client that never retries, so a failed request fails at once. */
export function createTestQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { retry: false },
      mutations: { retry: false },
    },
  });
}

/** Resolves after `ms` milliseconds (for time itself, never for ordering). */
export function waitForMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A socket-shaped object whose `emit` calls the registered listener directly. */
export function createMockSocket() {
  const listeners = new Map<string, (...args: unknown[]) => void>();
  return {
    on: vi.fn((event: string, handler: (...args: unknown[]) => void) => void listeners.set(event, handler)),
    off: vi.fn((event: string) => void listeners.delete(event)),
    emit: vi.fn((event: string, data?: unknown) => listeners.get(event)?.(data)),
    connected: true,
  };
}

const cleanups: Array<() => unknown> = [];

/** Runs `fn` at the next `cleanup()` (register `afterEach(cleanup)` in the test file). */
export function onCleanup(fn: () => unknown): void {
  cleanups.push(fn);
}

/** Destroys managers and closes servers made by the helpers, newest first. */
export async function cleanup(): Promise<void> {
  for (const fn of cleanups.splice(0).reverse()) await fn();
}

/** A test server closed by `cleanup()`. */
export async function startServer(options: TestServerOptions<Todo> = {}): Promise<TestServer<Todo>> {
  const server = await startTestServer<Todo>(options);
  onCleanup(() => server.close());
  return server;
}

export interface Setup<TStore extends OptimisticStore<Todo>> {
  server: TestServer<Todo>;
  api: TestApi<Todo>;
  client: QueryClient;
  manager: OptimisticStoreManager<Todo, Todo, TStore>;
}

/**
 * A server seeded with `seed`, a fresh client and a manager named after the server's resource
 * (`transformer: false` unless `config` says otherwise); all torn down by `cleanup()`.
 */
export async function setupManager<TStore extends OptimisticStore<Todo> = OptimisticStore<Todo>>(
  options: {
    seed?: ReadonlyArray<Partial<Todo>>;
    config?: Partial<OptimisticStoreConfig<Todo, Todo, TStore>>;
    client?: QueryClient;
    server?: TestServer<Todo>;
  } = {},
): Promise<Setup<TStore>> {
  const server = options.server ?? (await startServer({ seed: options.seed ?? [] }));
  const api = createTestApi<Todo>(server);
  const client = options.client ?? createTestQueryClient();
  const manager = createOptimisticStoreManager<Todo, Todo, TStore>(
    { name: server.resource, queryFn: api.queryFn, mutations: api.mutations, transformer: false, ...options.config },
    client,
  );
  onCleanup(() => manager.destroy());
  // Every manager of these tests is recorded: at the end, its events replay to the store it shows.
  replaysAtCleanup(manager, options.config?.version);
  return { server, api, client, manager };
}

/** Records `manager` from now on; at `cleanup()` (before it is destroyed), checks its events replay to its store. */
export function replaysAtCleanup(manager: OptimisticStoreManager<Todo, Todo, OptimisticStore<Todo>>, version?: OptimisticStoreConfig<Todo, Todo>["version"]): void {
  const recording = recordEvents(manager);
  onCleanup(() => {
    if (!managerInternals.get(manager)?.ctx.isDestroyed()) expectReplays(manager, recording.events, version);
    recording.stop();
  });
}

/** `events`, read back from JSON, rebuild the store `manager` shows: its list and every entity. */
export function expectReplays(
  manager: OptimisticStoreManager<Todo, Todo, OptimisticStore<Todo>>,
  events: readonly OptimisticEvent[],
  version?: OptimisticStoreConfig<Todo, Todo>["version"],
): void {
  const json = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;
  const replayed = replayEvents<Todo>(json(events) as OptimisticEvent[], { version: version as string | undefined });
  expect(json(replayed.list.slice()), "the recorded events replay to the store shown").toEqual(json(manager.store.list.slice()));
}

/** How many requests with `method` (and, when given, `path`) the server has seen. */
export function countRequests(server: TestServer<Todo>, method: string, path?: string): number {
  return server.requests.filter((request) => request.method === method && (path === undefined || request.path === path)).length;
}

/** Waits until the manager's first fetch has landed. */
export async function loaded(manager: OptimisticStoreManager<Todo, Todo, OptimisticStore<Todo>>, count: number): Promise<void> {
  await vi.waitFor(() => {
    if (manager.status.isLoading || manager.store.count !== count) throw new Error(`not loaded: ${manager.store.count} of ${count}`);
  });
}

/** Titles of the visible list, in order. */
export function titles(store: OptimisticStore<Todo>): string[] {
  return store.list.map((todo) => todo.title);
}

/** Resolves after the current macrotask (lets coalesced `setTimeout(0)` work run). */
export function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** A property test's timeout: the configured one in `npm test`, an hour when `NUM_RUNS=…` explores further. */
export const explorationTimeout = process.env.NUM_RUNS ? 3_600_000 : undefined;
