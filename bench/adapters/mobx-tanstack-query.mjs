// mobx-tanstack-query, used the way its README shows (`new MobxQuery({ queryClient, queryKey,
// queryFn })`, `new MobxMutation({ queryClient, mutationFn, ... })`), with the same optimistic
// callbacks as the TanStack Query pattern, writing through `query.setData`. Its results are MobX
// deep observables. Runs on MobX 6 (see ../lib/node-hooks.mjs).
import { environmentManager, QueryClient } from "@tanstack/query-core";
import { autorun } from "mobx";
import { MobxMutation, MobxQuery } from "mobx-tanstack-query";
import { drain, until } from "../lib/measure.mjs";
import { changedEntities } from "./tanstack-query.mjs";

export const label = "mobx-tanstack-query";

const queryKey = ["items"];

export async function create({ server, observe = {} }) {
  environmentManager.setIsServer(() => false);
  const counts = { entity: 0, list: 0 };
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  queryClient.mount();
  const query = new MobxQuery({ queryClient, queryKey, queryFn: () => server.fetchList(), staleTime: 5 * 60_000 });
  await until(() => query.result.isSuccess);
  await drain();

  let seen = [query.result.data];
  const disposers = [];
  if (observe.list || observe.entities) {
    // The list component: an observer of the query's data.
    disposers.push(
      autorun(() => {
        const data = query.result.data;
        if (observe.list) counts.list++;
        if (observe.entities && data !== seen[seen.length - 1]) seen.push(data);
      }),
    );
    counts.list = 0;
  }

  const replace = (list, id, make) => list.map((item) => (item.id === id ? make(item) : item));
  const mutation = new MobxMutation({
    queryClient,
    mutationFn: ({ id, data }) => server.update(id, data),
    onMutate: async ({ id, data }) => {
      await queryClient.cancelQueries({ queryKey });
      const previous = queryClient.getQueryData(queryKey);
      query.setData((old) => replace(old, id, (item) => ({ ...item, ...data })));
      return { previous };
    },
    onError: (_error, _variables, context) => query.setData(context.previous),
    onSuccess: (answer) => query.setData((old) => replace(old, answer.id, () => answer)),
  });
  // Create: the optimistic row under a temporary id, replaced by the server's row; remove: filtered out.
  let sequence = 0;
  const creation = new MobxMutation({
    queryClient,
    mutationFn: ({ data }) => server.create(data),
    onMutate: async ({ data, temp }) => {
      await queryClient.cancelQueries({ queryKey });
      const previous = queryClient.getQueryData(queryKey);
      query.setData((old) => [...old, { ...data, id: temp }]);
      return { previous };
    },
    onError: (_error, _variables, context) => query.setData(context.previous),
    onSuccess: (answer, { temp }) => query.setData((old) => replace(old, temp, () => answer)),
  });
  const removal = new MobxMutation({
    queryClient,
    mutationFn: (id) => server.remove(id),
    onMutate: async (id) => {
      await queryClient.cancelQueries({ queryKey });
      const previous = queryClient.getQueryData(queryKey);
      query.setData((old) => old.filter((item) => item.id !== id));
      return { previous };
    },
    onError: (_error, _variables, context) => query.setData(context.previous),
  });

  return {
    counts,
    size: () => query.result.data.length,
    read: (id) => query.result.data.find((item) => item.id === id),
    update: (id, patch) => mutation.mutate({ id, data: patch }),
    create: (data) => creation.mutate({ data, temp: `temp-${++sequence}` }),
    remove: (id) => removal.mutate(id),
    refetch: () => query.refetch(),
    realtime(events) {
      for (const event of events) {
        const data = event.data;
        query.setData((old) => replace(old, data.id, () => data));
      }
    },
    settle: () => drain(),
    finishCounts() {
      for (let i = 1; i < seen.length; i++) counts.entity += changedEntities(seen[i - 1], seen[i]);
      seen = [seen[seen.length - 1]];
    },
    between() {
      queryClient.getMutationCache().clear();
    },
    dispose() {
      for (const dispose of disposers) dispose();
      query.destroy();
      mutation.destroy?.();
      creation.destroy?.();
      removal.destroy?.();
      queryClient.unmount();
      queryClient.clear();
    },
  };
}
