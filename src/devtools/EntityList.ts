import { autorun, reaction } from "mobx";
import type { OptimisticStore } from "../core/OptimisticStore";
import type { Entity, WriteStatus } from "../core/shapes";
import { el, listen } from "./dom";
import type { FrameScheduler } from "./FrameScheduler";
import { preview } from "./preview";

/** How many entities the list shows (the first of `store.list`, plus as many with changes). */
export const ENTITY_LIMIT = 200;
/** How many noted ids wait for a frame (none runs in a hidden tab) before those settled are dropped. */
const PRUNE_AT = 1000;

/** What the list needs of its manager. */
export interface EntityListSource {
  store: OptimisticStore<Entity>;
  /** The id an entity has now (a temporary id answered gives its server id). */
  resolve(id: string): string;
  report(error: unknown): void;
}

interface Row {
  readonly node: HTMLLIElement;
  /** Shown for its changes, not for its place in `store.list`. */
  pinned: boolean;
  readonly render: () => void;
  readonly dispose: () => void;
}

/** "create, update ×2": the kinds in order, repeats counted. */
function kinds(pending: readonly string[]): string {
  const parts: string[] = [];
  for (let i = 0; i < pending.length; ) {
    let j = i;
    while (pending[j] === pending[i]) j++;
    parts.push(j - i > 1 ? `${pending[i]} ×${j - i}` : (pending[i] as string));
    i = j;
  }
  return parts.join(", ");
}

/** The element focused in `node`'s document or shadow root. */
const focusedNear = (node: Node) => (node.getRootNode() as Document | ShadowRoot).activeElement;

function describeStatus(status: WriteStatus): string {
  const fields = status.fields.length > 0 ? ` (${status.fields.join(", ")})` : "";
  const pending = status.pending.length > 0 ? `pending ${kinds(status.pending)}` : "";
  return [pending, status.failed ? "failed" : ""].filter(Boolean).join(" · ") + fields;
}

/**
 * A manager's entities with their write status. Rows are kept per id and each redraws alone when
 * its entity or its write status changes (a MobX reaction per row); the list itself is redrawn at
 * most once a frame after `store.list` changes. It shows the first {@link ENTITY_LIMIT} entities
 * (matching the filter), and above them those with changes in flight or kept failed that are not
 * among them, so a change on the 10,000th entity is still in view.
 */
export class EntityList {
  readonly element: HTMLElement;
  readonly #doc: Document;
  readonly #source: EntityListSource;
  readonly #scheduler: FrameScheduler;
  readonly #count: HTMLElement;
  readonly #list: HTMLUListElement;
  readonly #note: HTMLElement;
  readonly #rows = new Map<string, Row>();
  /** Ids that had a change since they were last seen without one. */
  readonly #changed = new Set<string>();
  /** How many of them may wait for a frame before the settled ones are dropped. */
  #pruneAt = PRUNE_AT;
  readonly #disposers: (() => void)[] = [];
  #filter = "";

  constructor(doc: Document, source: EntityListSource, scheduler: FrameScheduler, changed: Iterable<string>) {
    this.#doc = doc;
    this.#source = source;
    this.#scheduler = scheduler;
    this.#count = el(doc, "span", { class: "count" });
    this.#list = el(doc, "ul", { class: "entities", tabindex: "-1" });
    this.#note = el(doc, "p", { class: "note", hidden: "" });
    this.element = el(doc, "div", {}, el(doc, "h3", {}, "Entities ", this.#count), this.#list, this.#note);
    for (const id of changed) this.#changed.add(id);
    let drawn = false;
    this.#disposers.push(
      listen(this.#list, "click", this.#onClick),
      // Reading the length observes every change of the array (one atom): the redraw is scheduled, not done here.
      autorun(
        () => {
          void source.store.list.length;
          if (drawn) this.#request();
        },
        { onError: source.report },
      ),
    );
    // Drawn at once, so the panel is complete when mountDevtools returns.
    this.#render();
    drawn = true;
  }

  /** An entity got a change: keep it in view until it has none. */
  noteChange(id: string): void {
    this.#changed.add(id);
    // No frame for long (a hidden tab) prunes them: the ids whose changes have settled go now and then.
    if (this.#changed.size > this.#pruneAt) {
      for (const noted of [...this.#changed]) if (!this.#source.store.writeStatus(this.#source.resolve(noted))) this.#changed.delete(noted);
      this.#pruneAt = Math.max(PRUNE_AT, this.#changed.size * 2);
    }
    this.#request();
  }

  /** Shows only the entities whose id contains `filter`, lower case ("" shows all). */
  setFilter(filter: string): void {
    this.#filter = filter;
    this.#request();
  }

  dispose(): void {
    for (const dispose of this.#disposers.splice(0)) dispose();
    for (const row of this.#rows.values()) row.dispose();
    this.#rows.clear();
  }

  #request(): void {
    this.#scheduler.request(this.#render, this.#source.report);
  }

  #matches(id: string): boolean {
    // String(): a number the server used as an id is kept as it came.
    return this.#filter === "" || String(id).toLowerCase().includes(this.#filter);
  }

  readonly #onClick = (event: Event) => {
    const button = (event.target as Element | null)?.closest?.("button[data-action]");
    const id = button?.closest("li[data-id]")?.getAttribute("data-id");
    if (!button || id == null) return;
    const status = this.#source.store.writeStatus(id);
    if (!status?.failed) return;
    // A retry that fails again stays failed, in view: its rejection has nothing more to say here.
    if (button.getAttribute("data-action") === "retry") status.retry().catch(() => undefined);
    else status.discard();
  };

  readonly #render = () => {
    const { store } = this.#source;
    const all = store.list;
    const shown: string[] = [];
    let matched = all.length;
    if (this.#filter === "") for (const entity of all.slice(0, ENTITY_LIMIT)) shown.push(entity.id);
    else {
      matched = 0;
      for (const entity of all.slice()) {
        if (!this.#matches(entity.id)) continue;
        matched++;
        if (shown.length < ENTITY_LIMIT) shown.push(entity.id);
      }
    }
    const inView = new Set(shown);
    const pinned: string[] = [];
    for (const noted of [...this.#changed]) {
      this.#changed.delete(noted);
      const id = this.#source.resolve(noted);
      if (!store.writeStatus(id)) continue;
      this.#changed.add(id);
      if (!inView.has(id) && this.#matches(id) && pinned.length < ENTITY_LIMIT) {
        pinned.push(id);
        inView.add(id);
      }
    }
    const order = pinned.concat(shown);
    const wanted = new Set(order);
    /** The place of a row that leaves with the focus in it (Discard of a failed create): the row there next takes it. */
    let focusAt = -1;
    for (const [id, row] of this.#rows) {
      if (wanted.has(id)) continue;
      if (row.node.contains(focusedNear(row.node))) focusAt = Array.prototype.indexOf.call(this.#list.children, row.node);
      row.dispose();
      row.node.remove();
      this.#rows.delete(id);
    }
    let cursor = this.#list.firstChild;
    order.forEach((id, index) => {
      const row = this.#rows.get(id) ?? this.#row(id);
      row.pinned = index < pinned.length;
      row.node.classList.toggle("pinned", row.pinned);
      if (row.node === cursor) cursor = cursor.nextSibling;
      else this.#list.insertBefore(row.node, cursor);
    });
    if (focusAt >= 0) ((this.#list.children[Math.min(focusAt, order.length - 1)] ?? this.#list) as HTMLElement).focus();
    this.#count.textContent = `(${all.length}${this.#filter === "" ? "" : `, ${matched} matching`})`;
    this.#note.hidden = matched <= shown.length;
    this.#note.textContent = `Showing the first ${shown.length} of ${matched}; filter by id to find more.`;
  };

  #row(id: string): Row {
    const doc = this.#doc;
    const { store, report } = this.#source;
    const status = el(doc, "span", { class: "write" });
    const failure = el(doc, "div", { class: "failure", hidden: "" });
    const error = el(doc, "span", { class: "error" });
    failure.append(
      error,
      el(doc, "button", { type: "button", "data-action": "retry", "aria-label": `Retry the failed changes of ${id}` }, "Retry"),
      el(doc, "button", { type: "button", "data-action": "discard", "aria-label": `Discard the failed changes of ${id}` }, "Discard"),
    );
    const previewNode = el(doc, "div", { class: "preview" });
    const node = el(doc, "li", { class: "entity", "data-id": id, tabindex: "-1" }, el(doc, "div", { class: "line" }, el(doc, "code", { class: "id" }, id), status), previewNode, failure);
    const row: Row = {
      node,
      pinned: false,
      render: () => {
        const entity = store.get(id);
        const write = store.writeStatus(id);
        node.setAttribute("data-state", write?.failed ? "failed" : write ? "pending" : entity ? "confirmed" : "gone");
        status.textContent = write ? describeStatus(write) : entity ? "confirmed" : "gone";
        previewNode.textContent = entity ? preview(entity) : write ? "(hidden until its changes settle)" : "(not in the store)";
        // Retry or Discard pressed from the keyboard hides its own button: the focus stays on the row, not on <body>.
        if (!write?.failed && failure.contains(focusedNear(node))) node.focus();
        failure.hidden = !write?.failed;
        error.textContent = write?.error ? write.error.message : "";
        // A pinned row leaves the list once its changes are settled.
        if (row.pinned && !write) this.#request();
      },
      dispose: reaction(
        () => [store.get(id), store.writeStatus(id)],
        () => this.#scheduler.request(row.render, report),
        { onError: report },
      ),
    };
    row.render();
    this.#rows.set(id, row);
    return row;
  }
}
