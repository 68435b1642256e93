import { makeAutoObservable } from "mobx";

/** Longest piece of user text a message quotes. */
export const QUOTE_LENGTH = 80;
/** Longest server message shown. */
const MESSAGE_LENGTH = 300;
/** Failures kept per panel (the oldest go first). */
const KEPT = 20;

/** At most `max` characters of `text`, "…" when cut: a 1 MB title is quoted by its start. */
export function excerpt(text: string, max = QUOTE_LENGTH): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** `"Buy milk"`, or its first 80 characters and "…". */
export function quote(text: string): string {
  return `"${excerpt(text)}"`;
}

/** Where a rolled-back change is listed. The todos keep theirs on screen instead (write status, `keptFailures.ts`). */
export type Panel = "posts" | "grid" | "server";

export interface Failure {
  id: number;
  panel: Panel;
  /** "Adding "Buy milk" was rolled back: the server refused the change". */
  text: string;
  /** The entity whose change failed, so its row can show it. */
  entityId?: string;
  at: Date;
}

/**
 * Every change that failed and was rolled back (the library's default, `keepFailed: false`), per
 * panel, until the user dismisses it: two failures show as two entries, not the last one only. A
 * row shows "rolled back" while a failure of its own is listed and no newer change of it has
 * started. The todo panel needs none of this: its failed changes stay in the store, and the write
 * status says which they are.
 */
export class FailureLog {
  items: Failure[] = [];
  /** When the latest change of each entity (`panel:id`) started: a newer change clears its "rolled back" mark. */
  startedAt = new Map<string, number>();
  #nextId = 1;

  constructor() {
    makeAutoObservable(this);
  }

  /** Runs an action's promise; a rejection is listed as "<what> was rolled back: <why>". */
  track<T>(panel: Panel, what: string, promise: Promise<T>, entityId?: string): Promise<T | undefined> {
    if (entityId !== undefined) this.startedAt.set(`${panel}:${entityId}`, Date.now());
    return promise.catch((error: unknown) => {
      this.report(panel, `${what} was rolled back: ${messageOf(error)}`, entityId);
      return undefined;
    });
  }

  report(panel: Panel, text: string, entityId?: string): void {
    const failure: Failure = { id: this.#nextId++, panel, text, at: new Date(), ...(entityId !== undefined && { entityId }) };
    const mine = this.items.filter((item) => item.panel === panel);
    const dropped = mine.length >= KEPT ? mine[0]!.id : undefined;
    this.items = [...this.items.filter((item) => item.id !== dropped), failure];
  }

  of(panel: Panel): Failure[] {
    return this.items.filter((item) => item.panel === panel);
  }

  /** The listed failure of the panel's `entityId` newer than its latest change, if any. */
  rowFailure(panel: Panel, entityId: string): Failure | undefined {
    const started = this.startedAt.get(`${panel}:${entityId}`) ?? 0;
    for (let i = this.items.length - 1; i >= 0; i--) {
      const item = this.items[i]!;
      if (item.panel === panel && item.entityId === entityId) return item.at.getTime() >= started ? item : undefined;
    }
    return undefined;
  }

  dismiss(id: number): void {
    this.items = this.items.filter((item) => item.id !== id);
  }

  dismissAll(panel: Panel): void {
    this.items = this.items.filter((item) => item.panel !== panel);
  }
}

/** An error's message, cut to a readable length. */
export function messageOf(error: unknown): string {
  return excerpt(error instanceof Error ? error.message : String(error), MESSAGE_LENGTH);
}
