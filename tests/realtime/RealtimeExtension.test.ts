import { autorun, reaction } from "mobx";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  createRealtimeExtension,
  OptimisticError,
  OptimisticStore,
  RealtimeExtension,
  type DataTransformer,
  type RealtimeConfig,
  type RealtimeEvent,
  type RealtimeSocket,
} from "../../src";

interface Todo {
  id: string;
  title: string;
  done?: boolean;
}

type Listener = (...args: unknown[]) => void;

/** A socket-shaped object: on/off/connected, plus `fire` to deliver an event the way socket.io does. */
class FakeSocket implements RealtimeSocket {
  connected: boolean;
  readonly #listeners = new Map<string, Listener[]>();

  constructor(connected = true) {
    this.connected = connected;
  }

  on(event: string, listener: Listener): this {
    this.#listeners.set(event, [...(this.#listeners.get(event) ?? []), listener]);
    return this;
  }

  off(event: string, listener?: Listener): this {
    const remaining = listener ? (this.#listeners.get(event) ?? []).filter((l) => l !== listener) : [];
    this.#listeners.set(event, remaining);
    return this;
  }

  listenerCount(event: string): number {
    return this.#listeners.get(event)?.length ?? 0;
  }

  totalListeners(): number {
    let total = 0;
    for (const listeners of this.#listeners.values()) total += listeners.length;
    return total;
  }

  fire(event: string, ...args: unknown[]): void {
    for (const listener of [...(this.#listeners.get(event) ?? [])]) listener(...args);
  }

  /** What socket.io-client does on a (re)connection: `connected` flips, then "connect" fires. */
  goOnline(): void {
    this.connected = true;
    this.fire("connect");
  }

  goOffline(): void {
    this.connected = false;
    this.fire("disconnect", "transport close");
  }
}

const EVENT = "todo_update";

function event(kind: RealtimeEvent["event"], data: unknown, extra: Partial<RealtimeEvent> = {}): RealtimeEvent {
  return { type: EVENT, event: kind, data, ...extra };
}

/** Lets the extension's setTimeout(0) batch run. */
const nextMacrotask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * Fires a burst as arriving within one instant (`performance.now` held still): every event after
 * the first waits for its batch, however slow a loaded machine runs the test.
 */
function burst(fire: () => void): void {
  const clock = vi.spyOn(performance, "now").mockReturnValue(performance.now());
  try {
    fire();
  } finally {
    clock.mockRestore();
  }
}

function setup(config: Partial<RealtimeConfig<Todo>> = {}, seed: Todo[] = [{ id: "1", title: "one" }]) {
  const store = new OptimisticStore<Todo>();
  for (const todo of seed) store.upsert(todo);
  const errors: Array<{ error: Error; event: unknown }> = [];
  const extension = new RealtimeExtension<Todo>(store, {
    eventType: EVENT,
    onError: (error, evt) => errors.push({ error, event: evt }),
    ...config,
  });
  const socket = new FakeSocket();
  extension.connect(socket);
  return { store, extension, socket, errors };
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

describe("RealtimeExtension", () => {
  describe("connection", () => {
    it("listens to the event type and to connect/disconnect on the socket it is connected to", () => {
      const { extension, socket } = setup();

      expect(socket.listenerCount(EVENT)).toBe(1);
      expect(socket.listenerCount("connect")).toBe(1);
      expect(socket.listenerCount("disconnect")).toBe(1);
      expect(extension.socketInstance).toBe(socket);
    });

    it("removes exactly the listeners it added on disconnect, leaving other listeners alone", () => {
      const { store, extension, socket } = setup();
      const appListener = vi.fn();
      socket.on(EVENT, appListener);
      socket.on("connect", appListener);

      extension.disconnect();

      expect(socket.listenerCount(EVENT)).toBe(1);
      expect(socket.listenerCount("connect")).toBe(1);
      expect(socket.listenerCount("disconnect")).toBe(0);
      expect(extension.socketInstance).toBeNull();
      socket.fire(EVENT, event("INSERT", { id: "2", title: "two" }));
      expect(store.get("2")).toBeUndefined();
      expect(appListener).toHaveBeenCalledTimes(1);
    });

    it("does nothing when disconnect is called without a socket, or twice", () => {
      const store = new OptimisticStore<Todo>();
      const extension = new RealtimeExtension(store, { eventType: EVENT });
      expect(() => extension.disconnect()).not.toThrow();

      const socket = new FakeSocket();
      extension.connect(socket);
      extension.disconnect();
      extension.disconnect();
      expect(socket.totalListeners()).toBe(0);
    });

    it("does not listen twice when connected twice to the same socket", () => {
      const { store, extension, socket } = setup();
      const on = vi.spyOn(socket, "on");

      extension.connect(socket);

      expect(on).not.toHaveBeenCalled();
      expect(socket.listenerCount(EVENT)).toBe(1);
      const reactions = vi.fn();
      cleanups.push(reaction(() => store.get("1")?.title, reactions));
      socket.fire(EVENT, event("UPDATE", { id: "1", title: "once" }));
      expect(reactions).toHaveBeenCalledTimes(1);
    });

    it("leaves the first socket clean when connected to another one", () => {
      const { store, extension, socket: first } = setup();
      const second = new FakeSocket();

      extension.connect(second);

      expect(first.totalListeners()).toBe(0);
      expect(second.listenerCount(EVENT)).toBe(1);
      expect(extension.socketInstance).toBe(second);
      first.fire(EVENT, event("INSERT", { id: "from-first", title: "x" }));
      second.fire(EVENT, event("INSERT", { id: "from-second", title: "y" }));
      expect(store.get("from-first")).toBeUndefined();
      expect(store.get("from-second")).toEqual({ id: "from-second", title: "y" });
    });

    it("can reconnect to a socket after disconnecting from it", () => {
      const { store, extension, socket } = setup();
      extension.disconnect();
      extension.connect(socket);

      expect(socket.listenerCount(EVENT)).toBe(1);
      socket.fire(EVENT, event("INSERT", { id: "2", title: "two" }));
      expect(store.get("2")?.title).toBe("two");
    });
  });

  describe("connection status", () => {
    it("takes the socket's connected state when connecting", () => {
      const store = new OptimisticStore<Todo>();
      const online = new RealtimeExtension(store, { eventType: EVENT });
      const offline = new RealtimeExtension(store, { eventType: EVENT });
      expect(online.connected).toBe(false);

      online.connect(new FakeSocket(true));
      offline.connect(new FakeSocket(false));

      expect(online.connected).toBe(true);
      expect(offline.connected).toBe(false);
    });

    it("follows the socket's connect and disconnect events, observably", () => {
      const { extension, socket } = setup();
      const seen: boolean[] = [];
      cleanups.push(autorun(() => void seen.push(extension.connected)));

      socket.goOffline();
      socket.goOnline();
      socket.goOffline();

      expect(seen).toEqual([true, false, true, false]);
      expect(extension.connected).toBe(false);
    });

    it("is false after disconnect() even though the socket stays connected", () => {
      const { extension, socket } = setup();
      extension.disconnect();

      expect(socket.connected).toBe(true);
      expect(extension.connected).toBe(false);
    });

    it("takes the new socket's state when switching sockets", () => {
      const { extension } = setup();
      extension.connect(new FakeSocket(false));
      expect(extension.connected).toBe(false);
    });

    it("handles a reconnection without a manager to resync", () => {
      const { store, extension, socket } = setup();
      socket.goOffline();
      socket.goOnline();

      expect(extension.connected).toBe(true);
      socket.fire(EVENT, event("INSERT", { id: "2", title: "after reconnect" }));
      expect(store.get("2")?.title).toBe("after reconnect");
    });
  });

  describe("event handling", () => {
    it("processes INSERT events", () => {
      const { store, socket } = setup();
      socket.fire(EVENT, event("INSERT", { id: "2", title: "two" }));

      expect(store.get("2")).toEqual({ id: "2", title: "two" });
      expect(store.list.map((todo) => todo.id)).toEqual(["1", "2"]);
    });

    it("processes UPDATE events", () => {
      const { store, socket } = setup();
      socket.fire(EVENT, event("UPDATE", { id: "1", title: "renamed", done: true }));

      expect(store.get("1")).toEqual({ id: "1", title: "renamed", done: true });
      expect(store.count).toBe(1);
    });

    it("processes DELETE events carrying only the id", () => {
      const { store, socket } = setup({}, [
        { id: "1", title: "one" },
        { id: "2", title: "two" },
      ]);
      socket.fire(EVENT, event("DELETE", { id: "1" }));

      expect(store.get("1")).toBeUndefined();
      expect(store.list.map((todo) => todo.id)).toEqual(["2"]);
    });

    it("applies an UPDATE for an unknown id as an insert", () => {
      const { store, socket } = setup();
      socket.fire(EVENT, event("UPDATE", { id: "9", title: "nine" }));
      expect(store.get("9")?.title).toBe("nine");
    });

    it("ignores a DELETE for an id the store does not have", () => {
      const { store, socket, errors } = setup();
      socket.fire(EVENT, event("DELETE", { id: "nope" }));
      expect(store.list).toEqual([{ id: "1", title: "one" }]);
      expect(errors).toEqual([]);
    });

    it("runs incoming data through the store's transformer", () => {
      const transformer: DataTransformer<{ id: string; name: string }, Todo> = {
        toUi: (api) => ({ id: api.id, title: api.name.toUpperCase() }),
        toApi: (ui) => ({ id: ui.id, name: ui.title }),
      };
      const store = new OptimisticStore<Todo>(transformer);
      const extension = new RealtimeExtension(store, { eventType: EVENT });
      const socket = new FakeSocket();
      extension.connect(socket);

      socket.fire(EVENT, event("INSERT", { id: "1", name: "shout" }));
      expect(store.get("1")).toEqual({ id: "1", title: "SHOUT" });
    });

    it("writes confirmed state, leaving an optimistic change in flight on top", () => {
      const { store, socket } = setup();
      // Without a manager the store is the confirmed layer; its own values are what realtime replaces.
      socket.fire(EVENT, event("UPDATE", { id: "1", title: "server" }));
      expect(store.get("1")?.title).toBe("server");
      expect(store.isPending("1")).toBe(false);
    });

    it("applies the first event at once and batches the ones that follow in the same macrotask", async () => {
      const { store, socket } = setup({}, []);
      const runs: string[][] = [];
      cleanups.push(reaction(() => store.list.map((todo) => todo.id), (ids) => void runs.push(ids)));

      burst(() => {
        socket.fire(EVENT, event("INSERT", { id: "a", title: "a" }));
        expect(store.get("a")).toBeDefined();
        socket.fire(EVENT, event("INSERT", { id: "b", title: "b" }));
        socket.fire(EVENT, event("INSERT", { id: "c", title: "c" }));
        socket.fire(EVENT, event("UPDATE", { id: "a", title: "a2" }));
      });
      expect(store.get("b")).toBeUndefined();

      await nextMacrotask();
      expect(store.list).toEqual([
        { id: "a", title: "a2" },
        { id: "b", title: "b" },
        { id: "c", title: "c" },
      ]);
      expect(runs).toEqual([["a"], ["a", "b", "c"]]);
    });

    it("applies events again at once after a quiet moment", async () => {
      const { store, socket } = setup();
      socket.fire(EVENT, event("UPDATE", { id: "1", title: "first" }));
      // Quiet: no event applied for longer than the batch window (1 ms).
      await new Promise((resolve) => setTimeout(resolve, 5));
      socket.fire(EVENT, event("UPDATE", { id: "1", title: "second" }));
      expect(store.get("1")?.title).toBe("second");
    });

    it("arms no timer for a lone event", () => {
      const { store, socket } = setup();
      const setTimeoutSpy = vi.spyOn(globalThis, "setTimeout");
      try {
        socket.fire(EVENT, event("UPDATE", { id: "1", title: "alone" }));
        expect(store.get("1")?.title).toBe("alone");
        expect(setTimeoutSpy).not.toHaveBeenCalled();
      } finally {
        setTimeoutSpy.mockRestore();
      }
    });

    it("batches events that arrive within 1 ms of the last applied one, also from a later macrotask", async () => {
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
      try {
        const { store, socket } = setup();
        socket.fire(EVENT, event("UPDATE", { id: "1", title: "first" }));
        expect(store.get("1")?.title).toBe("first");
        // Another macrotask, with no time passed: the event waits for the batch.
        await new Promise((resolve) => setImmediate(resolve));
        socket.fire(EVENT, event("UPDATE", { id: "1", title: "second" }));
        expect(store.get("1")?.title).toBe("first");
        vi.advanceTimersByTime(1);
        expect(store.get("1")?.title).toBe("second");
        // 1 ms after that batch, the next event is applied at once.
        vi.advanceTimersByTime(1);
        socket.fire(EVENT, event("UPDATE", { id: "1", title: "third" }));
        expect(store.get("1")?.title).toBe("third");
      } finally {
        vi.useRealTimers();
      }
    });

    it("applies queued events before disconnecting", () => {
      const { store, extension, socket } = setup();
      burst(() => {
        socket.fire(EVENT, event("INSERT", { id: "2", title: "two" }));
        socket.fire(EVENT, event("INSERT", { id: "3", title: "three" }));
      });
      expect(store.get("3")).toBeUndefined();

      extension.disconnect();
      expect(store.get("3")?.title).toBe("three");
    });

    it("ends every entity in its latest state after a burst", async () => {
      const { store, socket } = setup({}, []);
      let runs = 0;
      cleanups.push(reaction(() => store.list.map((todo) => todo.title), () => runs++));

      burst(() => {
        for (let i = 0; i < 1000; i++) socket.fire(EVENT, event("UPDATE", { id: String(i % 10), title: `v${i}` }));
        socket.fire(EVENT, event("DELETE", { id: "9" }));
      });
      await nextMacrotask();

      expect(store.list.map((todo) => todo.title)).toEqual(Array.from({ length: 9 }, (_, k) => `v${990 + k}`));
      expect(runs).toBe(2);
    });
  });

  describe("filtering", () => {
    it("ignores events carrying its own browserId and applies the others", () => {
      const { store, socket } = setup({ browserId: "me" });

      socket.fire(EVENT, event("UPDATE", { id: "1", title: "own echo" }, { browserId: "me" }));
      socket.fire(EVENT, event("INSERT", { id: "2", title: "own insert" }, { browserId: "me" }));
      socket.fire(EVENT, event("UPDATE", { id: "1", title: "someone else" }, { browserId: "you" }));
      socket.fire(EVENT, event("INSERT", { id: "3", title: "anonymous" }));

      return nextMacrotask().then(() => {
        expect(store.get("1")?.title).toBe("someone else");
        expect(store.get("2")).toBeUndefined();
        expect(store.get("3")?.title).toBe("anonymous");
      });
    });

    it("applies events with a browserId when none is configured", () => {
      const { store, socket } = setup();
      socket.fire(EVENT, event("UPDATE", { id: "1", title: "x" }, { browserId: "me" }));
      expect(store.get("1")?.title).toBe("x");
    });

    it("skips events shouldProcessEvent rejects, and passes it the event", () => {
      const shouldProcessEvent = vi.fn((evt: RealtimeEvent) => evt.data?.title !== "skip me");
      const { store, socket } = setup({ shouldProcessEvent });

      const skipped = event("INSERT", { id: "2", title: "skip me" });
      socket.fire(EVENT, skipped);
      expect(shouldProcessEvent).toHaveBeenCalledWith(skipped);
      expect(store.get("2")).toBeUndefined();

      socket.fire(EVENT, event("INSERT", { id: "3", title: "keep me" }));
      return nextMacrotask().then(() => expect(store.get("3")?.title).toBe("keep me"));
    });

    it("judges each event with shouldProcessEvent as it arrives, also one whose batch is applied after the state the filter reads changed", async () => {
      let board = "a";
      const { store, socket } = setup({ shouldProcessEvent: (evt) => evt.board === board }, []);
      // 2 and 3 wait for their batch, applied on the next macrotask, after the app shows board b.
      burst(() => {
        socket.fire(EVENT, event("INSERT", { id: "1", title: "one" }, { board: "a" }));
        socket.fire(EVENT, event("INSERT", { id: "2", title: "two" }, { board: "a" }));
        socket.fire(EVENT, event("INSERT", { id: "3", title: "three" }, { board: "b" }));
      });
      expect(store.get("2")).toBeUndefined();
      board = "b";
      await nextMacrotask();
      expect(store.list.map((todo) => todo.id)).toEqual(["1", "2"]);
    });

    it("does not consult shouldProcessEvent for its own echoes", () => {
      const shouldProcessEvent = vi.fn(() => true);
      const { socket } = setup({ browserId: "me", shouldProcessEvent });
      socket.fire(EVENT, event("INSERT", { id: "2", title: "x" }, { browserId: "me" }));
      expect(shouldProcessEvent).not.toHaveBeenCalled();
    });
  });

  describe("customisation", () => {
    it("reads the entity with a custom dataExtractor", () => {
      const { store, socket } = setup({
        dataExtractor: (evt) => evt.checkbox as Todo | undefined,
      });
      socket.fire(EVENT, { type: EVENT, event: "INSERT", checkbox: { id: "2", title: "boxed" } });
      expect(store.get("2")).toEqual({ id: "2", title: "boxed" });
    });

    it("uses the dataExtractor for DELETE too", () => {
      const { store, socket } = setup({ dataExtractor: (evt) => ({ id: String(evt.todoId), title: "" }) });
      socket.fire(EVENT, { type: EVENT, event: "DELETE", todoId: "1" });
      expect(store.get("1")).toBeUndefined();
    });

    it("calls a custom handler by event type instead of the default handling", () => {
      const handler = vi.fn((store: OptimisticStore<Todo>, evt: RealtimeEvent) => {
        store.update(evt.data.id, { done: true });
      });
      const { store, socket } = setup({ customHandlers: { todo_completed: handler } });

      const completed = { type: "todo_completed", event: "UPDATE", data: { id: "1", title: "ignored title" } };
      socket.fire(EVENT, completed);

      expect(handler).toHaveBeenCalledTimes(1);
      expect(handler).toHaveBeenCalledWith(store, completed);
      expect(store.get("1")).toEqual({ id: "1", title: "one", done: true });
    });

    it("uses the default handling for event types without a custom handler", () => {
      const handler = vi.fn();
      const { store, socket } = setup({ customHandlers: { todo_completed: handler } });
      socket.fire(EVENT, event("UPDATE", { id: "1", title: "default" }));

      expect(handler).not.toHaveBeenCalled();
      expect(store.get("1")?.title).toBe("default");
    });

    it("lets a custom handler take events whose kind the default handling does not know", () => {
      const handler = vi.fn((store: OptimisticStore<Todo>) => store.clear());
      const { store, socket, errors } = setup({ customHandlers: { todo_reset: handler } });
      socket.fire(EVENT, { type: "todo_reset", event: "RESET" });

      expect(store.count).toBe(0);
      expect(errors).toEqual([]);
    });
  });

  describe("createRealtimeExtension", () => {
    it("processes only events whose type is the event type by default", async () => {
      const store = new OptimisticStore<Todo>();
      const extension = createRealtimeExtension(store, EVENT);
      const socket = new FakeSocket();
      extension.connect(socket);

      socket.fire(EVENT, { type: "other_update", event: "INSERT", data: { id: "x", title: "other" } });
      socket.fire(EVENT, event("INSERT", { id: "y", title: "mine" }));
      await nextMacrotask();

      expect(extension).toBeInstanceOf(RealtimeExtension);
      expect(store.get("x")).toBeUndefined();
      expect(store.get("y")?.title).toBe("mine");
    });

    it("replaces the default type filter with the caller's shouldProcessEvent and keeps other options", () => {
      const store = new OptimisticStore<Todo>();
      const extension = createRealtimeExtension(store, EVENT, {
        browserId: "me",
        shouldProcessEvent: () => true,
        dataExtractor: (evt) => evt.payload as Todo,
      });
      const socket = new FakeSocket();
      extension.connect(socket);

      socket.fire(EVENT, { type: "other_update", event: "INSERT", payload: { id: "x", title: "other" } });
      expect(store.get("x")?.title).toBe("other");
      return nextMacrotask().then(() => {
        socket.fire(EVENT, { type: EVENT, event: "INSERT", payload: { id: "z", title: "echo" }, browserId: "me" });
        expect(store.get("z")).toBeUndefined();
      });
    });

    it("listens to the given event name", () => {
      const extension = createRealtimeExtension(new OptimisticStore<Todo>(), "custom_event");
      const socket = new FakeSocket();
      extension.connect(socket);
      expect(socket.listenerCount("custom_event")).toBe(1);
      expect(socket.listenerCount(EVENT)).toBe(0);
    });
  });

  describe("configuration errors", () => {
    it.each([
      ["a missing config", undefined],
      ["a missing eventType", {}],
      ["an empty eventType", { eventType: "" }],
      ["a non-string eventType", { eventType: 42 }],
    ])("throws an OptimisticError for %s", (_label, config) => {
      const create = () => new RealtimeExtension(new OptimisticStore<Todo>(), config as unknown as RealtimeConfig<Todo>);
      expect(create).toThrow(OptimisticError);
      expect(create).toThrow(/eventType/);
    });
  });

  describe("malformed events", () => {
    const malformed: Array<[string, unknown, RegExp]> = [
      ["no data", { type: EVENT, event: "INSERT" }, /carries no data/],
      ["null data", { type: EVENT, event: "UPDATE", data: null }, /carries no data/],
      ["non-object data", { type: EVENT, event: "UPDATE", data: "1" }, /carries no data/],
      ["no id", { type: EVENT, event: "INSERT", data: { title: "anonymous" } }, /no valid id/],
      ["an empty id", { type: EVENT, event: "UPDATE", data: { id: "", title: "empty" } }, /no valid id/],
      ["a numeric id (the store keys entities by string id)", { type: EVENT, event: "INSERT", data: { id: 2, title: "number" } }, /no valid id/],
      ["a numeric id in a DELETE", { type: EVENT, event: "DELETE", data: { id: 2 } }, /no valid id/],
      ["an unknown kind", { type: EVENT, event: "UPSERT", data: { id: "2", title: "x" } }, /unknown kind "UPSERT"/],
      ["no kind", { type: EVENT, data: { id: "2", title: "x" } }, /unknown kind/],
      ["a string instead of an object", "INSERT 2", /not an object/],
      ["a number instead of an object", 42, /not an object/],
      ["null", null, /not an object/],
      ["undefined", undefined, /not an object/],
    ];

    it.each(malformed)("drops an event with %s, reports it through onError and keeps the store intact", (_label, bad, message) => {
      const { store, socket, errors } = setup({}, [
        { id: "1", title: "one" },
        { id: "2", title: "two" },
      ]);
      const before = [...store.list];

      expect(() => socket.fire(EVENT, bad)).not.toThrow();

      expect(store.list).toEqual(before);
      expect(store.list.every((todo, i) => todo === before[i])).toBe(true);
      expect(errors).toHaveLength(1);
      expect(errors[0]?.error).toBeInstanceOf(Error);
      expect(errors[0]?.error.message).toMatch(message);
      expect(errors[0]?.event).toBe(bad);
    });

    it("drops a DELETE without an id and reports it through onError", () => {
      const { store, socket, errors } = setup();
      expect(() => socket.fire(EVENT, event("DELETE", {}))).not.toThrow();

      expect(store.list).toEqual([{ id: "1", title: "one" }]);
      expect(errors).toHaveLength(1);
      expect(errors[0]?.error.message).toMatch(/id/);
    });

    it("reports a custom handler that throws, and goes on with the next events", async () => {
      const boom = new Error("handler failed");
      const { store, socket, errors } = setup({
        customHandlers: {
          todo_boom: () => {
            throw boom;
          },
        },
      });
      const bad = { type: "todo_boom", event: "UPDATE", data: { id: "1", title: "x" } };

      expect(() => socket.fire(EVENT, bad)).not.toThrow();
      socket.fire(EVENT, bad);
      socket.fire(EVENT, event("INSERT", { id: "2", title: "two" }));
      await nextMacrotask();

      expect(errors).toEqual([
        { error: boom, event: bad },
        { error: boom, event: bad },
      ]);
      expect(store.list.map((todo) => todo.title)).toEqual(["one", "two"]);
    });

    it("reports a non-Error thrown by a callback as an Error", () => {
      const { socket, errors } = setup({
        dataExtractor: () => {
          throw "extractor failed"; // what user code may do
        },
      });
      socket.fire(EVENT, event("INSERT", { id: "2", title: "two" }));

      expect(errors[0]?.error).toBeInstanceOf(Error);
      expect(errors[0]?.error.message).toBe("extractor failed");
    });

    it("reports a shouldProcessEvent that throws", () => {
      const { store, socket, errors } = setup({
        shouldProcessEvent: () => {
          throw new Error("filter failed");
        },
      });
      socket.fire(EVENT, event("INSERT", { id: "2", title: "two" }));

      expect(store.get("2")).toBeUndefined();
      expect(errors.map((e) => e.error.message)).toEqual(["filter failed"]);
    });

    it("reports a transformer that throws on incoming data", () => {
      const transformer: DataTransformer<Todo, Todo> = {
        toUi: () => {
          throw new Error("cannot convert");
        },
        toApi: (ui) => ui,
      };
      const store = new OptimisticStore<Todo>(transformer);
      const onError = vi.fn();
      const extension = new RealtimeExtension(store, { eventType: EVENT, onError });
      const socket = new FakeSocket();
      extension.connect(socket);

      expect(() => socket.fire(EVENT, event("INSERT", { id: "2", title: "two" }))).not.toThrow();
      expect(store.count).toBe(0);
      expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: "cannot convert" }), expect.anything());
    });

    it("drops malformed events silently when no onError is given", async () => {
      const store = new OptimisticStore<Todo>();
      store.upsert({ id: "1", title: "one" });
      const extension = new RealtimeExtension(store, {
        eventType: EVENT,
        customHandlers: {
          todo_boom: () => {
            throw new Error("nobody listens");
          },
        },
      });
      const socket = new FakeSocket();
      extension.connect(socket);

      expect(() => {
        socket.fire(EVENT, null);
        socket.fire(EVENT, { type: EVENT, event: "INSERT" });
        socket.fire(EVENT, { type: "todo_boom", event: "UPDATE" });
      }).not.toThrow();
      await nextMacrotask();
      expect(store.list).toEqual([{ id: "1", title: "one" }]);
    });

    it("throws nothing into the socket and keeps the rest of a batch when onError itself throws (it surfaces asynchronously)", async () => {
      vi.useFakeTimers();
      try {
        const { store, socket } = setup(
          {
            onError: () => {
              throw new Error("monitoring is down");
            },
          },
          [],
        );
        socket.fire(EVENT, event("INSERT", { id: "a", title: "a" })); // applied at once: the next ones are a batch
        socket.fire(EVENT, { type: EVENT, event: "INSERT", data: { title: "no id" } });
        socket.fire(EVENT, event("INSERT", { id: "b", title: "b" }));
        expect(() => vi.advanceTimersToNextTimer()).not.toThrow(); // the batch
        expect(store.list.map((todo) => todo.id)).toEqual(["a", "b"]);
        expect(() => vi.runAllTimers()).toThrow("monitoring is down");
      } finally {
        vi.useRealTimers();
      }
    });

    it("keeps processing a batch after a malformed event in its middle", async () => {
      const { store, socket, errors } = setup({}, []);
      socket.fire(EVENT, event("INSERT", { id: "a", title: "a" }));
      socket.fire(EVENT, { type: EVENT, event: "INSERT", data: { title: "no id" } });
      socket.fire(EVENT, event("INSERT", { id: "b", title: "b" }));
      await nextMacrotask();

      expect(store.list.map((todo) => todo.id)).toEqual(["a", "b"]);
      expect(errors).toHaveLength(1);
    });
  });
});
