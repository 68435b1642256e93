/**
 * The demo as a newcomer tries it, in Chromium: long and huge titles stay inside the page, two
 * failures are both listed (and kept on screen until undone), a title edited inline in one tab shows in another, a reload during a
 * slow create converges, an empty submit says why nothing happened, and the sidebar explains
 * confirmed vs pending beside the devtools. Screenshots go to test-artifacts/e2e/.
 */
import type { Page } from "playwright-core";
import { describe, expect, it, vi } from "vitest";
import { screenshot } from "./browser";
import { todoRow, useDemoPage } from "./demoPage";

const demo = useDemoPage();

/** Whether the page scrolls sideways (it must not, whatever the text). */
const pageWidth = (page: Page) => page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, view: window.innerWidth }));

/** The right edge of an element, to check a button is on screen. */
async function rightEdge(page: Page, testId: string, row: ReturnType<typeof todoRow>): Promise<number> {
  const box = await row.getByTestId(testId).boundingBox();
  if (!box) throw new Error(`${testId} is not visible`);
  return box.x + box.width;
}

describe("demo showcase in Chromium", () => {
  it("keeps a 100,000-character title inside the page, capped at 200 characters by the input", async () => {
    const page = await demo.openDemo();
    const input = page.getByTestId("todo-input");
    await input.fill("x".repeat(100_000));
    expect((await input.inputValue()).length).toBe(200);
    expect(await page.getByTestId("todo-input-counter").textContent()).toBe("200 characters at most");
    await page.getByTestId("todo-add").click();

    const row = todoRow(page, "xxxxxxxxxx");
    await page.locator('[data-testid="todo-item"][data-state="confirmed"]', { hasText: "xxxxxxxxxx" }).waitFor({ timeout: 5000 });
    expect(demo.server().db.listTodos().at(-1)?.title).toHaveLength(200);
    const { scroll, view } = await pageWidth(page);
    expect(scroll).toBeLessThanOrEqual(view);
    expect(await rightEdge(page, "todo-delete", row)).toBeLessThanOrEqual(view);
    expect((await row.boundingBox())!.height).toBeLessThan(150); // clamped to a few lines
    await screenshot(page, "long-title");
  });

  it("refuses a 1.1 MB title with 413, keeps the row marked with Retry and Undo, and quotes only its start", async () => {
    const page = await demo.openDemo();
    const input = page.getByTestId("todo-input");
    // As an old page without the input's cap would send it.
    await input.evaluate((element) => element.removeAttribute("maxlength"));
    await input.fill("y".repeat(1_100_000));
    await page.getByTestId("todo-add").click();

    const failure = page.getByTestId("todo-error");
    await failure.waitFor({ timeout: 10_000 });
    const text = (await failure.textContent()) ?? "";
    expect(text).toContain(`Adding "${"y".repeat(80)}…" failed: The request body is larger than the server's limit of 1,000,000 bytes.`);
    expect(text.length).toBeLessThan(300);
    // The refused create stays on screen (keepFailed), clamped inside its row.
    const row = todoRow(page, "yyyyyyyyyy");
    expect(await row.getAttribute("data-state")).toBe("failed");
    expect(((await row.getByTestId("row-error").textContent()) ?? "").length).toBeLessThan(120);
    expect((await row.boundingBox())!.height).toBeLessThan(220);
    const { scroll, view } = await pageWidth(page);
    expect(scroll).toBeLessThanOrEqual(view);
    expect(demo.server().db.listTodos()).toHaveLength(3);
    await screenshot(page, "huge-title-refused");

    await row.getByTestId("row-undo").click();
    expect(await page.getByTestId("todo-item").count()).toBe(3);
    expect(await page.getByTestId("todo-errors").count()).toBe(0);
  });

  it("lists both failures when two changes fail, each dismissed by Undo, in step with the rows", async () => {
    const page = await demo.openDemo();
    await page.getByTestId("fail-writes").check();
    await expect.poll(() => demo.server().control.failWrites).toBe(true);
    demo.server().control.delayMs = 500;

    await todoRow(page, "Try the fail switch").getByTestId("todo-toggle").click();
    await todoRow(page, "Open this page").getByTestId("todo-delete").click();
    expect(await todoRow(page, "Open this page").count()).toBe(0); // gone at once

    const failures = page.getByTestId("todo-error");
    await expect.poll(() => failures.count(), { timeout: 5000 }).toBe(2);
    const texts = await failures.allTextContents();
    expect(texts[0]).toContain('Completing "Try the fail switch, then toggle me" failed: The server refused the change');
    expect(texts[1]).toContain('Deleting "Open this page in a second tab" failed: The server refused the change');
    expect(await page.getByTestId("todo-failed-count").textContent()).toBe("2 not saved");
    // Both changes are kept: the toggle stays ticked and marked, the deleted row stays hidden.
    expect(await todoRow(page, "Try the fail switch").getAttribute("data-state")).toBe("failed");
    expect(await todoRow(page, "Try the fail switch").getByTestId("todo-toggle").isChecked()).toBe(true);
    expect(await todoRow(page, "Open this page").count()).toBe(0);
    expect(await page.locator('[data-testid="checkbox-grid"] input.rolled-back').count()).toBe(0); // other panels' rows are not marked
    await screenshot(page, "two-failures");

    await failures.first().getByTestId("todo-error-undo").click();
    expect(await failures.count()).toBe(1);
    expect(await failures.first().textContent()).toContain("Deleting");
    expect(await todoRow(page, "Try the fail switch").getAttribute("data-state")).toBe("confirmed");
    expect(await todoRow(page, "Try the fail switch").getByTestId("todo-toggle").isChecked()).toBe(false);
    await page.getByTestId("todo-error-undo").click();
    expect(await page.getByTestId("todo-errors").count()).toBe(0);
    expect(await page.getByTestId("todo-failed-count").count()).toBe(0);
    expect(await page.getByTestId("todo-title").allTextContents()).toEqual([
      "Try the fail switch, then toggle me",
      "Open this page in a second tab",
      "Read the examples",
    ]);
    expect(demo.server().db.listTodos()).toHaveLength(3);
  });

  it("renames a todo inline in one tab and shows the new title in another; Escape cancels", async () => {
    const a = await demo.openDemo();
    const b = await demo.openDemo();

    await todoRow(a, "Open this page").getByTestId("todo-title").dblclick();
    const field = a.getByTestId("todo-edit-input");
    expect(await field.inputValue()).toBe("Open this page in a second tab");
    await field.fill("Renamed in tab A");
    await field.press("Enter");
    expect(await todoRow(a, "Renamed in tab A").count()).toBe(1); // at once, before the server answers
    await todoRow(b, "Renamed in tab A").waitFor({ timeout: 5000 });
    await expect.poll(() => demo.server().db.getTodo("2")?.title).toBe("Renamed in tab A");
    await screenshot(b, "inline-edit-seen-in-second-tab");

    await todoRow(a, "Read the examples").getByTestId("todo-edit").click();
    await a.getByTestId("todo-edit-input").fill("Not this");
    await a.getByTestId("todo-edit-input").press("Escape");
    expect(await a.getByTestId("todo-edit-input").count()).toBe(0);
    expect(await todoRow(a, "Read the examples").count()).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(demo.server().db.getTodo("3")).toMatchObject({ title: "Read the examples", version: 1 });

    // A blank title is not saved: the field stays open and says why.
    await todoRow(a, "Read the examples").getByTestId("todo-title").dblclick();
    await a.getByTestId("todo-edit-input").fill("   ");
    await a.getByTestId("todo-edit-input").press("Enter");
    expect(await a.getByTestId("todo-edit-hint").textContent()).toContain("cannot be blank");
    await a.getByTestId("todo-edit-input").press("Escape");
    expect(demo.server().db.getTodo("3")?.version).toBe(1);
  });

  it("converges after a reload while a slow create is still on its way", async () => {
    const page = await demo.openDemo();
    demo.server().control.delayMs = 1500;
    await page.getByTestId("todo-input").fill("Created before the reload");
    await page.getByTestId("todo-add").click();
    await todoRow(page, "Created before the reload").waitFor({ timeout: 1000 });

    await page.reload();
    await page.getByTestId("todo-item").nth(2).waitFor();
    // The reloaded page shows the create at once if IndexedDB had stored it before the reload (and
    // sends it again with its mutation id), else when the server's realtime INSERT brings it:
    // either way the server applies it once and the page shows it once.
    await todoRow(page, "Created before the reload").waitFor({ timeout: 5000 });
    await vi.waitFor(() => expect(demo.server().db.listTodos()).toHaveLength(4), { timeout: 8000, interval: 50 });
    // Confirmed: no row carries a mark.
    await vi.waitFor(async () => expect(await page.getByTestId("todo-list").getByTestId("row-state").count()).toBe(0), { timeout: 8000, interval: 50 });
    expect(await page.getByTestId("todo-item").count()).toBe(4);
    expect(demo.server().db.listTodos()).toHaveLength(4);
    await screenshot(page, "reload-during-slow-create");
  });

  it("says why nothing happened on an empty or blank submit", async () => {
    const page = await demo.openDemo();
    await page.getByTestId("todo-add").click();
    const hint = page.getByTestId("todo-hint");
    expect(await hint.textContent()).toBe("Type a title first: an empty todo is not sent.");

    await page.getByTestId("todo-input").fill("    ");
    expect(await hint.count()).toBe(0); // typing clears it
    await page.getByTestId("todo-input").press("Enter");
    expect(await hint.textContent()).toBe("The title is only spaces: nothing was sent. Type some text.");
    expect(await page.getByTestId("todo-item").count()).toBe(3);
    expect(demo.server().db.listTodos()).toHaveLength(3);
    await screenshot(page, "empty-submit-explained");

    await page.getByTestId("signin-submit").click();
    await page.getByTestId("post-item").nth(1).waitFor();
    await page.getByTestId("post-add").click();
    expect(await page.getByTestId("post-hint").textContent()).toBe("Type a title first: an empty post is not sent.");
  });

  it("shows posts live in a second signed-in tab", async () => {
    const a = await demo.openDemo();
    const b = await demo.openDemo();
    for (const page of [a, b]) {
      await page.getByTestId("signin-submit").click();
      await page.getByTestId("posts-realtime-status").filter({ hasText: "live" }).waitFor();
    }
    await a.getByTestId("post-input").fill("Posted in tab A");
    await a.getByTestId("post-add").click();
    await b.getByTestId("post-item").filter({ hasText: "Posted in tab A" }).waitFor({ timeout: 5000 });
    await screenshot(b, "posts-live-in-second-tab");
  });

  it("explains confirmed and pending beside the collapsible devtools panel of the page's stores", async () => {
    const page = await demo.openDemo();
    // The explanation and the slot share the sidebar, the explanation first.
    expect(await page.locator('aside.sidebar > [data-testid="explainer"] + [data-testid="devtools-panel"]').count()).toBe(1);
    const slot = page.getByTestId("devtools-slot");
    expect(await slot.isVisible()).toBe(false);
    await page.getByTestId("devtools-toggle").click();
    expect(await slot.isVisible()).toBe(true);
    expect(await page.locator("#devtools-root").count()).toBe(1);
    // The library's panel, for the page's stores (tests/e2e/devtoolsDemo.e2e.test.ts tries it out).
    await page.locator('#devtools-root details.manager[data-manager="checkboxes"] li.entity').nth(31).waitFor();
    expect(await page.locator("#devtools-root details.manager h2").allTextContents()).toEqual(["todos", "posts", "checkboxes"]);
    const { scroll, view } = await pageWidth(page);
    expect(scroll).toBeLessThanOrEqual(view);
    await screenshot(page, "devtools-panel-open");
  });
});
