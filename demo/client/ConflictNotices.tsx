import { observer } from "mobx-react-lite";
import { todoConflicts } from "./conflicts";

/** What became of the todo changes that met another tab's, one notice per todo, each dismissable. */
export const ConflictNotices = observer(function ConflictNotices() {
  const notices = [...todoConflicts.notices.values()];
  if (notices.length === 0) return null;
  return (
    <ul className="conflict-notices" aria-label="Conflicts">
      {notices.map((notice) => (
        <li key={notice.todoId} role="status" className="conflict-notice" data-testid="todo-conflict" data-strategy={notice.strategy}>
          <span className="failure-text">{notice.text}</span>
          <button type="button" className="icon" onClick={() => todoConflicts.dismiss(notice.todoId)} aria-label="Dismiss" data-testid="todo-conflict-dismiss">
            ×
          </button>
        </li>
      ))}
    </ul>
  );
});
