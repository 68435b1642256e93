/**
 * Batches the panel's DOM work: a task requested any number of times before the next animation
 * frame runs once in it. A store that changes a thousand times between two frames costs the panel
 * one render of each part that changed. Internal to the devtools.
 */
export class FrameScheduler {
  readonly #view: Window | null;
  /** Each task waiting for the next frame, with what reports its error. */
  readonly #tasks = new Map<() => void, (error: unknown) => void>();
  #handle: number | undefined;
  #disposed = false;

  constructor(view: Window | null) {
    this.#view = view;
  }

  /** Runs `task` in the next frame (once, however often it is requested); a throw goes to `report`. */
  request(task: () => void, report: (error: unknown) => void): void {
    if (this.#disposed) return;
    this.#tasks.set(task, report);
    if (this.#handle !== undefined) return;
    const view = this.#view;
    // Without a window (a detached document) the work still happens, a frame's time later.
    this.#handle = view?.requestAnimationFrame ? view.requestAnimationFrame(this.#flush) : (setTimeout(this.#flush, 16) as unknown as number);
  }

  readonly #flush = () => {
    this.#handle = undefined;
    const tasks = [...this.#tasks];
    this.#tasks.clear();
    for (const [task, report] of tasks) {
      try {
        task();
      } catch (error) {
        report(error);
      }
    }
  };

  /** Drops the waiting tasks and the frame requested for them; later requests do nothing. */
  dispose(): void {
    this.#disposed = true;
    this.#tasks.clear();
    if (this.#handle === undefined) return;
    const view = this.#view;
    if (view?.cancelAnimationFrame) view.cancelAnimationFrame(this.#handle);
    else clearTimeout(this.#handle);
    this.#handle = undefined;
  }
}
