import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { PersistStorage } from "../../src/persist/PersistStorage";
import { createWriteCoalescer, type WriteCoalescerOptions } from "../../src/persist/createWriteCoalescer";

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

/** A synchronous storage on a `Map`, typed as synchronous so that tests call it without awaiting. */
function mapStorage() {
  const items = new Map<string, string>();
  return {
    getItem: (key: string): string | null => items.get(key) ?? null,
    setItem: (key: string, value: string): void => void items.set(key, value),
    removeItem: (key: string): void => void items.delete(key),
  };
}

/** A storage that records every write and takes `latency` ms (fake time) to finish one; 0 answers synchronously. */
function recordingStorage(latency = 0) {
  const inner = mapStorage();
  const writes: (string | null)[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const finish = (action: () => void): void | Promise<void> => {
    if (latency === 0) return action();
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    return new Promise((resolve) =>
      setTimeout(() => {
        inFlight--;
        action();
        resolve();
      }, latency),
    );
  };
  const storage: PersistStorage = {
    getItem: (key) => inner.getItem(key),
    setItem: (key, value) => {
      writes.push(value);
      return finish(() => inner.setItem(key, value));
    },
    removeItem: (key) => {
      writes.push(null);
      return finish(() => inner.removeItem(key));
    },
  };
  return { storage, writes, stored: () => inner.getItem("state"), maxInFlight: () => maxInFlight };
}

/** A coalescer of a counter's value into key "state" of `storage` (default: a recording one). */
function setup({ latency, storage: given, ...options }: Partial<WriteCoalescerOptions> & { latency?: number; storage?: PersistStorage } = {}) {
  const recording = recordingStorage(latency);
  const storage = given ?? recording.storage;
  const state = { value: 0 };
  const onError = vi.fn();
  const write = (value: string | null) => (value === null ? storage.removeItem("state") : storage.setItem("state", value));
  const coalescer = createWriteCoalescer({ write, read: () => String(state.value), onError, ...options });
  const change = (value: number) => {
    state.value = value;
    coalescer.schedule();
  };
  return { ...recording, state, onError, coalescer, change };
}

describe("createWriteCoalescer", () => {
  it("writes a synchronous burst of 10,000 changes once, with the last value, after the delay", async () => {
    const { change, writes, stored } = setup();
    for (let i = 1; i <= 10_000; i++) change(i);
    expect(writes).toEqual([]);
    await vi.advanceTimersByTimeAsync(99);
    expect(writes).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(writes).toEqual(["10000"]);
    expect(stored()).toBe("10000");
    await vi.advanceTimersByTimeAsync(10_000);
    expect(writes).toHaveLength(1);
  });

  it("writes 10,000 changes over one second a handful of times, one at a time, ending with the last value", async () => {
    const { change, writes, stored, maxInFlight } = setup({ latency: 30 });
    for (let i = 1; i <= 10_000; i++) {
      change(i);
      if (i % 10 === 0) await vi.advanceTimersByTimeAsync(1);
    }
    await vi.advanceTimersByTimeAsync(1_000);
    // One write every 100 ms of delay + 30 ms of writing: about 8 for the second the changes last.
    expect(writes.length).toBeGreaterThanOrEqual(5);
    expect(writes.length).toBeLessThanOrEqual(10);
    expect(maxInFlight()).toBe(1);
    expect(writes.at(-1)).toBe("10000");
    expect(stored()).toBe("10000");
    expect(writes.map(Number)).toEqual([...writes.map(Number)].sort((a, b) => a - b));
  });

  it("writes changes made during a slow write after it, with the latest value, never two at once", async () => {
    const { change, writes, stored, maxInFlight } = setup({ latency: 500 });
    change(1);
    await vi.advanceTimersByTimeAsync(100);
    expect(writes).toEqual(["1"]);
    change(2);
    change(3);
    await vi.advanceTimersByTimeAsync(499);
    expect(writes).toEqual(["1"]);
    await vi.advanceTimersByTimeAsync(1 + 100);
    expect(writes).toEqual(["1", "3"]);
    await vi.advanceTimersByTimeAsync(500);
    expect(stored()).toBe("3");
    expect(maxInFlight()).toBe(1);
  });

  it("takes its delay from the options", async () => {
    const { change, writes } = setup({ delay: 1_000 });
    change(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(writes).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(writes).toEqual(["1"]);
  });

  it("flush() writes at once and resolves once the value is stored; nothing is written again afterwards", async () => {
    const { change, writes, stored, coalescer } = setup({ latency: 50 });
    change(1);
    change(2);
    let flushed = false;
    const flushing = coalescer.flush().then(() => (flushed = true));
    expect(writes).toEqual(["2"]);
    await vi.advanceTimersByTimeAsync(49);
    expect(flushed).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await flushing;
    expect(stored()).toBe("2");
    await vi.advanceTimersByTimeAsync(1_000);
    expect(writes).toEqual(["2"]);
  });

  it("flush() waits for the write in flight, then writes what changed since it started", async () => {
    const { change, writes, stored, coalescer } = setup({ latency: 50 });
    change(1);
    await vi.advanceTimersByTimeAsync(100);
    change(2);
    const flushing = coalescer.flush();
    await vi.advanceTimersByTimeAsync(100);
    await flushing;
    expect(writes).toEqual(["1", "2"]);
    expect(stored()).toBe("2");
  });

  it("flush() with nothing changed writes nothing", async () => {
    const { writes, coalescer } = setup();
    await coalescer.flush();
    expect(writes).toEqual([]);
  });

  it("writes nothing after dispose(): not the scheduled change, not later ones, not on flush()", async () => {
    const { change, writes, coalescer } = setup();
    change(1);
    coalescer.dispose();
    change(2);
    await coalescer.flush();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(writes).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("lets the write in flight at dispose() finish, and flush() waits for it, but writes nothing after it", async () => {
    const { change, writes, stored, coalescer } = setup({ latency: 50 });
    change(1);
    await vi.advanceTimersByTimeAsync(100);
    change(2);
    coalescer.dispose();
    const flushing = coalescer.flush();
    await vi.advanceTimersByTimeAsync(50);
    await flushing;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(writes).toEqual(["1"]);
    expect(stored()).toBe("1");
  });

  it("removes the key when read() gives null", async () => {
    const { writes, stored, coalescer, storage } = setup({ read: () => null });
    await storage.setItem("state", "old");
    writes.length = 0;
    coalescer.schedule();
    await coalescer.flush();
    expect(writes).toEqual([null]);
    expect(stored()).toBeNull();
  });

  it("reports a storage that throws or rejects to onError, and writes the next change", async () => {
    const memory = mapStorage();
    const failures = [
      () => {
        throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
      },
      () => Promise.reject(new Error("disk full")),
      // Not an Error: reported as one.
      () => Promise.reject("no space"),
    ];
    const storage: PersistStorage = { ...memory, setItem: (key, value) => (failures.shift() ?? memory.setItem)(key, value) };
    const { change, onError, coalescer } = setup({ storage });
    for (let i = 1; i <= 4; i++) {
      change(i);
      await coalescer.flush();
    }
    expect(onError.mock.calls.map(([error]) => [error instanceof Error, (error as Error).message])).toEqual([
      [true, "The quota has been exceeded."],
      [true, "disk full"],
      [true, "no space"],
    ]);
    expect(memory.getItem("state")).toBe("4");
  });

  it("reports a read() that throws and writes nothing for it", async () => {
    const { writes, onError, coalescer } = setup({
      read: () => {
        throw new TypeError("Converting circular structure to JSON");
      },
    });
    coalescer.schedule();
    await vi.advanceTimersByTimeAsync(100);
    expect(writes).toEqual([]);
    expect(onError).toHaveBeenCalledWith(new TypeError("Converting circular structure to JSON"));
  });

  it("survives an onError that throws, raising that error asynchronously", async () => {
    const memory = mapStorage();
    let failing = true;
    const storage: PersistStorage = {
      ...memory,
      setItem: (key, value) => {
        if (failing) throw new Error("write failed");
        memory.setItem(key, value);
      },
    };
    const { change, coalescer } = setup({
      storage,
      onError: () => {
        throw new Error("reporter broke");
      },
    });
    change(1);
    await coalescer.flush();
    await expect(vi.advanceTimersByTimeAsync(0)).rejects.toThrow("reporter broke");
    failing = false;
    change(2);
    await coalescer.flush();
    expect(memory.getItem("state")).toBe("2");
  });
});
