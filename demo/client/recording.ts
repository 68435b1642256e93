/**
 * The bug-report recording: the todos manager's events (`recordEvents` from
 * `mobx-tanstack-optimistic/devtools`) from the moment its panel makes the store, page load, and
 * the "Download recording" button's file. `replayEvents(JSON.parse(file))` rebuilds the todos the
 * page showed when the file was saved.
 */
import { observable, runInAction } from "mobx";
import { recordEvents, type EventRecording } from "mobx-tanstack-optimistic/devtools";
import { useEffect } from "react";
import type { AnyManager } from "./stores";

/** Events kept at most: the newest, older ones folded into the recording's starting snapshot. */
export const RECORDING_LIMIT = 2_000;

/** The recording of the todos manager now in use (a new one if the panel makes a new store). */
export const todoRecording = observable.box<EventRecording | undefined>(undefined, { deep: false });

/** Records `manager`'s events while the calling component is mounted, as {@link todoRecording}. */
export function useTodoRecording(manager: AnyManager): void {
  useEffect(() => {
    const recording = recordEvents(manager, { limit: RECORDING_LIMIT });
    runInAction(() => todoRecording.set(recording));
    return () => {
      recording.stop();
      runInAction(() => {
        if (todoRecording.get() === recording) todoRecording.set(undefined);
      });
    };
  }, [manager]);
}

const pad = (n: number) => String(n).padStart(2, "0");

/** `todos-recording-20250131-142501.json`: the local time it was saved. */
export function recordingFileName(date = new Date()): string {
  const day = `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}`;
  return `todos-recording-${day}-${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}.json`;
}

/** Saves the recording's events as a JSON file (the browser's download); returns how many there were. */
export function downloadRecording(recording: EventRecording): number {
  const events = recording.events;
  const url = URL.createObjectURL(new Blob([JSON.stringify(events)], { type: "application/json" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = recordingFileName();
  link.click();
  // Chromium has the file long before this; the URL is let go so that its data can be freed.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return events.length;
}
