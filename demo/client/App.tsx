import { observer } from "mobx-react-lite";
import { CheckboxGrid } from "./CheckboxGrid";
import { DevtoolsSlot } from "./DevtoolsSlot";
import { FailureList } from "./FailureList";
import { PostsPanel } from "./PostsPanel";
import { control } from "./stores";
import { TodoPanel } from "./TodoPanel";

export const App = observer(function App() {
  return (
    <div className="layout">
      <main className="page">
        <header className="hero">
          <p className="eyebrow">MobX · TanStack Query Core · socket.io</p>
          <h1>mobx-tanstack-optimistic</h1>
          <p className="tagline">
            Every change shows the instant you make it, settles when the server answers, and if the server refuses, only that change
            rolls back. Open this page in a second tab: all three panels stay in sync.
          </p>
        </header>

        <section className="explainer" aria-labelledby="explainer-title" data-testid="explainer">
          <h2 id="explainer-title">Confirmed and pending</h2>
          <p>
            The store keeps what the server said last (<strong>confirmed</strong>) apart from the changes still on their way
            (<strong>pending</strong>), and shows pending on top of confirmed. Two changes in flight never undo each other, and a
            refetch or another tab&apos;s change never overwrites what you are doing.
          </p>
          <ul className="legend">
            <li>
              <span className="state state-pending">
                <span className="state-dot" aria-hidden="true" />
                saving…
              </span>
              pending: shown at once, the server has not answered yet
            </li>
            <li>
              <span className="state state-confirmed">
                <span className="state-dot" aria-hidden="true" />
                saved
              </span>
              confirmed by the server
            </li>
            <li>
              <span className="state state-failed">
                <span className="state-dot" aria-hidden="true" />
                rolled back
              </span>
              refused by the server: the row shows the server&apos;s value again, and the failure is listed
            </li>
          </ul>
        </section>

        <section className="controls" aria-labelledby="controls-title">
          <h2 id="controls-title">Make the server misbehave</h2>
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
      <DevtoolsSlot />
    </div>
  );
});
