import { observer } from "mobx-react-lite";
import { CheckboxGrid } from "./CheckboxGrid";
import { PostsPanel } from "./PostsPanel";
import { control } from "./stores";
import { TodoPanel } from "./TodoPanel";

export const App = observer(function App() {
  return (
    <main>
      <header>
        <h1>mobx-tanstack-optimistic</h1>
        <p>
          Every change shows at once and is saved behind the scenes. Make the server fail to see a change roll back;
          open a second tab to see the checkboxes sync.
        </p>
        <fieldset className="controls">
          <legend>Server</legend>
          <label>
            <input
              type="checkbox"
              data-testid="fail-writes"
              checked={control.failWrites}
              onChange={(event) => void control.set({ failWrites: event.target.checked })}
            />
            Fail every write
          </label>
          <label>
            <input
              type="checkbox"
              data-testid="slow-writes"
              checked={control.delayMs > 0}
              onChange={(event) => void control.set({ delayMs: event.target.checked ? 1500 : 0 })}
            />
            Slow writes (1.5 s)
          </label>
          <button type="button" onClick={() => void control.reset()}>
            Reset demo data
          </button>
        </fieldset>
      </header>
      <div className="panels">
        <TodoPanel />
        <PostsPanel />
        <CheckboxGrid />
      </div>
    </main>
  );
});
