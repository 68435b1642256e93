/**
 * The devtools panel in the demo page, in Chromium: shown and hidden by the sidebar's toggle, for
 * the page's three stores; a slow change pending then confirmed, a refetch landing beneath it, a
 * refused change kept with Retry and Discard (both work, in the panel and on the page's row), a
 * second tab's edit in the first tab's timeline, and the "Download recording" bug report, which
 * replays (with the built `replayEvents`) to the todos the page shows. Screenshots go to
 * test-artifacts/e2e/.
 */
import { readFileSync } from "node:fs";
import type { OptimisticEvent } from "mobx-tanstack-optimistic";
import { replayEvents } from "mobx-tanstack-optimistic/devtools";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { Todo } from "../../examples/basic-todo/TodoStore";
import { screenshot } from "./browser";
import { todoRow, useDemoPage } from "./demoPage";

const demo = useDemoPage();

/** The devtools' element in the page (Playwright's CSS locators pierce the panel's open shadow root). */
const HOST = "[data-mobx-tanstack-optimistic-devtools]";
const section = (page: Page, name: string) => page.locator(`#devtools-root details.manager[data-manager="${name}"]`);
const entity = (page: Page, id: string, state?: string) => section(page, "todos").locator(`li.entity[data-id="${id}"]${state ? `[data-state="${state}"]` : ""}`);
const timeline = (page: Page, name = "todos") => section(page, name).locator("li.event .text").allTextContents();

/** Shows the devtools and waits for the todos to be listed in them. */
async function showDevtools(page: Page): Promise<void> {
  await page.getByTestId("devtools-toggle").click();
  await section(page, "todos").locator("li.entity").nth(2).waitFor();
}

/** What the page's todo rows show, in order. */
const shownTodos = (page: Page) =>
  page.getByTestId("todo-item").evaluateAll((rows) =>
    rows.map((row) => ({
      title: row.querySelector('[data-testid="todo-title"]')?.textContent ?? "",
      completed: (row.querySelector('[data-testid="todo-toggle"]') as HTMLInputElement | null)?.checked ?? false,
    })),
  );

describe("devtools panel in the demo page", () => {
  it("is shown and hidden by the toggle, for the page's three stores; hidden, nothing of it is left", async () => {
    const page = await demo.openDemo();
    expect(await page.locator(HOST).count()).toBe(0); // hidden until asked for
    await showDevtools(page);
    expect(await page.getByTestId("devtools-toggle").textContent()).toBe("Hide");
    expect(await page.locator(`#devtools-root > ${HOST}`).count()).toBe(1);
    expect(await page.locator("#devtools-root details.manager h2").allTextContents()).toEqual(["todos", "posts", "checkboxes"]);
    expect(await section(page, "todos").locator("li.entity").count()).toBe(3);
    expect(await entity(page, "1").getAttribute("data-state")).toBe("confirmed");
    expect(await entity(page, "1").locator(".preview").textContent()).toContain('title: "Try the fail switch, then toggle me"');
    expect(await section(page, "todos").locator("[data-realtime]").textContent()).toBe("realtime: connected");
    expect(await section(page, "posts").locator("li.entity").count()).toBe(0); // signed out
    expect(await section(page, "checkboxes").locator("li.entity").count()).toBe(32);
    // The short explanation of what the timeline says sits with it, under the confirmed-vs-pending one.
    expect(await page.locator('aside.sidebar > [data-testid="explainer"] + [data-testid="devtools-panel"]').count()).toBe(1);
    expect(await page.getByTestId("devtools-intro").textContent()).toContain("applied (on screen and sent; its entity reads pending)");
    const { scroll, view } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, view: window.innerWidth }));
    expect(scroll).toBeLessThanOrEqual(view);
    await screenshot(page, "demo-devtools-shown");

    await page.getByTestId("devtools-toggle").click();
    expect(await page.locator(HOST).count()).toBe(0);
    expect(await page.locator("#devtools-root").evaluate((root) => root.childNodes.length)).toBe(0);
    // The page goes on without it, and showing it again lists what changed meanwhile.
    await todoRow(page, "Read the examples").getByTestId("todo-toggle").click(); // the seed has it done
    await expect.poll(() => demo.server().db.getTodo("3")?.completed).toBe(false);
    await showDevtools(page);
    expect(await page.locator(HOST).count()).toBe(1);
    expect(await entity(page, "3").locator(".preview").textContent()).toContain("completed: false");
  });

  it("follows the posts store through sign-in and every store through Reset demo data", async () => {
    const page = await demo.openDemo();
    await showDevtools(page);
    await page.getByTestId("signin-submit").click();
    await page.getByTestId("post-item").nth(1).waitFor();
    await expect.poll(() => section(page, "posts").locator("li.entity").count()).toBe(await page.getByTestId("post-item").count());
    await expect.poll(() => timeline(page, "posts")).toContainEqual(expect.stringMatching(/^server list: \+\d+ ~0 -0$/));

    await todoRow(page, "Read the examples").getByTestId("todo-delete").click();
    await expect.poll(() => demo.server().db.listTodos().length).toBe(2);
    await page.getByTestId("reset").click();
    // The reset's refetch puts the deleted todo back, and the panel tells it.
    await entity(page, "3", "confirmed").waitFor({ timeout: 5000 });
    await expect.poll(() => timeline(page)).toContainEqual(expect.stringMatching(/^server list: \+1 ~\d+ -0$/));
    expect(await page.locator(HOST).count()).toBe(1);
    expect(await page.locator("#devtools-root details.manager h2").allTextContents()).toEqual(["todos", "posts", "checkboxes"]);
  });

  it("shows a slow change pending, a refetch landing beneath it, then the change confirmed", async () => {
    const page = await demo.openDemo();
    await showDevtools(page);
    await page.getByTestId("slow-writes").check();
    await expect.poll(() => demo.server().control.delayMs).toBe(1500);

    await todoRow(page, "Open this page").getByTestId("todo-toggle").click();
    await entity(page, "2", "pending").waitFor({ timeout: 1000 });
    expect(await entity(page, "2").locator(".write").textContent()).toBe("pending update (completed)");
    expect(await section(page, "todos").locator("[data-pending]").textContent()).toBe("in flight: 1 update");
    expect(await timeline(page)).toContain("update 2 applied (completed)");
    // A refetch while it is on its way: the server's older todo lands beneath it, the change stays on top.
    await page.getByTestId("devtools-refetch").click();
    await expect.poll(() => timeline(page)).toContain("server list: +0 ~0 -0, 1 kept pending");
    expect(await entity(page, "2").getAttribute("data-state")).toBe("pending");
    expect(await todoRow(page, "Open this page").getByTestId("todo-toggle").isChecked()).toBe(true);
    await screenshot(page, "demo-devtools-pending");

    await entity(page, "2", "confirmed").waitFor({ timeout: 5000 });
    await expect.poll(() => timeline(page)).toContain("update 2 succeeded");
    expect(await timeline(page)).toContain("realtime UPDATE 2 (echo)");
    expect(await section(page, "todos").locator("[data-pending]").textContent()).toBe("in flight: none");
    expect(await todoRow(page, "Open this page").getAttribute("data-state")).toBe("confirmed");
    await screenshot(page, "demo-devtools-confirmed");
  });

  it("keeps a refused change with Retry and Discard in the panel, and both work on the page's row too", async () => {
    const page = await demo.openDemo();
    await showDevtools(page);
    await page.getByTestId("fail-writes").check();
    await expect.poll(() => demo.server().control.failWrites).toBe(true);

    await todoRow(page, "Try the fail switch").getByTestId("todo-toggle").click();
    const failed = entity(page, "1", "failed");
    await failed.waitFor({ timeout: 5000 });
    expect(await failed.locator(".write").textContent()).toBe("failed (completed)");
    expect(await failed.locator(".error").textContent()).toContain("The server refused the change");
    expect(await section(page, "todos").locator("[data-failed]").textContent()).toBe("failed: 1");
    expect(await timeline(page)).toContainEqual(expect.stringMatching(/^update 1 failed: .*\(kept, retry or discard\)$/));
    expect(await todoRow(page, "Try the fail switch").getAttribute("data-state")).toBe("failed");
    await screenshot(page, "demo-devtools-failed");

    // Retry with the fail switch off: saved, and the page's row is confirmed too.
    await page.getByTestId("fail-writes").uncheck();
    await expect.poll(() => demo.server().control.failWrites).toBe(false);
    await failed.getByRole("button", { name: "Retry the failed changes of 1" }).click();
    await entity(page, "1", "confirmed").waitFor({ timeout: 5000 });
    await expect.poll(() => demo.server().db.getTodo("1")?.completed).toBe(true);
    expect(await timeline(page)).toContain("update 1 retried");
    await expect.poll(() => todoRow(page, "Try the fail switch").getAttribute("data-state")).toBe("confirmed");

    // Discard: refused again, then dropped; the row shows the server's todo again.
    await page.getByTestId("fail-writes").check();
    await expect.poll(() => demo.server().control.failWrites).toBe(true);
    await todoRow(page, "Read the examples").getByTestId("todo-toggle").click();
    await entity(page, "3", "failed").waitFor({ timeout: 5000 });
    await entity(page, "3").getByRole("button", { name: "Discard the failed changes of 3" }).click();
    await entity(page, "3", "confirmed").waitFor({ timeout: 5000 });
    expect(await timeline(page)).toContain("update 3 discarded");
    expect(await section(page, "todos").locator("[data-failed]").textContent()).toBe("failed: 0");
    await expect.poll(() => todoRow(page, "Read the examples").getByTestId("todo-toggle").isChecked()).toBe(true); // done, as the server has it
    expect(await page.getByTestId("todo-failed-count").count()).toBe(0);
    expect(demo.server().db.getTodo("3")?.completed).toBe(true);
  });

  it("shows a second tab's edit as a realtime event in the first tab's timeline", async () => {
    const a = await demo.openDemo();
    const b = await demo.openDemo();
    await showDevtools(a);
    await showDevtools(b);

    await todoRow(b, "Read the examples").getByTestId("todo-title").dblclick();
    await b.getByTestId("todo-edit-input").fill("Renamed in tab B");
    await b.getByTestId("todo-edit-input").press("Enter");
    await todoRow(a, "Renamed in tab B").waitFor({ timeout: 5000 });
    await expect.poll(() => timeline(a)).toContain("realtime UPDATE 3");
    expect(await timeline(a)).not.toContain("update 3 applied (title)"); // not a change of its own
    expect(await entity(a, "3").locator(".preview").textContent()).toContain('title: "Renamed in tab B"');
    // Tab B made it: there it is its own change, settled by its echo.
    await expect.poll(() => timeline(b)).toContain("realtime UPDATE 3 (echo)");
    expect(await timeline(b)).toContain("update 3 applied (title)");
    await section(a, "todos").locator("input.filter").fill("3");
    await expect.poll(async () => (await timeline(a)).every((line) => line.includes(" 3"))).toBe(true);
    await screenshot(a, "demo-devtools-other-tab");
  });

  it("downloads the todos' recording, which replays to the todos the page shows", async () => {
    const page = await demo.openDemo();
    const other = await demo.openDemo();
    // A session: a create, a rename, another tab's change, a refetch, and a refused change kept on screen.
    await page.getByTestId("todo-input").fill("Recorded todo");
    await page.getByTestId("todo-add").click();
    await page.locator('[data-testid="todo-item"][data-state="confirmed"]', { hasText: "Recorded todo" }).waitFor({ timeout: 5000 });
    await todoRow(page, "Read the examples").getByTestId("todo-edit").click();
    await page.getByTestId("todo-edit-input").fill("Renamed, recorded");
    await page.getByTestId("todo-edit-input").press("Enter");
    await expect.poll(() => demo.server().db.getTodo("3")?.title).toBe("Renamed, recorded");
    await todoRow(other, "Open this page").getByTestId("todo-toggle").click();
    await expect.poll(() => todoRow(page, "Open this page").getByTestId("todo-toggle").isChecked()).toBe(true);
    await showDevtools(page);
    await page.getByTestId("devtools-refetch").click();
    await expect.poll(() => timeline(page)).toContain("server list: +0 ~0 -0");
    await page.getByTestId("fail-writes").check();
    await expect.poll(() => demo.server().control.failWrites).toBe(true);
    await todoRow(page, "Try the fail switch").getByTestId("todo-toggle").click();
    await entity(page, "1", "failed").waitFor({ timeout: 5000 });

    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("devtools-download").click()]);
    expect(download.suggestedFilename()).toMatch(/^todos-recording-\d{8}-\d{6}\.json$/);
    const events = JSON.parse(readFileSync((await download.path())!, "utf8")) as OptimisticEvent[];
    expect(await page.getByTestId("devtools-download-status").textContent()).toBe(`Saved ${events.length} events of the todos.`);
    expect(events[0]?.type).toBe("snapshot");
    expect(new Set(events.map((event) => event.store))).toEqual(new Set(["todos"]));
    const types = events.map((event) => (event.type === "mutation" ? `${event.kind} ${event.phase}` : event.type));
    expect(types).toEqual(expect.arrayContaining(["server-list", "create applied", "create succeeded", "update applied", "realtime", "update failed"]));

    const replayed = replayEvents<Todo>(events);
    const shown = await shownTodos(page);
    expect(shown).toHaveLength(4);
    expect(replayed.list.map(({ title, completed }) => ({ title, completed }))).toEqual(shown);
    expect(replayed.list.map(({ id }) => id)).toEqual(demo.server().db.listTodos().map(({ id }) => id));
    // The refused toggle is on screen, failed, in the replay as on the page.
    expect(replayed.writeStatus("1")).toMatchObject({ failed: true, fields: ["completed"] });
    expect(shown[0]).toEqual({ title: "Try the fail switch, then toggle me", completed: true });
    await screenshot(page, "demo-devtools-recording");
  });
});
