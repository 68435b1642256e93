import { QueryClient } from "@tanstack/query-core";

let globalQueryClient: QueryClient | undefined;

/**
 * The `QueryClient` managers use when none is passed; created on first call (nothing runs at import).
 * Queries retry once and do not refetch on window focus; mutations are not retried.
 *
 * @example
 * const manager = createOptimisticStoreManager(config); // uses getGlobalQueryClient()
 * getGlobalQueryClient().invalidateQueries({ queryKey: ["todos"] });
 */
export function getGlobalQueryClient(): QueryClient {
  globalQueryClient ??= new QueryClient({
    defaultOptions: {
      // Without a window (a server, a script), query-core's own default: no garbage-collection
      // timer, which would keep the Node process alive for 10 minutes after the last manager.
      queries: { gcTime: typeof window === "undefined" ? Infinity : 10 * 60 * 1000, retry: 1, refetchOnWindowFocus: false, refetchOnReconnect: true },
      mutations: { retry: 0 },
    },
  });
  return globalQueryClient;
}
