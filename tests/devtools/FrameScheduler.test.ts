import { afterEach, describe, expect, it, vi } from "vitest";
import { FrameScheduler } from "../../src/devtools/FrameScheduler";

afterEach(() => {
  vi.useRealTimers();
});

/** A window whose animation frames the test runs by hand. */
function fakeWindow() {
  const frames = new Map<number, FrameRequestCallback>();
  let next = 0;
  const view = {
    requestAnimationFrame: (callback: FrameRequestCallback) => (frames.set(++next, callback), next),
    cancelAnimationFrame: (handle: number) => void frames.delete(handle),
  } as unknown as Window;
  const runFrame = () => {
    const callbacks = [...frames.values()];
    frames.clear();
    for (const callback of callbacks) callback(0);
  };
  return { view, frames, runFrame };
}

describe("FrameScheduler", () => {
  it("runs a task requested many times once, in the next frame", () => {
    const { view, frames, runFrame } = fakeWindow();
    const scheduler = new FrameScheduler(view);
    const task = vi.fn();
    const other = vi.fn();
    for (let i = 0; i < 1000; i++) scheduler.request(task, vi.fn());
    scheduler.request(other, vi.fn());
    expect(frames.size).toBe(1);
    expect(task).not.toHaveBeenCalled();
    runFrame();
    expect(task).toHaveBeenCalledTimes(1);
    expect(other).toHaveBeenCalledTimes(1);
    scheduler.request(task, vi.fn());
    runFrame();
    expect(task).toHaveBeenCalledTimes(2);
  });

  it("reports a throwing task to its own reporter and runs the others", () => {
    const { view, runFrame } = fakeWindow();
    const scheduler = new FrameScheduler(view);
    const report = vi.fn();
    const after = vi.fn();
    const error = new Error("render failed");
    scheduler.request(() => {
      throw error;
    }, report);
    scheduler.request(after, vi.fn());
    runFrame();
    expect(report).toHaveBeenCalledWith(error);
    expect(after).toHaveBeenCalledTimes(1);
  });

  it("cancels its frame on dispose and ignores later requests", () => {
    const { view, frames } = fakeWindow();
    const scheduler = new FrameScheduler(view);
    const task = vi.fn();
    scheduler.request(task, vi.fn());
    scheduler.dispose();
    expect(frames.size).toBe(0);
    scheduler.request(task, vi.fn());
    expect(frames.size).toBe(0);
    scheduler.dispose();
  });

  it("uses a timer where there is no window", () => {
    vi.useFakeTimers();
    const scheduler = new FrameScheduler(null);
    const task = vi.fn();
    scheduler.request(task, vi.fn());
    vi.advanceTimersByTime(16);
    expect(task).toHaveBeenCalledTimes(1);
    scheduler.request(task, vi.fn());
    scheduler.dispose();
    vi.advanceTimersByTime(100);
    expect(task).toHaveBeenCalledTimes(1);
  });
});
