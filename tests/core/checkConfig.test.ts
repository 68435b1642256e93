import { describe, expect, it } from "vitest";
import { createOptimisticStoreManager, OptimisticConfigError, OptimisticError, type OptimisticStoreConfig } from "../../src";
import { createFakeBackend } from "../../src/testing";
import { makeTodos, type Todo } from "../__fixtures__/mockData";
import { createTestQueryClient } from "../__fixtures__/testHelpers";

describe("configuration errors", () => {
  const api = createFakeBackend<Todo>({ initial: makeTodos() });
  const valid = { name: "todos", queryFn: api.queryFn, mutations: api.mutations };
  const storage = { getItem: (): null => null, setItem: (): void => undefined, removeItem: (): void => undefined };
  const make = (config: unknown) => () =>
    createOptimisticStoreManager(config as OptimisticStoreConfig<Todo>, createTestQueryClient());

  it.each([
    ["no config", undefined, /needs a config object/],
    ["a missing name", { ...valid, name: undefined }, /config\.name must be a non-empty string/],
    ["an empty name", { ...valid, name: "" }, /config\.name must be a non-empty string/],
    ["a missing queryFn", { ...valid, queryFn: undefined }, /config\.queryFn of "todos" is missing/],
    ["missing mutations", { ...valid, mutations: undefined }, /config\.mutations\.create of "todos" is missing/],
    ["a missing remove mutation", { ...valid, mutations: { ...api.mutations, remove: undefined } }, /config\.mutations\.remove of "todos"/],
    ["a transformer without toApi", { ...valid, transformer: { toUi: (x: unknown) => x } }, /must have toUi and toApi/],
    ["a null transformer", { ...valid, transformer: null }, /must have toUi and toApi/],
    ["an empty-string transformer", { ...valid, transformer: "" }, /must have toUi and toApi/],
    ["a transformer of 0", { ...valid, transformer: 0 }, /must have toUi and toApi/],
    ["a negative staleTime", { ...valid, staleTime: -1 }, /staleTime of "todos" must be a number/],
    ["persist without a storage", { ...valid, persist: {} }, /persist\.storage of "todos" must have getItem, setItem and removeItem/],
    ["a storage without removeItem", { ...valid, persist: { storage: { getItem: storage.getItem, setItem: storage.setItem } } }, /persist\.storage of "todos" must have getItem/],
    ["an empty persist key", { ...valid, persist: { storage, key: "" } }, /persist\.key of "todos" must be a non-empty string/],
    ["persist with scope", { ...valid, scope: () => "alice", persist: { storage } }, /persist and config\.scope of "todos" cannot be used together yet: .* make a manager per user .*, destroyed at sign-out\./],
    ["enabled: false (not a function)", { ...valid, enabled: false }, /config\.enabled of "todos" must be a function returning whether the manager loads/],
    ["enabled: true (not a function)", { ...valid, enabled: true }, /config\.enabled of "todos" must be a function/],
  ])("throws OptimisticConfigError for %s", (_label, config, message) => {
    expect(make(config)).toThrow(OptimisticConfigError);
    expect(make(config)).toThrow(message);
    try {
      make(config)();
    } catch (error) {
      expect(error).toBeInstanceOf(OptimisticError);
      expect((error as Error).name).toBe("OptimisticConfigError");
    }
  });
});
