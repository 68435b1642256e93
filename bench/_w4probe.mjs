import { environmentManager, QueryClient } from "@tanstack/query-core";
import { createOptimisticStoreManager } from "mobx-tanstack-optimistic";
import { createServer } from "./lib/data.mjs";
environmentManager.setIsServer(() => false);
const n = 10000;
const gcAll = async () => { for (let i = 0; i < 5; i++) { await new Promise((r) => setTimeout(r, 0)); global.gc(); } };
async function measure(label, make) {
  const server = createServer(n);
  await gcAll();
  const before = process.memoryUsage().heapUsed;
  server.prepareList();
  const keep = await make(server);
  await gcAll();
  console.log(label, ((process.memoryUsage().heapUsed - before) / n).toFixed(0), "bytes/entity");
  return keep;
}
for (const raw of [false, true]) {
  await measure(raw ? "ours transformer:false" : "ours default", async (server) => {
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    const m = createOptimisticStoreManager({ name: "items", queryFn: () => server.fetchList(), mutations: { create: () => {}, update: () => {}, remove: () => {} }, ...(raw ? { transformer: false } : {}) }, client);
    while (m.store.count !== n) await new Promise((r) => setTimeout(r, 1));
    return [m, client];
  });
}
