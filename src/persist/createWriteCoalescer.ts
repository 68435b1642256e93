import { toError } from "../core/errors";

/** What `createWriteCoalescer` needs from its owner (the manager's persistence part). */
export interface WriteCoalescerOptions {
  /** Stores `value` (`null`: removes it); may be async. */
  write: (value: string | null) => void | Promise<void>;
  /** The value to store now, read when a write starts (so it is always the latest); `null` removes the key. */
  read: () => string | null;
  /** Receives every failure of `read` or of the storage; a write that fails is not retried until the next change. */
  onError: (error: Error) => void;
  /** Milliseconds between a change and the write that carries it, and between two writes (default 100). */
  delay?: number;
}

/** Coalesced writes of one value: many changes, few writes. */
export interface WriteCoalescer {
  /** Records that the value changed: a write follows within `delay` ms, carrying this change and every later one made before it starts. */
  schedule(): void;
  /** Writes every change scheduled so far now, and resolves once they are stored (or failed: it never rejects). */
  flush(): Promise<void>;
  /** Stops: no write starts after this (one already under way finishes); `schedule` does nothing and `flush` only waits for that write. */
  dispose(): void;
}

/**
 * Turns a burst of changes into a few writes of one stored value: at most one write in flight, a
 * write at most every `delay` ms, and the value read when the write starts, so the latest always
 * wins and the last change is always written (unless disposed first).
 *
 * Internal: the manager's persistence uses it; not exported from the package.
 */
export function createWriteCoalescer({ write: store, read, onError, delay = 100 }: WriteCoalescerOptions): WriteCoalescer {
  /** Changes scheduled so far, and how many of them the last started write carries. */
  let changes = 0;
  let started = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let writing: Promise<void> | undefined;
  let disposed = false;

  const report = (error: unknown): void => {
    try {
      onError(toError(error));
    } catch (failure) {
      // The reporter itself failed: surface that, without breaking the write loop.
      setTimeout(() => {
        throw failure;
      }, 0);
    }
  };

  const cancelTimer = (): void => {
    clearTimeout(timer);
    timer = undefined;
  };

  const arm = (): void => {
    if (timer === undefined && !disposed && !writing && changes > started) timer = setTimeout(write, delay);
  };

  function write(): void {
    cancelTimer();
    if (disposed || writing || changes === started) return;
    started = changes;
    writing = (async () => {
      try {
        await store(read());
      } catch (error) {
        report(error);
      }
    })().then(() => {
      writing = undefined;
      // Changes made while writing: the next write, `delay` ms from now.
      arm();
    });
  }

  return {
    schedule() {
      if (disposed) return;
      changes++;
      arm();
    },
    async flush() {
      const target = changes;
      while (writing || (!disposed && started < target)) {
        if (writing) await writing;
        else write();
      }
    },
    dispose() {
      disposed = true;
      cancelTimer();
    },
  };
}
