import { observer } from "mobx-react-lite";
import { STRATEGIES, todoConflicts, type Strategy } from "./conflicts";

/**
 * The sidebar's pick of what happens when two tabs edit one todo (`conflict.resolve` of the todos
 * manager, see `conflicts.ts`), kept in localStorage; it applies to the next conflict, no reload.
 */
export const ConflictStrategy = observer(function ConflictStrategy() {
  return (
    <section className="explainer conflicts" aria-labelledby="conflicts-title" data-testid="conflict-settings">
      <h2 id="conflicts-title">Two tabs, one todo</h2>
      <p>
        Each rename is sent with the version it was made on (<code>If-Match</code>); the server refuses an outdated one with 409 and
        its todo as it is now. Then:
      </p>
      <label className="strategy">
        <span>When another tab changed it first</span>
        <select
          value={todoConflicts.strategy}
          onChange={(event) => todoConflicts.setStrategy(event.target.value as Strategy)}
          data-testid="conflict-strategy"
        >
          {Object.entries(STRATEGIES).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <p className="muted">Try it: turn on Slow writes, rename a todo here and the same todo in a second tab right after. This tab&apos;s edit is the later one.</p>
    </section>
  );
});
