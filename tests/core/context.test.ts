import { QueryClient } from "@tanstack/query-core";
import { describe, expect, it } from "vitest";
import { getGlobalQueryClient, OptimisticConfigError, OptimisticStore } from "../../src";
import { createContext } from "../../src/core/context";
import type { Todo } from "../__fixtures__/mockData";

const config = (extra: object = {}) => ({
  name: "todos",
  queryFn: () => Promise.resolve([] as Todo[]),
  mutations: {
    create: () => Promise.resolve({ id: "1", title: "" }),
    update: () => Promise.resolve({ id: "1", title: "" }),
    remove: () => Promise.resolve(undefined),
  },
  ...extra,
});

describe("manager context", () => {
  it("uses the given client, else the global one", () => {
    const client = new QueryClient();
    expect(createContext(config(), client, () => false).client).toBe(client);
    expect(createContext(config(), undefined, () => false).client).toBe(getGlobalQueryClient());
  });

  it("takes the realtime browserId as origin id, else a new one per manager", () => {
    expect(createContext(config({ realtime: { eventType: "x", browserId: "tab-1" } }), new QueryClient(), () => false).originId).toBe("tab-1");
    const one = createContext(config(), new QueryClient(), () => false).originId;
    const two = createContext(config(), new QueryClient(), () => false).originId;
    expect(one).not.toBe(two);
  });

  it("builds the store from storeClass and refuses one that does not extend OptimisticStore", () => {
    class TodoStore extends OptimisticStore<Todo> {}
    expect(createContext(config({ storeClass: TodoStore }), new QueryClient(), () => false).store).toBeInstanceOf(TodoStore);
    expect(() => createContext(config({ storeClass: class {} }), new QueryClient(), () => false)).toThrow(OptimisticConfigError);
  });

  it("reports the manager's lifecycle as given", () => {
    let destroyed = false;
    const ctx = createContext(config(), new QueryClient(), () => destroyed);
    expect(ctx.isDestroyed()).toBe(false);
    destroyed = true;
    expect(ctx.isDestroyed()).toBe(true);
  });
});
