/**
 * Two tabs renaming one todo: which edit stands. The todos manager is created with `version` and
 * `conflict` (`createTodoStore({ conflict })`): every update sends the version it was made on as
 * `If-Match`, and the server answers an outdated one with 409 and the todo as it is now. The
 * sidebar's select picks what happens then; the choice is kept in localStorage.
 *
 * The manager gets one stable resolver ({@link TodoConflicts.resolve}) that does what the current
 * choice says, so changing it needs no new manager (nor a refetch): returning `null` is the
 * library's "server-wins", returning the change itself its "client-wins", and {@link mergeTodos}
 * a merge. Each settled conflict leaves a notice for its todo, shown above the rows.
 */
import { observable, runInAction } from "mobx";
import type { ConflictResolver } from "mobx-tanstack-optimistic";
import type { Todo } from "../../examples/basic-todo/TodoStore";
import { MAX_TITLE_LENGTH } from "../server/validation";
import { quote } from "./failures";

/** The strategies the page offers. */
export const STRATEGIES = {
  "server-wins": "Server wins: keep theirs",
  "client-wins": "Client wins: save mine over it",
  merge: "Merge: both titles, their checkbox",
} as const;

export type Strategy = keyof typeof STRATEGIES;

/** Where the choice is kept. */
export const STRATEGY_KEY = "mobx-tanstack-optimistic-demo:conflict-strategy";

const isStrategy = (value: unknown): value is Strategy => typeof value === "string" && Object.hasOwn(STRATEGIES, value);

/**
 * A three-way merge of a todo change made on `base` with the server's todo: a field only I
 * changed is mine; a title we both changed keeps both ("theirs / mine"); a checkbox we both
 * ticked is theirs. `null` (nothing left to send) is server-wins.
 */
export const mergeTodos: ConflictResolver<Todo> = ({ local, base, server }) => {
  const change: Partial<Todo> = {};
  if (local.title !== undefined) {
    const theirs = server.title !== base?.title && server.title !== local.title;
    change.title = theirs ? `${server.title} / ${local.title}`.slice(0, MAX_TITLE_LENGTH) : local.title;
  }
  if (local.completed !== undefined && server.completed === base?.completed) change.completed = local.completed;
  return Object.keys(change).length > 0 ? change : null;
};

/** What happened to a todo's change that met another tab's. */
export interface ConflictNotice {
  todoId: string;
  strategy: Strategy;
  text: string;
}

/** The strategy in use and the conflicts it settled (one notice per todo, the latest). */
export class TodoConflicts {
  readonly #strategy = observable.box<Strategy>("server-wins", { deep: false });
  readonly notices = observable.map<string, ConflictNotice>({}, { deep: false });
  readonly #storage: Pick<Storage, "getItem" | "setItem"> | undefined;

  constructor(storage?: Pick<Storage, "getItem" | "setItem">) {
    this.#storage = storage;
    const saved = storage?.getItem(STRATEGY_KEY);
    if (isStrategy(saved)) this.#strategy.set(saved);
  }

  get strategy(): Strategy {
    return this.#strategy.get();
  }

  setStrategy(strategy: Strategy): void {
    runInAction(() => this.#strategy.set(strategy));
    this.#storage?.setItem(STRATEGY_KEY, strategy);
  }

  dismiss(todoId: string): void {
    runInAction(() => this.notices.delete(todoId));
  }

  /** The todos manager's `conflict.resolve`: settles a 409 the way the current choice says. */
  readonly resolve: ConflictResolver<Todo> = (conflict) => {
    const strategy = this.strategy;
    const change = strategy === "server-wins" ? null : strategy === "client-wins" ? conflict.local : mergeTodos(conflict);
    const theirs = conflict.server.title;
    const text =
      change === null
        ? `Changed in another tab — kept theirs: ${quote(theirs)}.`
        : strategy === "client-wins"
          ? `Changed in another tab (${quote(theirs)}) — yours was saved over it.`
          : `Changed in another tab (${quote(theirs)}) — merged${change.title === undefined ? "" : `: ${quote(change.title)}`}.`;
    runInAction(() => this.notices.set(conflict.server.id, { todoId: conflict.server.id, strategy, text }));
    return change;
  };
}

/** The page's choice, kept in this browser's localStorage. */
export const todoConflicts = new TodoConflicts(typeof localStorage === "undefined" ? undefined : localStorage);
