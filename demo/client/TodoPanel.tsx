import { observer } from "mobx-react-lite";
import { useRef, useState, type KeyboardEvent } from "react";
import type { Todo } from "../../examples/basic-todo/TodoStore";
import { AddForm } from "./AddForm";
import { ClippedText } from "./ClippedText";
import { FailureList } from "./FailureList";
import { quote } from "./failures";
import { LiveBadge } from "./LiveBadge";
import { rowState, RowStateBadge } from "./RowState";
import { failures, todos } from "./stores";
import { TitleInput } from "./TitleInput";

/** The basic-todo example, live: create, toggle, rename (double-click) and delete, each shown before the server answers. */
export const TodoPanel = observer(function TodoPanel() {
  const { store, actions, status } = todos;

  return (
    <section className="panel" aria-labelledby="todos-title" data-testid="todos-panel">
      <header className="panel-head">
        <h2 id="todos-title">
          Todos <span className="count">{store.count}</span>
        </h2>
        {status.hasPendingMutations && <span className="badge busy">saving…</span>}
        <LiveBadge connected={todos.realtime?.isConnected ?? false} testId="todos-realtime-status" />
      </header>
      <p className="panel-note">Double-click a title to rename it. Open a second tab: every change shows there too.</p>
      <AddForm
        what="todo"
        placeholder="What needs doing?"
        button="Add"
        prefix="todo"
        onAdd={(title) => void failures.track("todos", `Adding ${quote(title)}`, actions.create({ title }))}
      />
      <FailureList panel="todos" testId="todo-error" />
      {status.isLoading && <p className="muted">Loading…</p>}
      {status.isError && <p className="failure">Could not load todos: {status.error?.message}</p>}
      <ul className="list" data-testid="todo-list">
        {store.list.map((todo) => (
          <TodoRow key={store.viewKey(todo.id)} todo={todo} />
        ))}
      </ul>
    </section>
  );
});

const TodoRow = observer(function TodoRow({ todo }: { todo: Todo }) {
  const { store, actions } = todos;
  const [draft, setDraft] = useState<string | null>(null);
  const [editHint, setEditHint] = useState<string | null>(null);
  // False once the edit is saved or cancelled: the blur that follows (the input goes away) must not save again.
  const editing = useRef(false);
  const pending = store.isPending(todo.id);
  const failure = failures.rowFailure("todos", todo.id);
  const state = rowState(pending, failure);

  const toggle = () =>
    void failures.track("todos", `${todo.completed ? "Reopening" : "Completing"} ${quote(todo.title)}`, actions.update({ id: todo.id, data: { completed: !todo.completed } }), todo.id);
  const remove = () => void failures.track("todos", `Deleting ${quote(todo.title)}`, actions.remove(todo.id), todo.id);
  const startEditing = () => {
    editing.current = true;
    setDraft(todo.title);
    setEditHint(null);
  };
  const stopEditing = () => {
    editing.current = false;
    setDraft(null);
    setEditHint(null);
  };
  const save = () => {
    if (!editing.current || draft === null) return;
    const text = draft.trim();
    if (text === "") {
      setEditHint("A title cannot be blank: type one, or press Escape to keep the old title.");
      return;
    }
    stopEditing();
    if (text === todo.title) return;
    void failures.track("todos", `Renaming ${quote(todo.title)} to ${quote(text)}`, actions.update({ id: todo.id, data: { title: text } }), todo.id);
  };
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === "Enter") {
      event.preventDefault();
      save();
    } else if (event.key === "Escape") {
      event.preventDefault();
      stopEditing();
    }
  };

  return (
    <li className={`row row-${state}`} data-testid="todo-item" data-pending={pending} data-state={state}>
      <input type="checkbox" className="check" checked={todo.completed} onChange={toggle} aria-label={`Done: ${todo.title.slice(0, 80)}`} data-testid="todo-toggle" />
      <div className="row-main">
        {draft === null ? (
          <span onDoubleClick={startEditing} className="row-title">
            <ClippedText text={todo.title} className={todo.completed ? "done" : ""} testId="todo-title" />
          </span>
        ) : (
          <>
            <TitleInput
              value={draft}
              onChange={(value) => {
                setDraft(value);
                setEditHint(null);
              }}
              onKeyDown={onKeyDown}
              onBlur={save}
              label={`Rename ${todo.title.slice(0, 80)}`}
              testId="todo-edit-input"
              autoFocus
            />
            {editHint && (
              <p className="hint" role="status" data-testid="todo-edit-hint">
                {editHint}
              </p>
            )}
          </>
        )}
        <RowStateBadge state={state} failure={failure} />
      </div>
      {draft === null && (
        <button type="button" className="icon" onClick={startEditing} aria-label={`Rename ${todo.title.slice(0, 80)}`} data-testid="todo-edit">
          ✎
        </button>
      )}
      <button type="button" className="icon danger" onClick={remove} aria-label={`Delete ${todo.title.slice(0, 80)}`} data-testid="todo-delete">
        ×
      </button>
    </li>
  );
});
