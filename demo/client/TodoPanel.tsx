import { observer } from "mobx-react-lite";
import { useOptimisticStore } from "mobx-tanstack-optimistic/react";
import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import type { Todo, TodoStore } from "../../examples/basic-todo/TodoStore";
import { AddForm } from "./AddForm";
import { ClippedText } from "./ClippedText";
import { ConflictNotices } from "./ConflictNotices";
import { KeptFailureList } from "./FailureList";
import { KeptFailures } from "./keptFailures";
import { LiveBadge } from "./LiveBadge";
import { useTodoRecording } from "./recording";
import { WriteStatusMark, writeState } from "./RowState";
import { createTodos, usePageStore } from "./stores";
import { TitleInput } from "./TitleInput";

/** A refused change is shown by its write status (row mark and failure list); its rejected promise needs no handling of its own. */
const shownByWriteStatus = () => undefined;

/** False until `manager.ready` resolves: what IndexedDB held is on screen from then on. */
function useRestored(todos: TodoStore): boolean {
  const [restored, setRestored] = useState(false);
  useEffect(() => {
    let current = true;
    setRestored(false);
    // ready never rejects: a storage that fails is reported, and the store loads from the server.
    void todos.ready.then(() => current && setRestored(true));
    return () => {
      current = false;
    };
  }, [todos]);
  return restored;
}

/** "3 changes queued": the changes waiting for the network (`status.queuedCount`), and when they go. */
const QueuedNote = observer(function QueuedNote({ todos }: { todos: TodoStore }) {
  const { queuedCount, isOnline } = todos.status;
  if (queuedCount === 0) return null;
  const changes = queuedCount === 1 ? "1 change" : `${queuedCount} changes`;
  return (
    <p className="queued-note" role="status" data-testid="todo-queued" title="status.queuedCount: changes made offline, kept in IndexedDB until the server has them">
      {isOnline ? `Sending ${changes} made offline…` : `${changes} queued — will be sent when back online`}
    </p>
  );
});

/**
 * The basic-todo example, live: create, toggle, rename (double-click) and delete, each shown before
 * the server answers. The panel owns its store (`useOptimisticStore`); a refused change stays on
 * its row, marked failed, until Retry or Undo. The todos and the changes not answered yet are kept
 * in IndexedDB: a reload shows them once `ready` resolves, and sends what was queued offline.
 */
export const TodoPanel = observer(function TodoPanel() {
  const todos = useOptimisticStore(createTodos);
  usePageStore("todos", todos, { live: true });
  useTodoRecording(todos); // the devtools' "Download recording"
  const kept = useMemo(() => new KeptFailures(todos), [todos]);
  const restored = useRestored(todos);
  const { store, actions, status } = todos;

  return (
    <section className="panel" aria-labelledby="todos-title" data-testid="todos-panel">
      <header className="panel-head">
        <h2 id="todos-title">
          Todos <span className="count">{store.count}</span>
        </h2>
        {status.hasPendingMutations && <span className="badge busy">{status.isOnline ? "saving…" : "queued"}</span>}
        {status.failedCount > 0 && (
          <span className="badge failed" data-testid="todo-failed-count" title="status.failedCount: todos with refused changes kept on screen">
            {status.failedCount} not saved
          </span>
        )}
        <LiveBadge connected={todos.realtime?.isConnected ?? false} testId="todos-realtime-status" />
      </header>
      <p className="panel-note">Double-click a title to rename it. A change the server refuses stays, marked, with Retry and Undo.</p>
      <ConflictNotices />
      <AddForm what="todo" placeholder="What needs doing?" button="Add" prefix="todo" onAdd={(title) => void actions.create({ title }).catch(shownByWriteStatus)} />
      <QueuedNote todos={todos} />
      <KeptFailureList kept={kept} failedCount={status.failedCount} testId="todo-error" />
      {!restored && <p className="muted">Restoring saved todos…</p>}
      {restored && status.isLoading && <p className="muted">{status.isOnline ? "Loading…" : "Offline: the todos load when you are back online."}</p>}
      {status.isError && <p className="failure">Could not load todos: {status.error?.message}</p>}
      <ul className="list" data-testid="todo-list">
        {store.list.map((todo) => (
          <TodoRow key={store.viewKey(todo.id)} todo={todo} todos={todos} kept={kept} />
        ))}
      </ul>
    </section>
  );
});

/** One todo; it renders again when its entity or its own write status changes, and no other row does. */
const TodoRow = observer(function TodoRow({ todo, todos, kept }: { todo: Todo; todos: TodoStore; kept: KeptFailures }) {
  const { store, actions } = todos;
  const [draft, setDraft] = useState<string | null>(null);
  const [editHint, setEditHint] = useState<string | null>(null);
  // False once the edit is saved or cancelled: the blur that follows (the input goes away) must not save again.
  const editing = useRef(false);
  const status = store.writeStatus(todo.id);
  const state = writeState(status);

  const toggle = () => void actions.update({ id: todo.id, data: { completed: !todo.completed } }).catch(shownByWriteStatus);
  const remove = () => void kept.remove(todo);
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
    void actions.update({ id: todo.id, data: { title: text } }).catch(shownByWriteStatus);
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
    <li className={`row row-${state}`} data-testid="todo-item" data-pending={(status?.pending.length ?? 0) > 0} data-state={state}>
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
        <WriteStatusMark status={status} queued={!todos.status.isOnline} />
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
