// This library, through its public API (the built dist, imported by package name).
import { environmentManager, QueryClient } from "@tanstack/query-core";
import { autorun } from "mobx";
import { createOptimisticStoreManager } from "mobx-tanstack-optimistic";
import { drain, until } from "../lib/measure.mjs";

export const label = "mobx-tanstack-optimistic";

/** A socket as the realtime extension sees it; `emit` plays the server broadcasting an event. */
function fakeSocket() {
  const listeners = new Map();
  return {
    connected: true,
    on(event, listener) {
      listeners.set(event, listener);
    },
    off(event) {
      listeners.delete(event);
    },
    emit(event, payload) {
      listeners.get(event)?.(payload);
    },
  };
}

/**
 * `raw`: no transformer; `version`: the `version` option; `attach(manager)`: a capability to attach,
 * returning what detaches it; `persist`: a `PersistStorage` the manager keeps its state in
 * (bench/persist.mjs, W6); `createManager`: another build's factory (A/B runs by hand).
 */
export async function create({ server, observe = {}, raw = false, version, attach, persist, createManager = createOptimisticStoreManager }) {
  environmentManager.setIsServer(() => false);
  const counts = { entity: 0, list: 0 };
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  const socket = fakeSocket();
  const manager = createManager(
    {
      name: "items",
      queryFn: () => server.fetchList(),
      mutations: {
        create: (data) => server.create(data),
        update: ({ id, data }) => server.update(id, data),
        remove: (id) => server.remove(id),
      },
      realtime: { eventType: "item_update" },
      ...(raw ? { transformer: false } : {}),
      ...(version ? { version } : {}),
      ...(persist ? { persist: { storage: persist } } : {}),
    },
    client,
  );
  await manager.ready;
  manager.realtime.connect(socket);
  const detach = attach?.(manager);
  const { store, actions } = manager;
  await until(() => store.count === server.n && !manager.status.isSyncing);
  await drain();

  const disposers = [];
  if (observe.list) {
    // A list-level reaction: reading `length` subscribes to every change of the array.
    disposers.push(autorun(() => void (store.list.length, counts.list++)));
  }
  if (observe.entities) {
    for (const id of server.ids) disposers.push(autorun(() => void (store.get(id), counts.entity++)));
  }

  return {
    counts,
    size: () => store.count,
    read: (id) => store.get(id),
    update: (id, patch) => actions.update({ id, data: patch }),
    create: (data) => actions.create(data),
    remove: (id) => actions.remove(id),
    refetch: () => actions.refetch(),
    realtime(events) {
      for (const event of events) socket.emit("item_update", event);
    },
    settle: () => drain(),
    dispose() {
      for (const dispose of disposers) dispose();
      detach?.();
      manager.destroy();
      client.clear();
    },
  };
}
