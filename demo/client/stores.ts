/**
 * What the page's panels share, and the factories of the stores each panel owns.
 *
 * Each panel owns its store: it makes it with `useOptimisticStore` (from
 * `mobx-tanstack-optimistic/react`), which destroys it when the panel unmounts and keeps one live
 * under StrictMode. No store is shared between components, so none is a module-level singleton
 * (a singleton is never destroyed, and it is not what a user of the library writes for a store one
 * component uses). Rows get their store from their panel as a prop.
 *
 * Shared at module level, because there is exactly one of each for the whole page and several
 * components use them: the Offline switch (`network.ts`), the socket.io connection (the todo and
 * checkbox stores listen on it, the server switches follow it), the server switches, and the log
 * of rolled-back changes. The
 * devtools panel shows every store of the page; the panels list theirs in `pageStores` while
 * they are mounted (`usePageStore`), instead of making the stores singletons for its sake.
 */
import { observable, runInAction } from "mobx";
import type { OptimisticStoreManager } from "mobx-tanstack-optimistic";
import { createIndexedDBStorage } from "mobx-tanstack-optimistic/persist";
import { useEffect } from "react";
import { io } from "socket.io-client";
import { createTodoStore } from "../../examples/basic-todo/TodoStore";
import { AuthenticatedPostStore, type ClosableSocket } from "../../examples/with-auth/AuthenticatedStore";
import { RealtimeCheckboxStore } from "../../examples/with-realtime/RealtimeCheckboxStore";
import { todoConflicts } from "./conflicts";
import { FailureLog } from "./failures";
import { SimulatedNetwork } from "./network";
import { ServerControl } from "./ServerControl";

/**
 * The Offline switch, made first: a tab reloaded while offline must be offline before any store
 * fetches or any socket connects.
 */
export const network = new SimulatedNetwork(typeof sessionStorage === "undefined" ? undefined : sessionStorage);

/** One connection for the todo and checkbox events, the control switches and resets; closed while offline. */
export const socket = io({ transports: ["websocket"], autoConnect: false });
network.follow(socket);

/** Changes rolled back in the panels that keep the library's default (`keepFailed: false`). */
export const failures = new FailureLog();

export const control = new ServerControl(socket, (error) => failures.report("server", `Changing the server switches failed: ${error}`));

/** Where the todos are kept across reloads: this page's IndexedDB database. */
export const TODOS_DB_NAME = "mobx-tanstack-optimistic-demo";

/**
 * The Todos panel's store: live (`todo_update` events); a change the server refuses stays on
 * screen, marked failed in `store.writeStatus(id)`, until the row's Retry or Undo; the todos
 * and the changes not answered yet are kept in IndexedDB, so a reload shows them at once and sends
 * the queued ones; and versioned: an edit made on an outdated todo (another tab's came first) is
 * settled by the sidebar's strategy.
 */
export const createTodos = () =>
  createTodoStore({
    realtime: true,
    keepFailed: true,
    persist: { storage: createIndexedDBStorage({ dbName: TODOS_DB_NAME }) },
    conflict: { resolve: todoConflicts.resolve },
  });

/**
 * The Posts panel's store. Post events go only to sockets that sent a valid token in their
 * handshake: the store opens its own socket at sign-in and closes it at sign-out (and on destroy).
 * The Offline switch closes that socket too while it is open.
 */
export const createPosts = () => new AuthenticatedPostStore({ openSocket: openPostSocket });

function openPostSocket(token: string): ClosableSocket {
  const posts = io({ transports: ["websocket"], auth: { token }, forceNew: true, autoConnect: false });
  const unfollow = network.follow(posts);
  return {
    on: (event, listener) => posts.on(event, listener),
    off: (event, listener) => posts.off(event, listener),
    get connected() {
      return posts.connected;
    },
    disconnect: () => {
      unfollow(); // closed by the store for good: going back online must not open it again
      posts.disconnect();
    },
  };
}

/** The shared checkbox grid's store. */
export const createGrid = () => new RealtimeCheckboxStore();

/**
 * A manager of any entity types. `OptimisticStoreManager<Todo>` is not an `OptimisticStoreManager`
 * (of `Entity`): the store's `reconcile` takes a transformer to `Todo`, which makes the type
 * invariant in its entity, so a list of the page's different managers needs `any` here.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyManager = OptimisticStoreManager<any, any, any>;

/** A store a mounted panel owns, by the name its manager was given. */
export interface PageStore {
  name: string;
  manager: AnyManager;
}

/** The stores the mounted panels own, in mount order: what the devtools panel shows (`pageDevtools.ts`). */
export const pageStores = observable.array<PageStore>([], { deep: false });

/**
 * While the calling component is mounted: lists `manager` in `pageStores` under `name`, reloads it
 * when any tab presses "Reset demo data", and, with `live`, applies its realtime events from the
 * page's socket.
 */
export function usePageStore(name: string, manager: AnyManager, { live }: { live: boolean }): void {
  useEffect(() => {
    const entry: PageStore = { name, manager };
    if (live) manager.realtime?.connect(socket);
    const reload = () => manager.actions.triggerQuery();
    socket.on("demo_reset", reload);
    runInAction(() => pageStores.push(entry));
    return () => {
      socket.off("demo_reset", reload);
      if (live) manager.realtime?.disconnect();
      runInAction(() => pageStores.remove(entry));
    };
  }, [name, manager, live]);
}
