import { kindOf, OptimisticError } from "../core/errors";
import { el } from "./dom";
import { FrameScheduler } from "./FrameScheduler";
import { ManagerPanel } from "./ManagerPanel";
import { panelStyles } from "./panelStyles";
import { internalsOf, type DevtoolsManager } from "./recordEvents";

/**
 * Mounts the devtools panel in `target`: for each manager, its entities with their write status
 * (pending kinds and fields; failed ones with Retry and Discard), the query status, the pending
 * counts, the realtime connection, and a live timeline of its events, filterable by entity id. Plain
 * DOM in an open shadow root (no framework, no global CSS), so it works in any page. Returns the
 * function that unmounts it, removing everything it added (calling it again does nothing).
 *
 * @example
 * const unmount = mountDevtools(document.getElementById("devtools-root")!, [todos]);
 */
export function mountDevtools(target: HTMLElement, managers: readonly DevtoolsManager[]): () => void {
  if (target === null || typeof target !== "object" || (target as Partial<Node>).nodeType !== 1 || typeof target.attachShadow !== "function") {
    throw new OptimisticError(`mountDevtools(target, managers): target must be an HTML element to mount the panel in (got ${kindOf(target)}).`);
  }
  if (!Array.isArray(managers)) {
    throw new OptimisticError(`mountDevtools(target, managers): managers must be an array of managers made by createOptimisticStoreManager (got ${kindOf(managers)}).`);
  }
  const internals = managers.map((manager, index) => internalsOf(manager, `mountDevtools: managers[${index}]`));
  const doc = target.ownerDocument;
  const host = el(doc, "div", { "data-mobx-tanstack-optimistic-devtools": "" });
  const root = host.attachShadow({ mode: "open" });
  const scheduler = new FrameScheduler(doc.defaultView);
  const panels: ManagerPanel[] = [];
  try {
    managers.forEach((manager, index) => panels.push(new ManagerPanel(doc, manager, internals[index]!, scheduler)));
  } catch (error) {
    scheduler.dispose();
    for (const part of panels) part.dispose();
    throw error;
  }
  const panel = el(doc, "div", { class: "panel" }, ...(panels.length > 0 ? panels.map((part) => part.element) : ["No managers given."]));
  root.append(el(doc, "style", {}, panelStyles), panel);
  target.append(host);

  let mounted = true;
  return () => {
    if (!mounted) return;
    mounted = false;
    scheduler.dispose();
    for (const part of panels) part.dispose();
    host.remove();
  };
}
