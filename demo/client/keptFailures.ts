import { computed, makeObservable, observable, runInAction } from "mobx";
import type { WriteStatus } from "mobx-tanstack-optimistic";
import type { Todo, TodoStore } from "../../examples/basic-todo/TodoStore";
import { messageOf, quote } from "./failures";

/** A refused todo change kept on screen, as the failure list shows it. */
export interface KeptFailure {
  id: string;
  /** `Completing "Buy milk" failed: The server refused the change`. */
  text: string;
  status: WriteStatus;
}

/** What the refused change was, told from its write status and what the row shows now. */
export function describeChange(todo: Todo | undefined, deletedTitle: string, status: WriteStatus): string {
  if (!todo) return `Deleting ${quote(deletedTitle)}`;
  const fields = new Set(status.fields);
  if (fields.size === 0) return `Adding ${quote(todo.title)}`;
  if (fields.size === 1 && fields.has("title")) return `Renaming to ${quote(todo.title)}`;
  if (fields.size === 1 && fields.has("completed")) return `${todo.completed ? "Completing" : "Reopening"} ${quote(todo.title)}`;
  return `Changing ${quote(todo.title)}`;
}

/**
 * The todos whose refused changes are kept (`keepFailed: true`): every entity whose
 * `store.writeStatus(id).failed` is true, so the list and the rows' marks always agree and
 * `status.failedCount` counts the same entities. Nothing here records failures: a change leaves
 * the list when the library says it is no longer failed (retried, or discarded by Undo).
 *
 * The one thing remembered is the title of each todo this tab deletes, until the delete is settled:
 * a refused delete keeps its todo hidden (`store.get(id)` is undefined), and its entry must still
 * say which todo it was.
 */
export class KeptFailures {
  readonly #todos: TodoStore;
  readonly #deleting = observable.map<string, string>({}, { deep: false });

  constructor(todos: TodoStore) {
    this.#todos = todos;
    makeObservable(this, { items: computed });
  }

  /** Failed changes: visible rows in list order, then refused deletes. */
  get items(): KeptFailure[] {
    const { store } = this.#todos;
    const items: KeptFailure[] = [];
    const add = (id: string, todo: Todo | undefined, deletedTitle: string) => {
      const status = store.writeStatus(id);
      if (status?.failed) items.push({ id, status, text: `${describeChange(todo, deletedTitle, status)} failed: ${messageOf(status.error)}` });
    };
    for (const todo of store.list) add(todo.id, todo, todo.title);
    for (const [id, title] of this.#deleting) if (!store.get(id)) add(id, undefined, title);
    return items;
  }

  /** Deletes `todo`; a refused delete stays listed (by its title) until Retry or Undo. */
  remove(todo: Todo): Promise<void> {
    runInAction(() => this.#deleting.set(todo.id, todo.title));
    return this.#settle(todo.id, this.#todos.actions.remove(todo.id));
  }

  retry(item: KeptFailure): Promise<void> {
    return this.#settle(item.id, item.status.retry());
  }

  undo(item: KeptFailure): void {
    item.status.discard();
    this.#forget(item.id);
  }

  retryAll(): Promise<void> {
    return Promise.all(this.items.map((item) => this.retry(item))).then(() => undefined);
  }

  undoAll(): void {
    for (const item of this.items) this.undo(item);
  }

  /** Forgets a deleted title once its delete went through; a refusal is shown by the write status, so it is not an error here. */
  #settle(id: string, change: Promise<unknown>): Promise<void> {
    return change.then(
      () => this.#forget(id),
      () => undefined,
    );
  }

  #forget(id: string): void {
    if (this.#deleting.has(id)) runInAction(() => this.#deleting.delete(id));
  }
}
