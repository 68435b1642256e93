import { reaction } from "mobx";
import type { ManagerInternals } from "../core/eventLog";
import type { DevtoolsManager } from "./recordEvents";
import { el, listen } from "./dom";
import { EntityList } from "./EntityList";
import type { FrameScheduler } from "./FrameScheduler";
import { TIMELINE_LIMIT, Timeline } from "./Timeline";

const KINDS = ["create", "update", "remove"] as const;

/**
 * One manager's section of the panel: its name, query status, pending counts and realtime state,
 * a filter by entity id, its entities and the timeline of its events. Everything it starts (the
 * event log tap, MobX reactions, the mutation cache subscription, DOM listeners) `dispose()` stops.
 */
export class ManagerPanel {
  readonly element: HTMLElement;
  readonly #disposers: (() => void)[] = [];

  constructor(doc: Document, manager: DevtoolsManager, { ctx, events, counts }: ManagerInternals, scheduler: FrameScheduler) {
    const { name, store, layers } = ctx;
    const report = (error: unknown) => ctx.reporter.error(error, { source: "store" });
    const status = el(doc, "div", { class: "status", role: "status" });
    const filter = el(doc, "input", { type: "search", class: "filter", placeholder: "Filter by id", "aria-label": `Filter ${name} by entity id` });
    // Entities with changes in flight (or kept failed) when the panel opens stay in view like later
    // ones: the visible ones, and the confirmed ones a pending remove hides (one scan, at mount).
    const ids = new Set([...store.list, ...layers.confirmedEntities()].map((entity) => entity.id));
    const changed = [...ids].filter((id) => store.writeStatus(id) !== undefined);
    const entities = new EntityList(doc, { store, resolve: (id) => layers.resolve(id), report }, scheduler, changed);
    const timeline = new Timeline(doc, scheduler, report);
    this.element = el(
      doc,
      "details",
      { class: "manager", open: "", "data-manager": name },
      el(doc, "summary", {}, el(doc, "h2", {}, name)),
      status,
      filter,
      entities.element,
      el(doc, "h3", {}, "Timeline ", el(doc, "span", { class: "count" }, `(newest first, last ${TIMELINE_LIMIT})`)),
      timeline.element,
    );

    const renderStatus = () => {
      const s = manager.status;
      const query = s.isLoading ? "loading" : s.isSyncing ? "syncing" : s.isError ? "error" : "idle";
      const inFlight = KINDS.map((kind) => [kind, counts[kind]] as const).filter(([, count]) => count > 0);
      const realtime = manager.realtime ? (manager.realtime.isConnected ? "connected" : "disconnected") : "off";
      status.replaceChildren(
        el(doc, "span", { "data-query": query }, `query: ${query}${s.isError && s.error ? ` (${s.error.message})` : ""}`),
        el(doc, "span", { "data-pending": String(inFlight.reduce((sum, [, count]) => sum + count, 0)) }, `in flight: ${inFlight.length === 0 ? "none" : inFlight.map(([kind, count]) => `${count} ${kind}`).join(", ")}`),
        el(doc, "span", { "data-failed": String(s.failedCount) }, `failed: ${s.failedCount}`),
        el(doc, "span", { "data-realtime": realtime }, `realtime: ${realtime}`),
      );
    };
    renderStatus();
    const requestStatus = () => scheduler.request(renderStatus, report);

    this.#disposers.push(
      reaction(
        () => {
          const s = manager.status;
          return [s.isLoading, s.isSyncing, s.isError, s.error, s.failedCount, counts.create, counts.update, counts.remove, manager.realtime?.isConnected];
        },
        requestStatus,
        { onError: report },
      ),
      events.tap((event) => {
        // The panel's own failure is reported like its redraws', not raised in the store's action.
        try {
          timeline.push(event);
          if (event.type === "mutation") entities.noteChange(event.id);
        } catch (error) {
          report(error);
        }
      }),
      listen(filter, "input", () => {
        const text = filter.value.trim().toLowerCase();
        entities.setFilter(text);
        timeline.setFilter(text);
      }),
      () => entities.dispose(),
    );
  }

  dispose(): void {
    for (const dispose of this.#disposers.splice(0)) dispose();
  }
}
