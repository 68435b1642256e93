/**
 * Each todo row shows its write status (`store.writeStatus(id)` with `keepFailed: true`), in
 * Chromium: what is saving while the server is slow, a refused change kept on its row with Retry
 * and Undo, and the failure list agreeing with the rows and with `status.failedCount`. The server's
 * switches are flipped the way a visitor does, through the page (PUT /api/control).
 * Screenshots go to test-artifacts/e2e/.
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { screenshot } from "./browser";
import { todoRow, useDemoPage } from "./demoPage";

const demo = useDemoPage();

const FIRST = "Try the fail switch, then toggle me";
const SECOND = "Open this page in a second tab";
const THIRD = "Read the examples";
const REFUSED = "failed: The server refused the change (the demo's fail switch is on).";

/** Flips a server switch with the page's own control, and waits for the server to have it. */
async function setSwitch(page: Page, testId: "fail-writes" | "slow-writes", on: boolean): Promise<void> {
  const toggle = page.getByTestId(testId);
  if (on) await toggle.check();
  else await toggle.uncheck();
  const server = demo.server();
  await expect.poll(() => (testId === "fail-writes" ? server.control.failWrites : server.control.delayMs > 0)).toBe(on);
}

/** The row's state (`data-state`) and the text of its write-status mark. */
async function rowStatus(page: Page, title: string): Promise<{ state: string | null; mark: string }> {
  const row = todoRow(page, title);
  const marks = await row.getByTestId("row-state").allTextContents();
  return { state: await row.getAttribute("data-state"), mark: marks.join(" | ") };
}

describe("per-row write status in Chromium", () => {
  it("shows what each row is saving while the server is slow, and no mark once it is confirmed", async () => {
    const page = await demo.openDemo();
    await setSwitch(page, "slow-writes", true);

    await todoRow(page, FIRST).getByTestId("todo-toggle").click();
    await todoRow(page, THIRD).getByTestId("todo-title").dblclick();
    await page.getByTestId("todo-edit-input").fill("Read the examples twice");
    await page.getByTestId("todo-edit-input").press("Enter");
    await page.getByTestId("todo-input").fill("Added while slow");
    await page.getByTestId("todo-add").click();

    expect(await rowStatus(page, FIRST)).toEqual({ state: "pending", mark: "saving… · completed" });
    expect(await rowStatus(page, "Read the examples twice")).toEqual({ state: "pending", mark: "saving… · title" });
    expect(await rowStatus(page, "Added while slow")).toEqual({ state: "pending", mark: "saving… · new" });
    expect(await rowStatus(page, SECOND)).toEqual({ state: "confirmed", mark: "" });
    expect(await page.getByTestId("todos-panel").locator(".badge.busy").textContent()).toBe("saving…");
    await screenshot(page, "write-status-pending");

    await expect.poll(() => page.locator('[data-testid="todo-item"][data-state="confirmed"]').count(), { timeout: 5000 }).toBe(4);
    expect(await page.getByTestId("todo-list").getByTestId("row-state").count()).toBe(0); // confirmed rows carry no mark
    expect(demo.server().db.getTodo("1")?.completed).toBe(true);
    expect(demo.server().db.getTodo("3")?.title).toBe("Read the examples twice");
    expect(demo.server().db.listTodos().map((todo) => todo.title)).toContain("Added while slow");
  });

  it("keeps a refused change on its row with Retry and Undo: Retry saves it once the server accepts, Undo restores the previous value", async () => {
    const page = await demo.openDemo();
    await setSwitch(page, "fail-writes", true);

    await todoRow(page, FIRST).getByTestId("todo-toggle").click();
    await todoRow(page, THIRD).getByTestId("todo-edit").click();
    await page.getByTestId("todo-edit-input").fill("A title the server refuses");
    await page.getByTestId("todo-edit-input").press("Enter");

    const first = todoRow(page, FIRST);
    const renamed = todoRow(page, "A title the server refuses");
    await expect.poll(() => first.getAttribute("data-state"), { timeout: 5000 }).toBe("failed");
    await expect.poll(() => renamed.getAttribute("data-state"), { timeout: 5000 }).toBe("failed");
    // Kept on screen, not rolled back, each with the server's message and its two buttons.
    expect(await first.getByTestId("todo-toggle").isChecked()).toBe(true);
    expect(await first.getByTestId("row-state").textContent()).toBe("not saved");
    expect(await first.getByTestId("row-error").textContent()).toBe("The server refused the change (the demo's fail switch is on).");
    for (const row of [first, renamed]) {
      expect(await row.getByTestId("row-retry").isVisible()).toBe(true);
      expect(await row.getByTestId("row-undo").isVisible()).toBe(true);
    }
    expect(await rowStatus(page, SECOND)).toEqual({ state: "confirmed", mark: "" });

    // The failure list is the same entities, counted by status.failedCount.
    expect(await page.getByTestId("todo-error").allTextContents()).toEqual([
      expect.stringContaining(`Completing "${FIRST}" ${REFUSED}`),
      expect.stringContaining(`Renaming to "A title the server refuses" ${REFUSED}`),
    ]);
    expect(await page.getByTestId("todo-failed-count").textContent()).toBe("2 not saved");
    expect(await page.getByTestId("todo-errors-heading").textContent()).toBe("2 todos not saved");
    await screenshot(page, "write-status-failed");

    // Retry while the server still refuses: sent again, refused again, still kept.
    const [refusedAgain] = await Promise.all([
      page.waitForResponse((response) => response.request().method() === "PUT" && response.url().endsWith("/api/todos/1")),
      first.getByTestId("row-retry").click(),
    ]);
    expect(refusedAgain.status()).toBe(500);
    await expect.poll(() => first.getAttribute("data-state"), { timeout: 5000 }).toBe("failed");
    expect(await first.getByTestId("todo-toggle").isChecked()).toBe(true);
    expect(demo.server().db.getTodo("1")?.completed).toBe(false);

    // Retry once the server accepts: saved, and the row carries no mark.
    await setSwitch(page, "fail-writes", false);
    await first.getByTestId("row-retry").click();
    await expect.poll(() => first.getAttribute("data-state"), { timeout: 5000 }).toBe("confirmed");
    expect(await first.getByTestId("row-state").count()).toBe(0);
    expect(await first.getByTestId("todo-toggle").isChecked()).toBe(true);
    expect(demo.server().db.getTodo("1")?.completed).toBe(true);
    expect(await page.getByTestId("todo-error").count()).toBe(1);
    expect(await page.getByTestId("todo-failed-count").textContent()).toBe("1 not saved");

    // Undo: the previous title is back, and nothing was sent.
    await renamed.getByTestId("row-undo").click();
    expect(await rowStatus(page, THIRD)).toEqual({ state: "confirmed", mark: "" });
    expect(await todoRow(page, "A title the server refuses").count()).toBe(0);
    expect(demo.server().db.getTodo("3")).toMatchObject({ title: THIRD, version: 1 });
    expect(await page.getByTestId("todo-errors").count()).toBe(0);
    expect(await page.getByTestId("todo-failed-count").count()).toBe(0);
    await screenshot(page, "write-status-retried-and-undone");
  });

  it("lists a refused delete (its row stays hidden) with Retry and Undo; Undo puts the row back in its place", async () => {
    const page = await demo.openDemo();
    await setSwitch(page, "fail-writes", true);

    await todoRow(page, SECOND).getByTestId("todo-delete").click();
    const entry = page.getByTestId("todo-error");
    await entry.waitFor({ timeout: 5000 });
    expect(await entry.textContent()).toContain(`Deleting "${SECOND}" ${REFUSED}`);
    expect(await todoRow(page, SECOND).count()).toBe(0); // still hidden: the delete is kept, not rolled back
    expect(await page.getByTestId("todo-failed-count").textContent()).toBe("1 not saved");
    await screenshot(page, "write-status-refused-delete");

    await entry.getByTestId("todo-error-undo").click();
    expect(await page.getByTestId("todo-title").allTextContents()).toEqual([FIRST, SECOND, THIRD]);
    expect(await page.getByTestId("todo-errors").count()).toBe(0);

    // Refused again, then retried from the list once the server accepts: gone for good.
    await todoRow(page, SECOND).getByTestId("todo-delete").click();
    await entry.waitFor({ timeout: 5000 });
    await setSwitch(page, "fail-writes", false);
    await entry.getByTestId("todo-error-retry").click();
    await page.getByTestId("todo-errors").waitFor({ state: "detached", timeout: 5000 });
    expect(await page.getByTestId("todo-title").allTextContents()).toEqual([FIRST, THIRD]);
    expect(demo.server().db.getTodo("2")).toBeUndefined();
  });
});
