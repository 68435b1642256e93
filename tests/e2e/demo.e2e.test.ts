/**
 * The demo page in a real browser: optimistic todos, rollback with an error (in the panels that keep
 * the library's default), sign-in for posts, and a checkbox grid synced between two browser contexts. Screenshots go to test-artifacts/e2e/.
 */
import type { Page } from "playwright-core";
import { beforeEach, describe, expect, it } from "vitest";
import { screenshot } from "./browser";
import { todoRow, useDemoPage } from "./demoPage";

const demo = useDemoPage();
const openDemo = () => demo.openDemo();
let server: ReturnType<typeof demo.server>;
beforeEach(() => {
  server = demo.server();
});

describe("demo page in Chromium", () => {
  it("shows added and toggled todos at once, before the slow server answers", async () => {
    const page = await openDemo();
    server.control.delayMs = 1500;

    await page.getByTestId("todo-input").fill("Buy milk");
    const started = Date.now();
    await page.getByTestId("todo-add").click();
    const row = todoRow(page, "Buy milk");
    await row.waitFor({ timeout: 1000 });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(await row.getAttribute("data-pending")).toBe("true");
    await screenshot(page, "todos-pending");

    await page.locator('[data-testid="todo-item"][data-pending="false"]', { hasText: "Buy milk" }).waitFor({ timeout: 5000 });
    expect(server.db.listTodos().map((todo) => todo.title)).toContain("Buy milk");

    const toggle = row.getByTestId("todo-toggle");
    await toggle.click();
    expect(await toggle.isChecked()).toBe(true);
    expect(await row.getAttribute("data-pending")).toBe("true");
    await page.locator('[data-testid="todo-item"][data-pending="false"]', { hasText: "Buy milk" }).waitFor({ timeout: 5000 });
    expect(await toggle.isChecked()).toBe(true);
    expect(server.db.listTodos().find((todo) => todo.title === "Buy milk")?.completed).toBe(true);
    await screenshot(page, "todos-saved");
  });

  it("rolls a change back and lists it where the library's default applies (checkboxes, posts)", async () => {
    const page = await openDemo();
    await page.getByTestId("signin-submit").click();
    await page.getByTestId("post-item").nth(1).waitFor();
    await page.getByTestId("fail-writes").check();
    await expect.poll(() => server.control.failWrites).toBe(true);
    server.control.delayMs = 1500; // long enough to see the change before it rolls back

    const box = page.getByTestId("checkbox-3");
    await box.click();
    expect(await box.isChecked()).toBe(true);
    const error = page.getByTestId("grid-error");
    await error.waitFor({ timeout: 5000 });
    expect(await error.textContent()).toMatch(/Checkbox \d+ was rolled back: The server refused the change/);
    expect(await box.isChecked()).toBe(false);
    expect(await box.getAttribute("class")).toBe("rolled-back");
    await screenshot(page, "rollback-toggle");

    await page.getByTestId("post-input").fill("Doomed");
    await page.getByTestId("post-add").click();
    const doomed = page.getByTestId("post-item").filter({ hasText: "Doomed" });
    await doomed.waitFor({ timeout: 1000 });
    await doomed.waitFor({ state: "detached", timeout: 5000 });
    expect(await page.getByTestId("post-error").textContent()).toMatch(/Posting "Doomed" was rolled back: The server refused the change/);
    expect(server.db.listPosts()).toHaveLength(2);
    await screenshot(page, "rollback-create");
  });

  it("shows posts only after sign-in, and clears them on sign-out", async () => {
    const page = await openDemo();
    expect(await page.getByTestId("post-item").count()).toBe(0);

    await page.getByTestId("signin-submit").click();
    await page.getByTestId("post-item").nth(1).waitFor();
    expect(await page.getByTestId("signed-in-as").textContent()).toContain("Demo User");
    expect(await page.getByTestId("post-title").allTextContents()).toEqual(["Welcome", "Optimistic by default"]);

    await page.getByTestId("post-input").fill("From the browser");
    await page.getByTestId("post-add").click();
    await page.getByTestId("post-item").filter({ hasText: "From the browser" }).waitFor({ timeout: 1000 });
    await screenshot(page, "posts-signed-in");
    await expect.poll(() => server.db.listPosts().length).toBe(3);

    await page.getByTestId("signout").click();
    await page.getByTestId("signin-form").waitFor();
    expect(await page.getByTestId("post-item").count()).toBe(0);

    await page.getByTestId("signin-submit").click();
    await page.getByTestId("post-item").nth(2).waitFor();
  });

  it("syncs a checkbox toggled in one browser context to a second one", async () => {
    const first = await openDemo();
    const second = await openDemo();
    const box = (page: Page) => page.getByTestId("checkbox-3");
    expect(await box(second).isChecked()).toBe(false);

    await box(first).click();
    expect(await box(first).isChecked()).toBe(true);
    await second.waitForFunction(() => (document.querySelector('[data-testid="checkbox-3"]') as HTMLInputElement | null)?.checked === true, null, {
      timeout: 5000,
    });
    await screenshot(second, "checkboxes-synced-in-second-context");

    await box(second).click();
    await first.waitForFunction(() => (document.querySelector('[data-testid="checkbox-3"]') as HTMLInputElement | null)?.checked === false, null, {
      timeout: 5000,
    });
    await screenshot(first, "checkboxes-unchecked-from-second-context");
  });
});
