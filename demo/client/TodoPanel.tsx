import { observer } from "mobx-react-lite";
import { useState, type FormEvent } from "react";
import type { Todo } from "../../examples/basic-todo/TodoStore";
import { describeFailure, ErrorBanner } from "./ErrorBanner";
import { todos } from "./stores";

/** The basic-todo example: create, toggle and delete, each shown before the server answers. */
export const TodoPanel = observer(function TodoPanel() {
  const [title, setTitle] = useState("");
  const [error, setError] = useState<string | null>(null);
  const { store, actions, status } = todos;

  // An action's promise rejects after the store has rolled the change back: just say so.
  const report = (what: string) => (failure: unknown) => setError(describeFailure(what, failure));

  const add = (event: FormEvent) => {
    event.preventDefault();
    const text = title.trim();
    if (!text) return;
    setTitle("");
    actions.create({ title: text }).catch(report(`Adding "${text}"`));
  };
  const toggle = (todo: Todo) =>
    actions.update({ id: todo.id, data: { completed: !todo.completed } }).catch(report(`Changing "${todo.title}"`));
  const remove = (todo: Todo) => actions.remove(todo.id).catch(report(`Deleting "${todo.title}"`));

  return (
    <section className="panel" aria-labelledby="todos-title">
      <h2 id="todos-title">
        Todos <small>{store.count}</small>
        {status.hasPendingMutations && <span className="badge">saving…</span>}
      </h2>
      <form onSubmit={add} className="row">
        <input
          data-testid="todo-input"
          value={title}
          onChange={(event) => setTitle(event.target.value)}
          placeholder="What needs doing?"
          aria-label="New todo"
        />
        <button type="submit" data-testid="todo-add">
          Add
        </button>
      </form>
      <ErrorBanner message={error} onDismiss={() => setError(null)} testId="todo-error" />
      {status.isLoading && <p>Loading…</p>}
      {status.isError && <p className="error">Could not load todos: {status.error?.message}</p>}
      <ul className="list" data-testid="todo-list">
        {store.list.map((todo) => (
          <li key={store.viewKey(todo.id)} data-testid="todo-item" data-pending={store.isPending(todo.id)} className={store.isPending(todo.id) ? "pending" : ""}>
            <label>
              <input type="checkbox" checked={todo.completed} onChange={() => void toggle(todo)} data-testid="todo-toggle" />
              <span className={todo.completed ? "done" : ""} data-testid="todo-title">
                {todo.title}
              </span>
            </label>
            <button type="button" onClick={() => void remove(todo)} aria-label={`Delete ${todo.title}`} data-testid="todo-delete">
              ×
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
});
