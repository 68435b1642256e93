/**
 * The demo page's Offline switch and its IndexedDB persistence, in Chromium: changes made offline
 * are queued (nothing reaches the server), survive a reload that starts offline and shows them
 * from IndexedDB before any request, and are sent in order with their original mutation ids once
 * the switch is turned off; the page then equals the server and IndexedDB holds no queued change.
 * Screenshots go to test-artifacts/e2e/.
 */
import type { Page, Request } from "playwright-core";
import { describe, expect, it } from "vitest";
import { screenshot } from "./browser";
import { todoRow, useDemoPage } from "./demoPage";

const demo = useDemoPage();

const FIRST = "Try the fail switch, then toggle me";
const SECOND = "Open this page in a second tab";
const THIRD = "Read the examples";
const CREATED = "Written offline";
const RENAMED = "Written offline, renamed";

/** What the todos manager keeps in IndexedDB (docs/guides/offline-and-persistence.md, "What is stored"). */
interface Stored {
  schemaVersion: number;
  entities: { id: string; title: string }[];
  changes: { kind: "create" | "update" | "remove"; id: string; data?: unknown; mutationId: string }[];
}

/** The todos manager's stored value, read from the page's IndexedDB (null when there is none). */
async function storedTodos(page: Page): Promise<Stored | null> {
  const text = await page.evaluate(async () => {
    const request = (r: IDBRequest) =>
      new Promise<unknown>((resolve, reject) => {
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
    const db = (await request(indexedDB.open("mobx-tanstack-optimistic-demo"))) as IDBDatabase;
    try {
      if (!db.objectStoreNames.contains("persist")) return null;
      const value = await request(db.transaction("persist").objectStore("persist").get("mobx-tanstack-optimistic:todos"));
      return typeof value === "string" ? value : null;
    } finally {
      db.close();
    }
  });
  return text === null ? null : (JSON.parse(text) as Stored);
}

/** Every todo write the page sends: method, path and mutation id, in the order they leave the browser. */
function recordTodoWrites(page: Page): { method: string; path: string; mutationId: string | undefined }[] {
  const writes: { method: string; path: string; mutationId: string | undefined }[] = [];
  page.on("request", (request: Request) => {
    const path = new URL(request.url()).pathname;
    if (path.startsWith("/api/todos") && request.method() !== "GET") {
      writes.push({ method: request.method(), path, mutationId: request.headers()["x-mutation-id"] });
    }
  });
  return writes;
}

/** Every request for the todo list (GET /api/todos). */
function countTodoFetches(page: Page): () => number {
  let fetches = 0;
  page.on("request", (request: Request) => {
    if (request.method() === "GET" && new URL(request.url()).pathname === "/api/todos") fetches++;
  });
  return () => fetches;
}

/** The todos as the page shows them: title and tick, in list order. */
async function shownTodos(page: Page): Promise<{ title: string; completed: boolean }[]> {
  return page
    .getByTestId("todo-item")
    .evaluateAll((rows) =>
      rows.map((row) => ({
        title: row.querySelector('[data-testid="todo-title"]')?.textContent ?? "",
        completed: (row.querySelector('[data-testid="todo-toggle"]') as HTMLInputElement).checked,
      })),
    );
}

/** Each row's title and write-status mark ("" when confirmed). */
async function rowMarks(page: Page): Promise<Record<string, string>> {
  const marks: Record<string, string> = {};
  for (const row of await page.getByTestId("todo-item").all()) {
    const title = (await row.getByTestId("todo-title").textContent()) ?? "";
    marks[title] = (await row.getByTestId("row-state").allTextContents()).join(" | ");
  }
  return marks;
}

describe("offline queue and IndexedDB persistence in Chromium", () => {
  it("queues changes made offline, restores them from IndexedDB after a reload, and sends them in order with their mutation ids when back online", async () => {
    const page = await demo.openDemo();
    const server = demo.server();
    const writes = recordTodoWrites(page);
    const fetches = countTodoFetches(page);

    // Offline: the socket closes, and the four changes are shown at once and queued.
    await page.getByTestId("offline").check();
    await page.getByTestId("todos-realtime-status").filter({ hasText: "offline" }).waitFor();
    await page.getByTestId("todo-input").fill(CREATED);
    await page.getByTestId("todo-add").click();
    await todoRow(page, CREATED).getByTestId("todo-title").dblclick();
    await page.getByTestId("todo-edit-input").fill(RENAMED);
    await page.getByTestId("todo-edit-input").press("Enter");
    await todoRow(page, FIRST).getByTestId("todo-toggle").click();
    await todoRow(page, SECOND).getByTestId("todo-delete").click();

    const queuedNote = page.getByTestId("todo-queued");
    await expect.poll(() => queuedNote.textContent()).toBe("4 changes queued — will be sent when back online");
    const offlineView = [
      { title: FIRST, completed: true },
      { title: THIRD, completed: true },
      { title: RENAMED, completed: false },
    ];
    expect(await shownTodos(page)).toEqual(offlineView);
    const offlineMarks = { [FIRST]: "queued · completed", [THIRD]: "", [RENAMED]: "queued · new · title" };
    expect(await rowMarks(page)).toEqual(offlineMarks);
    expect(await page.getByTestId("todos-panel").locator(".badge.busy").textContent()).toBe("queued");

    // Nothing reached the server; IndexedDB holds the four changes, each with its receipt's id.
    expect(writes).toEqual([]);
    expect(server.db.listMutations()).toEqual([]);
    expect(server.db.listTodos().map((todo) => todo.title)).toEqual([FIRST, SECOND, THIRD]);
    await expect.poll(async () => (await storedTodos(page))?.changes.length, { timeout: 5000 }).toBe(4);
    const queued = (await storedTodos(page))!.changes;
    expect(queued.map((change) => change.kind)).toEqual(["create", "update", "update", "remove"]);
    expect(queued.slice(2).map((change) => change.id)).toEqual(["1", "2"]);
    const mutationIds = queued.map((change) => change.mutationId);
    expect(new Set(mutationIds).size).toBe(4);

    // Reload: the tab starts offline and shows the four changes from IndexedDB, before any request.
    const fetchesBeforeReload = fetches();
    await page.reload();
    await todoRow(page, RENAMED).waitFor();
    expect(await page.getByTestId("offline").isChecked()).toBe(true);
    expect(await page.getByTestId("todos-realtime-status").textContent()).toBe("offline");
    expect(await queuedNote.textContent()).toBe("4 changes queued — will be sent when back online");
    expect(await shownTodos(page)).toEqual(offlineView);
    expect(await rowMarks(page)).toEqual(offlineMarks);
    expect(fetches()).toBe(fetchesBeforeReload);
    expect(writes).toEqual([]);
    expect(server.db.listMutations()).toEqual([]);
    await screenshot(page, "offline-queued-after-reload");

    // Back online: sent one after another, in the order they were made, with their original ids.
    await page.getByTestId("offline").uncheck();
    await queuedNote.waitFor({ state: "detached", timeout: 5000 });
    await expect.poll(() => page.locator('[data-testid="todo-item"][data-state="pending"]').count(), { timeout: 5000 }).toBe(0);
    await page.getByTestId("todos-realtime-status").filter({ hasText: "live" }).waitFor();
    const created = server.db.listTodos().find((todo) => todo.title === RENAMED);
    expect(created).toBeDefined();
    expect(server.db.listMutations()).toEqual([
      { mutationId: mutationIds[0], route: "POST /api/todos" },
      { mutationId: mutationIds[1], route: `PUT /api/todos/${created!.id}` },
      { mutationId: mutationIds[2], route: "PUT /api/todos/1" },
      { mutationId: mutationIds[3], route: "DELETE /api/todos/2" },
    ]);
    expect(writes.map((write) => write.mutationId)).toEqual(mutationIds); // each sent once
    expect(server.db.getTodo("1")?.completed).toBe(true);
    expect(server.db.getTodo("2")).toBeUndefined();

    // The page equals the server, and IndexedDB holds no queued change.
    const serverTodos = () => server.db.listTodos().map(({ title, completed }) => ({ title, completed }));
    await expect.poll(() => shownTodos(page), { timeout: 5000 }).toEqual(serverTodos());
    expect(await page.getByTestId("todo-list").getByTestId("row-state").count()).toBe(0);
    await expect.poll(async () => (await storedTodos(page))?.changes.length, { timeout: 5000 }).toBe(0);
    await screenshot(page, "offline-queue-sent");

    // A reload now shows the server's todos and no pending row.
    await page.reload();
    await todoRow(page, RENAMED).waitFor();
    await page.getByTestId("todos-realtime-status").filter({ hasText: "live" }).waitFor();
    expect(await shownTodos(page)).toEqual(serverTodos());
    expect(await page.getByTestId("todo-list").getByTestId("row-state").count()).toBe(0);
    expect(await queuedNote.count()).toBe(0);
    expect(writes).toHaveLength(4);
  });
});
