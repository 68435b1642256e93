import { observer } from "mobx-react-lite";
import { CheckboxGrid } from "./CheckboxGrid";
import { ConflictStrategy } from "./ConflictStrategy";
import { DevtoolsSlot } from "./DevtoolsSlot";
import { Explainer } from "./Explainer";
import { FailureList } from "./FailureList";
import { PostsPanel } from "./PostsPanel";
import { control, network } from "./stores";
import { TodoPanel } from "./TodoPanel";

/** What a todo row reads, shown in the header. */
const SNIPPET = `const todos = useOptimisticStore(
  () => createTodoStore({ keepFailed: true }));

// in an observer row:
const s = todos.store.writeStatus(todo.id);
// s.pending, s.fields: what is saving
// s.failed, s.error, s.retry(), s.discard()`;

export const App = observer(function App() {
  return (
    <div className="layout">
      <main className="page">
        <header className="hero">
          <div className="hero-text">
            <p className="eyebrow">MobX · TanStack Query Core · socket.io</p>
            <h1>mobx-tanstack-optimistic</h1>
            <p className="tagline">
              Every change shows the instant you make it and settles when the server answers. If the server refuses, only that change
              is undone, or kept on its row with Retry and Undo. Open this page in a second tab: all three panels stay in sync.
            </p>
            <ul className="features" aria-label="Features">
              <li>Per-change rollback</li>
              <li>Per-row write status</li>
              <li>Realtime echoes recognised</li>
              <li>React hook</li>
            </ul>
          </div>
          <figure className="snippet">
            <figcaption>What a todo row reads</figcaption>
            <pre>
              <code>{SNIPPET}</code>
            </pre>
          </figure>
        </header>

        <section className="controls" aria-labelledby="controls-title">
          <h2 id="controls-title">Make the server or the network misbehave</h2>
          <label className="switch" title="This tab plays offline: changes are queued (and kept in IndexedDB) and sent when you turn it off. Survives a reload of this tab.">
            <input
              type="checkbox"
              role="switch"
              data-testid="offline"
              checked={network.offline}
              onChange={(event) => network.setOffline(event.target.checked)}
            />
            Offline (this tab)
          </label>
          <label className="switch">
            <input
              type="checkbox"
              role="switch"
              data-testid="fail-writes"
              checked={control.failWrites}
              onChange={(event) => void control.set({ failWrites: event.target.checked })}
            />
            Fail every write
          </label>
          <label className="switch">
            <input
              type="checkbox"
              role="switch"
              data-testid="slow-writes"
              checked={control.delayMs > 0}
              onChange={(event) => void control.set({ delayMs: event.target.checked ? 1500 : 0 })}
            />
            Slow writes (1.5 s)
          </label>
          <button type="button" className="secondary" onClick={() => void control.reset()} data-testid="reset">
            Reset demo data
          </button>
          <FailureList panel="server" testId="server-error" />
        </section>

        <div className="panels">
          <TodoPanel />
          <PostsPanel />
          <CheckboxGrid />
        </div>
      </main>
      <aside className="sidebar" aria-label="Under the hood">
        <Explainer />
        <DevtoolsSlot />
        <ConflictStrategy />
      </aside>
    </div>
  );
});
