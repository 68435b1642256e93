import type { OptimisticEvent } from "../core/shapes";
import { describeEvent, type EventSummary } from "./describeEvent";
import { el } from "./dom";
import type { FrameScheduler } from "./FrameScheduler";

/** How many events the timeline keeps (the newest). */
export const TIMELINE_LIMIT = 500;

interface Entry extends EventSummary {
  /** Its line, while shown. */
  node?: HTMLElement;
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");
const time = (at: number) => {
  const date = new Date(at);
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
};

/**
 * The live list of a manager's events, newest first. An event is described when it arrives (a
 * few short strings) and drawn in the next frame with the others of that frame; only the newest
 * {@link TIMELINE_LIMIT} are kept. The filter shows the events of the entity ids containing it.
 */
export class Timeline {
  readonly element: HTMLOListElement;
  readonly #doc: Document;
  readonly #scheduler: FrameScheduler;
  readonly #report: (error: unknown) => void;
  /** Oldest first. */
  #entries: Entry[] = [];
  /** Arrived since the last frame. */
  #incoming: Entry[] = [];
  /** Server ids that creates answered since the last frame, by temporary id: earlier lines learn them. */
  #aliases = new Map<string, string>();
  #filter = "";
  #redraw = false;

  constructor(doc: Document, scheduler: FrameScheduler, report: (error: unknown) => void) {
    this.#doc = doc;
    this.#scheduler = scheduler;
    this.#report = report;
    this.element = el(doc, "ol", { class: "timeline", "aria-live": "off" });
  }

  push(event: OptimisticEvent): void {
    const entry = describeEvent(event);
    // "create temp-… → 42 succeeded": the lines of temp-… are lines of 42 too (the filter finds them).
    if (event.type === "mutation" && entry.ids.length === 2) {
      this.#aliases.set(entry.ids[0] as string, entry.ids[1] as string);
      // No frame for long (a hidden tab): the lines of an older create are no longer among those kept.
      if (this.#aliases.size > TIMELINE_LIMIT) this.#aliases.delete(this.#aliases.keys().next().value!);
    }
    this.#incoming.push(entry);
    if (this.#incoming.length > TIMELINE_LIMIT) this.#incoming.splice(0, this.#incoming.length - TIMELINE_LIMIT);
    this.#scheduler.request(this.#render, this.#report);
  }

  /** Shows only the events of ids containing `filter`, lower case ("" shows all). */
  setFilter(filter: string): void {
    if (filter === this.#filter) return;
    this.#filter = filter;
    this.#redraw = true;
    this.#scheduler.request(this.#render, this.#report);
  }

  #matches(entry: Entry): boolean {
    return this.#filter === "" || entry.ids.some((id) => String(id).toLowerCase().includes(this.#filter));
  }

  #line(entry: Entry): HTMLElement {
    const node = el(
      this.#doc,
      "li",
      { class: `event ${entry.type}`, "data-type": entry.type, "data-detail": entry.detail, "data-ids": entry.ids.join(" "), title: entry.data || undefined },
      el(this.#doc, "time", {}, time(entry.at)),
      " ",
      el(this.#doc, "span", { class: "text" }, entry.text),
    );
    entry.node = node;
    return node;
  }

  readonly #render = () => {
    const incoming = this.#incoming;
    this.#incoming = [];
    const entries = this.#entries.concat(incoming);
    const dropped = entries.length > TIMELINE_LIMIT ? entries.splice(0, entries.length - TIMELINE_LIMIT) : [];
    this.#entries = entries;
    // Each answered create's server id joins the lines of its temporary id (redrawn when filtered).
    const aliases = this.#aliases;
    this.#aliases = new Map();
    for (const entry of aliases.size > 0 ? entries : []) {
      const id = aliases.get(entry.ids[0] as string);
      if (id === undefined || entry.ids.includes(id)) continue;
      entry.ids = entry.ids.concat(id);
      if (this.#filter !== "") this.#redraw = true;
    }
    if (this.#redraw) {
      this.#redraw = false;
      for (const entry of entries) entry.node = undefined;
      const fragment = this.#doc.createDocumentFragment();
      for (let i = entries.length - 1; i >= 0; i--) if (this.#matches(entries[i] as Entry)) fragment.append(this.#line(entries[i] as Entry));
      this.element.replaceChildren(fragment);
      return;
    }
    for (const entry of dropped) entry.node?.remove();
    const fragment = this.#doc.createDocumentFragment();
    // Newest first: the last to arrive goes on top. (What arrived is never dropped: at most the limit arrives.)
    for (let i = incoming.length - 1; i >= 0; i--) if (this.#matches(incoming[i] as Entry)) fragment.append(this.#line(incoming[i] as Entry));
    this.element.prepend(fragment);
  };
}
