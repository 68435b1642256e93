import { describe, expect, it, vi } from "vitest";
import { createDefaultTransformer, OptimisticEntityError, type DataTransformer } from "../../src";
import { createEntityCodec } from "../../src/core/entityCodec";
import { createReporter } from "../../src/core/reporter";

interface Todo {
  id: string;
  title: string;
  dueAt?: Date | string;
}

const codecWith = (onError = vi.fn()) => ({
  onError,
  codec: createEntityCodec<Todo, Todo>("todos", createDefaultTransformer<Todo, Todo>(), createReporter({ name: "todos", onError })),
});

describe("entityCodec", () => {
  it("converts server items through the transformer and gives back the item an entity came from", () => {
    const { codec } = codecWith();
    const item = { id: "1", title: "A", dueAt: "2024-01-01T00:00:00Z" };
    const entity = codec.toEntity(item, "query")!;
    expect(entity.dueAt).toBeInstanceOf(Date);
    // The default transformer is lossless: the item comes back from the entity, text included.
    expect(codec.toItem(entity)).toEqual(item);
  });

  it("remembers the very item with a transformer that drops fields", () => {
    const dropping: DataTransformer<Todo & { secret: string }, Todo> = {
      toUi: ({ secret: _secret, ...todo }) => todo,
      toApi: (todo) => ({ ...todo, secret: "" }),
    };
    const codec = createEntityCodec("todos", dropping, createReporter({ name: "todos" }));
    const item = { id: "1", title: "A", secret: "s3cret" };
    expect(codec.toItem(codec.toEntity(item, "query")!)).toBe(item);
  });

  it("reports and skips data without a usable id", () => {
    const { codec, onError } = codecWith();
    expect(codec.toEntity({ title: "no id" }, "realtime")).toBeUndefined();
    expect(codec.toEntity(null, "query")).toBeUndefined();
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0]![0]).toBeInstanceOf(OptimisticEntityError);
    expect(onError.mock.calls[0]![1]).toMatchObject({ source: "realtime", name: "todos" });
  });

  it("lets an entity kept for its identity stand for a newer equal item, and says when that item differs", () => {
    const { codec } = codecWith();
    const kept = codec.toEntity({ id: "1", title: "A", dueAt: "2024-01-01T00:00:00Z" }, "query")!;
    const sameText = codec.toEntity({ id: "1", title: "A", dueAt: "2024-01-01T00:00:00Z" }, "query")!;
    expect(codec.keep(kept, sameText)).toBe(false);
    const reformatted = { id: "1", title: "A", dueAt: "2024-01-01T00:00:00.000Z" };
    expect(codec.keep(kept, codec.toEntity(reformatted, "query")!)).toBe(true);
    expect(codec.toItem(kept)).toEqual(reformatted);
  });
});
