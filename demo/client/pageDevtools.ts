/**
 * The devtools panel on the page's stores: `mountDevtools` (from `mobx-tanstack-optimistic/devtools`)
 * with the managers listed in `pageStores`, mounted again whenever that list changes (a panel
 * mounting, unmounting or making a new store), so it never shows a destroyed manager.
 */
import { reaction } from "mobx";
import { mountDevtools } from "mobx-tanstack-optimistic/devtools";
import type { AnyManager, PageStore } from "./stores";

/** The panels' order on the page: the devtools list their stores in it, whatever order they were mounted in. */
export const PANEL_ORDER: readonly string[] = ["todos", "posts", "checkboxes"];

const rank = (name: string) => (PANEL_ORDER.includes(name) ? PANEL_ORDER.indexOf(name) : PANEL_ORDER.length);

/** The managers of `stores`, in the panels' order (others after them, as listed). */
export const inPanelOrder = (stores: readonly PageStore[]): AnyManager[] =>
  [...stores].sort((a, b) => rank(a.name) - rank(b.name)).map(({ manager }) => manager);

const sameManagers = (a: readonly AnyManager[], b: readonly AnyManager[]) => a.length === b.length && a.every((manager, i) => manager === b[i]);

/**
 * Mounts the devtools panel in `target` for the managers of `stores` (an observable list), and
 * mounts it again, with the managers then listed, each time they change. Returns the function that
 * unmounts it and stops following the list.
 */
export function mountPageDevtools(target: HTMLElement, stores: readonly PageStore[]): () => void {
  let unmount: (() => void) | undefined;
  const stop = reaction(
    () => inPanelOrder(stores),
    (managers) => {
      unmount?.();
      unmount = mountDevtools(target, managers);
    },
    { fireImmediately: true, equals: sameManagers },
  );
  return () => {
    stop();
    unmount?.();
    unmount = undefined;
  };
}
