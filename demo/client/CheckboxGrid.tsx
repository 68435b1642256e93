import { observer } from "mobx-react-lite";
import { useOptimisticStore } from "mobx-tanstack-optimistic/react";
import { FailureList } from "./FailureList";
import { LiveBadge } from "./LiveBadge";
import { createGrid, failures, usePageStore } from "./stores";

/**
 * The with-realtime example: a grid every open tab shares through socket.io. The panel owns the
 * store; a refused toggle rolls back (the library's default) and is listed until dismissed.
 */
export const CheckboxGrid = observer(function CheckboxGrid() {
  const grid = useOptimisticStore(createGrid);
  usePageStore("checkboxes", grid.storeManager, { live: true });
  const checked = grid.boxes.filter((box) => box.checked).length;
  const { store } = grid.storeManager;
  return (
    <section className="panel" aria-labelledby="grid-title" data-testid="grid-panel">
      <header className="panel-head">
        <h2 id="grid-title">
          Shared checkboxes <span className="count">{checked} checked</span>
        </h2>
        <LiveBadge connected={grid.storeManager.realtime?.isConnected ?? false} testId="realtime-status" />
      </header>
      <p className="panel-note">Everyone sees the same grid: tick a box here and watch it in another tab.</p>
      <FailureList panel="grid" testId="grid-error" />
      <div className="grid" data-testid="checkbox-grid">
        {grid.boxes.map((box) => (
          <input
            key={box.id}
            type="checkbox"
            checked={box.checked}
            className={store.isPending(box.id) ? "pending" : failures.rowFailure("grid", box.id) ? "rolled-back" : ""}
            aria-label={`Checkbox ${box.position + 1}`}
            data-testid={`checkbox-${box.id}`}
            onChange={() => void failures.track("grid", `Checkbox ${box.position + 1}`, grid.toggle(box.id), box.id)}
          />
        ))}
      </div>
    </section>
  );
});
