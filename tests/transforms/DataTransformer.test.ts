import { describe, it, expect, expectTypeOf } from "vitest";
import { OptimisticConfigError } from "../../src";
import { createDefaultTransformer, createTransformer } from "../../src/transforms";
import type { DataTransformer, DefaultTransformerOptions, FieldSelector } from "../../src/transforms";
import type { Entity } from "../../src/transforms/types";

interface Todo {
  id: string;
  title: string;
  completed: boolean;
}

interface ApiPost {
  id: string;
  publishedAt: string;
}

interface Post {
  id: string;
  publishedAt: Date;
}

const postTransformer: DataTransformer<ApiPost, Post> = {
  toUi: (api) => ({ id: api.id, publishedAt: new Date(api.publishedAt) }),
  toApi: (ui) => ({ id: ui.id, publishedAt: ui.publishedAt.toISOString() }),
  optimisticDefaults: {
    createOptimisticUiData: (input: { publishedAt?: Date }) => ({
      id: "temp",
      publishedAt: input.publishedAt ?? new Date(0),
    }),
    pendingFields: ["publishedAt"],
  },
};

describe("createTransformer", () => {
  it.each([
    ["null", null],
    ["an empty string", ""],
    ["0", 0],
    ["true", true],
    ["an object without toApi", { toUi: (x: unknown) => x }],
  ])("throws OptimisticConfigError for %s, as the manager does", (_label, value) => {
    expect(() => createTransformer(value as never)).toThrow(OptimisticConfigError);
    expect(() => createTransformer(value as never)).toThrow(/must have toUi and toApi/);
  });

  it("returns undefined for false, so data passes through untouched", () => {
    expect(createTransformer(false)).toBeUndefined();
  });

  it("returns a given transformer as is", () => {
    expect(createTransformer(postTransformer)).toBe(postTransformer);
  });

  it("returns the default transformer when given nothing", () => {
    for (const transformer of [createTransformer<ApiPost>(undefined), createTransformer<ApiPost>()]) {
      const api = { id: "123", publishedAt: "2024-01-02T03:04:05+02:00" };
      const ui = transformer.toUi(api);
      expect(ui.id).toBe("123");
      expect(ui.publishedAt).toEqual(new Date(Date.UTC(2024, 0, 2, 1, 4, 5)));
      expect(transformer.toApi(ui)).toEqual(api);
    }
  });

  it("resolves a manager's optional transformer option", () => {
    const configs: { transformer?: DataTransformer<ApiPost, Post> | false }[] = [
      {},
      { transformer: false },
      { transformer: postTransformer },
    ];
    const resolved = configs.map((config) => createTransformer(config.transformer));
    expect(resolved[0]).toBeDefined();
    expect(resolved[0]).not.toBe(postTransformer);
    expect(resolved[1]).toBeUndefined();
    expect(resolved[2]).toBe(postTransformer);
  });

  it("keeps the types of the plan's call sites", () => {
    expectTypeOf(createTransformer(false)).toEqualTypeOf<undefined>();
    expectTypeOf(createTransformer(postTransformer)).toEqualTypeOf<DataTransformer<ApiPost, Post>>();
    expectTypeOf(createTransformer<Todo, Todo>(undefined)).toEqualTypeOf<DataTransformer<Todo, Todo>>();
    expectTypeOf(createTransformer<Todo>()).toEqualTypeOf<DataTransformer<Todo, Todo>>();

    const option = undefined as DataTransformer<ApiPost, Post> | false | undefined;
    expectTypeOf(createTransformer(option)).toEqualTypeOf<DataTransformer<ApiPost, Post> | undefined>();

    // The plan's OptimisticStore holds a `DataTransformer<any, T>`.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const loose: DataTransformer<any, Todo> | undefined = createTransformer<Todo, Todo>(undefined);
    expect(loose).toBeDefined();
  });
});

describe("DataTransformer types", () => {
  it("accepts the same type for API and UI data", () => {
    const identity: DataTransformer<Todo, Todo> = { toUi: (todo) => todo, toApi: (todo) => todo };
    const todo = { id: "1", title: "a", completed: false };
    expect(identity.toApi(identity.toUi(todo))).toBe(todo);
    expectTypeOf(identity.toUi).returns.toEqualTypeOf<Todo>();
  });

  it("types createDefaultTransformer from its type arguments", () => {
    expectTypeOf(createDefaultTransformer<Todo>()).toEqualTypeOf<DataTransformer<Todo, Todo>>();
    expectTypeOf(createDefaultTransformer<ApiPost, Post>()).toEqualTypeOf<DataTransformer<ApiPost, Post>>();
    expectTypeOf(createDefaultTransformer<Todo>).parameter(0).toEqualTypeOf<DefaultTransformerOptions | undefined>();
    expectTypeOf<NonNullable<DataTransformer<Todo, Todo>["optimisticDefaults"]>>().toHaveProperty("createOptimisticUiData");
  });

  it("limits option values to booleans, field lists and predicates", () => {
    expectTypeOf<FieldSelector>().toEqualTypeOf<boolean | readonly string[] | ((key: string) => boolean)>();
    const options: DefaultTransformerOptions = {
      parseDates: true,
      dateFields: (key) => key.endsWith("On"),
      parseBooleans: ["done"] as const,
      parseNumbers: (key) => key === "count",
      parseLists: false,
    };
    expect(createDefaultTransformer(options)).toBeDefined();
    // @ts-expect-error a field list is an array of names
    const wrong: DefaultTransformerOptions = { parseNumbers: "count" };
    expect(wrong).toBeDefined();
  });

  it("requires entities to have a string id", () => {
    expectTypeOf<Todo>().toExtend<Entity>();
    expectTypeOf<{ title: string }>().not.toExtend<Entity>();
  });
});
