import { observer } from "mobx-react-lite";
import { useState } from "react";
import { describeFailure, ErrorBanner } from "./ErrorBanner";
import { grid } from "./stores";

/** The with-realtime example: a grid every open tab shares through socket.io. */
export const CheckboxGrid = observer(function CheckboxGrid() {
  const [error, setError] = useState<string | null>(null);
  const connected = grid.storeManager.realtime?.isConnected ?? false;
  const checked = grid.boxes.filter((box) => box.checked).length;
  return (
    <section className="panel" aria-labelledby="grid-title">
      <h2 id="grid-title">
        Shared checkboxes <small>{checked} checked</small>
        <span className={connected ? "badge live" : "badge"} data-testid="realtime-status">
          {connected ? "live" : "offline"}
        </span>
      </h2>
      <ErrorBanner message={error} onDismiss={() => setError(null)} testId="grid-error" />
      <div className="grid" data-testid="checkbox-grid">
        {grid.boxes.map((box) => (
          <input
            key={box.id}
            type="checkbox"
            checked={box.checked}
            aria-label={`Checkbox ${box.position + 1}`}
            data-testid={`checkbox-${box.id}`}
            onChange={() => void grid.toggle(box.id).catch((failure: unknown) => setError(describeFailure(`Checkbox ${box.position + 1}`, failure)))}
          />
        ))}
      </div>
    </section>
  );
});
