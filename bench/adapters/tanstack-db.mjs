// TanStack DB: a collection with a sync adapter over the fake server and optimistic mutations.
// `onUpdate` persists the change and writes the server's answer into the synced state before it
// returns (so the optimistic state is dropped onto the confirmed row, as the docs require).
// A refetch writes, in one sync transaction, the rows that differ (`deepEquals`) from what was
// synced last, as query-db-collection does; realtime events are one sync write each.
import { createCollection, deepEquals } from "@tanstack/db";
import { drain, until } from "../lib/measure.mjs";

export const label = "TanStack DB (collection)";

export async function create({ server, observe = {} }) {
  const counts = { entity: 0, list: 0 };
  let sync;
  let sequence = 0;
  /** What the adapter synced last, per key (the adapter's own bookkeeping, like query-db-collection's). */
  const synced = new Map();
  const writeSynced = (rows) => {
    sync.begin();
    for (const row of rows) {
      sync.write({ type: synced.has(row.id) ? "update" : "insert", value: row });
      synced.set(row.id, row);
    }
    sync.commit();
  };

  const collection = createCollection({
    id: "items",
    getKey: (item) => item.id,
    startSync: true,
    sync: {
      rowUpdateMode: "full",
      sync: ({ begin, write, commit, markReady }) => {
        sync = { begin, write, commit };
        void server.fetchList().then((rows) => {
          writeSynced(rows);
          markReady();
        });
        return () => {};
      },
    },
    onUpdate: async ({ transaction }) => {
      for (const mutation of transaction.mutations) {
        const answer = await server.update(mutation.key, mutation.changes);
        writeSynced([answer]);
      }
    },
    // The client picks the id (as the TanStack DB docs do, `id: crypto.randomUUID()`); the server
    // keeps it, so the optimistic row is dropped onto a synced row of the same key.
    onInsert: async ({ transaction }) => {
      for (const mutation of transaction.mutations) {
        const answer = await server.create(mutation.modified);
        writeSynced([answer]);
      }
    },
    onDelete: async ({ transaction }) => {
      for (const mutation of transaction.mutations) {
        await server.remove(mutation.key);
        sync.begin();
        sync.write({ type: "delete", value: synced.get(mutation.key) });
        sync.commit();
        synced.delete(mutation.key);
      }
    },
  });
  await until(() => collection.status === "ready" && collection.size === server.n);
  await drain();

  let subscription;
  if (observe.list || observe.entities) {
    // The list component: subscribed to the collection's changes.
    subscription = collection.subscribeChanges((changes) => {
      if (observe.list) counts.list++;
      if (observe.entities) counts.entity += changes.length;
    });
    await drain();
    counts.list = counts.entity = 0;
  }

  return {
    counts,
    size: () => collection.size,
    read: (id) => collection.get(id),
    update: (id, patch) => collection.update(id, (draft) => void Object.assign(draft, patch)).isPersisted.promise,
    create: (data) => collection.insert({ ...data, id: `c${++sequence}` }).isPersisted.promise,
    remove: (id) => collection.delete(id).isPersisted.promise,
    async refetch() {
      const rows = await server.fetchList();
      const changed = rows.filter((row) => !deepEquals(synced.get(row.id), row));
      if (changed.length > 0) writeSynced(changed);
    },
    realtime(events) {
      for (const event of events) writeSynced([event.data]);
    },
    settle: () => drain(),
    dispose() {
      subscription?.unsubscribe();
      void collection.cleanup();
    },
  };
}
