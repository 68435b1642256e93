// TanStack Query's own optimistic pattern on query-core, as its docs show it: `onMutate` cancels
// the query, snapshots it and writes an immutable copy with `setQueryData`; `onError` rolls back
// from the snapshot in `onMutate`'s context; `onSuccess` writes the server's answer into the list
// (the "update from the mutation response" pattern; no invalidation, which would refetch the whole
// list after every update). Realtime events: `setQueryData` per event.
import { environmentManager, MutationObserver, QueryClient, QueryObserver } from "@tanstack/query-core";
import { drain, until } from "../lib/measure.mjs";

export const label = "TanStack Query (setQueryData pattern)";

const queryKey = ["items"];

/** Counts rows a memoised list would re-render: entities whose object changed between results. */
export function changedEntities(previous, next) {
  if (!previous || !next || previous === next) return 0;
  const before = new Map();
  for (const item of previous) before.set(item.id, item);
  let changed = 0;
  for (const item of next) if (before.get(item.id) !== item) changed++;
  return changed;
}

export async function create({ server, observe = {} }) {
  environmentManager.setIsServer(() => false);
  const counts = { entity: 0, list: 0 };
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  client.mount();
  const observer = new QueryObserver(client, { queryKey, queryFn: () => server.fetchList(), staleTime: 5 * 60_000 });
  let seen = [];
  let last;
  // The list component: subscribed to the query like useQuery.
  const unsubscribe = observer.subscribe((result) => {
    if (observe.list) counts.list++;
    if (observe.entities && result.data !== last) seen.push((last = result.data));
  });
  await until(() => observer.getCurrentResult().isSuccess);
  await drain();
  last = observer.getCurrentResult().data;
  seen = [last];

  const replace = (list, id, make) => list.map((item) => (item.id === id ? make(item) : item));
  const mutation = new MutationObserver(client, {
    mutationFn: ({ id, data }) => server.update(id, data),
    onMutate: async ({ id, data }) => {
      await client.cancelQueries({ queryKey });
      const previous = client.getQueryData(queryKey);
      client.setQueryData(queryKey, (old) => replace(old, id, (item) => ({ ...item, ...data })));
      return { previous };
    },
    onError: (_error, _variables, context) => client.setQueryData(queryKey, context.previous),
    onSuccess: (answer) => client.setQueryData(queryKey, (old) => replace(old, answer.id, () => answer)),
  });
  // Create: the optimistic row under a temporary id, replaced by the server's row; remove: filtered out.
  let sequence = 0;
  const creation = new MutationObserver(client, {
    mutationFn: ({ data }) => server.create(data),
    onMutate: async ({ data, temp }) => {
      await client.cancelQueries({ queryKey });
      const previous = client.getQueryData(queryKey);
      client.setQueryData(queryKey, (old) => [...old, { ...data, id: temp }]);
      return { previous };
    },
    onError: (_error, _variables, context) => client.setQueryData(queryKey, context.previous),
    onSuccess: (answer, { temp }) => client.setQueryData(queryKey, (old) => replace(old, temp, () => answer)),
  });
  const removal = new MutationObserver(client, {
    mutationFn: (id) => server.remove(id),
    onMutate: async (id) => {
      await client.cancelQueries({ queryKey });
      const previous = client.getQueryData(queryKey);
      client.setQueryData(queryKey, (old) => old.filter((item) => item.id !== id));
      return { previous };
    },
    onError: (_error, _variables, context) => client.setQueryData(queryKey, context.previous),
  });

  return {
    counts,
    size: () => client.getQueryData(queryKey).length,
    read: (id) => client.getQueryData(queryKey).find((item) => item.id === id),
    update: (id, patch) => mutation.mutate({ id, data: patch }),
    create: (data) => creation.mutate({ data, temp: `temp-${++sequence}` }),
    remove: (id) => removal.mutate(id),
    refetch: () => observer.refetch(),
    realtime(events) {
      for (const event of events) {
        const data = event.data;
        client.setQueryData(queryKey, (old) => replace(old, data.id, () => data));
      }
    },
    settle: () => drain(),
    /** Per-entity counts, computed after the timed part from the results the list saw. */
    finishCounts() {
      for (let i = 1; i < seen.length; i++) counts.entity += changedEntities(seen[i - 1], seen[i]);
      seen = [seen[seen.length - 1]];
    },
    between() {
      client.getMutationCache().clear();
    },
    dispose() {
      unsubscribe();
      client.unmount();
      client.clear();
    },
  };
}
