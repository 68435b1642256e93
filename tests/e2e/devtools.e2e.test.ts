/**
 * The devtools panel in Chromium: a vanilla page (tests/e2e/devtoolsPage, bundled with esbuild from
 * the sources) whose todos manager talks to the demo server (REST + socket.io on 127.0.0.1, port 0)
 * with `keepFailed`, and the panel mounted beside the list. Screenshots go to test-artifacts/e2e/.
 */
import { build } from "esbuild";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDemoServer, type DemoServer } from "../../demo/server/createDemoServer";
import { ARTIFACTS, collectPageErrors, launchChromium, screenshot } from "./browser";

const pageDir = fileURLToPath(new URL("./devtoolsPage/", import.meta.url));
let clientDir: string;
let server: DemoServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
const pageErrors: string[][] = [];

beforeAll(async () => {
  clientDir = mkdtempSync(join(tmpdir(), "devtools-page-"));
  await build({
    entryPoints: [join(pageDir, "main.ts")],
    outfile: join(clientDir, "main.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    logLevel: "warning",
  });
  copyFileSync(join(pageDir, "index.html"), join(clientDir, "index.html"));
  server = await createDemoServer({ clientDir });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (clientDir) rmSync(clientDir, { recursive: true, force: true });
});

beforeEach(() => {
  server.db.reset();
  server.control.failWrites = false;
  server.control.delayMs = 0;
});

afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close();
  expect(pageErrors.splice(0).flat()).toEqual([]);
});

/** The page in a fresh context, once the todos are listed in the panel and realtime is connected. */
async function openPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  contexts.push(context);
  const page = await context.newPage();
  pageErrors.push(collectPageErrors(page));
  await page.goto(server.url);
  await panel(page).locator("li.entity").nth(2).waitFor();
  await panel(page).locator('[data-realtime="connected"]').waitFor();
  return page;
}

/** The panel (Playwright's CSS locators pierce its open shadow root). */
const panel = (page: Page) => page.locator("#devtools-root");
const row = (page: Page, id: string) => panel(page).locator(`li.entity[data-id="${id}"]`);
const timeline = (page: Page) => panel(page).locator("li.event .text").allTextContents();
const update = (page: Page, id: string, data: Record<string, unknown>) =>
  page.evaluate(([id, data]) => {
    const app = (window as unknown as { app: { todos: { actions: { update(p: unknown): Promise<unknown> } } } }).app;
    // The rejection of a refused change is the test's to see in the panel, not the page's.
    void app.todos.actions.update({ id, data }).catch(() => undefined);
  }, [id, data] as const);

describe("devtools panel in Chromium", () => {
  it("lists the demo's todos with their state, the query status and the realtime connection, untouched by the page's CSS", async () => {
    const page = await openPage();
    expect(await panel(page).locator("h2").textContent()).toBe("todos");
    expect(await panel(page).locator("li.entity").count()).toBe(3);
    expect(await row(page, "1").getAttribute("data-state")).toBe("confirmed");
    expect(await row(page, "1").locator(".preview").textContent()).toMatch(/^title: "Try the fail switch, then toggle me", completed: false, version: 1, createdAt: "[^"]+", …$/);
    expect(await panel(page).locator(".status").textContent()).toContain("query: idle");
    // The page colours every li, button and heading purple in Georgia: none of it reaches the panel.
    const style = await row(page, "1").evaluate((node) => ({ color: getComputedStyle(node).color, font: getComputedStyle(node).fontFamily }));
    expect(style.color).not.toBe("rgb(123, 31, 162)");
    expect(style.font).not.toContain("Georgia");
    await screenshot(page, "devtools-panel");
  });

  it("takes none of the page's styles on its host element (a rule for every div)", async () => {
    const page = await openPage();
    // The panel's own element is a div in the page: a page rule for divs styles it, and what it
    // sets that is inherited must not reach the panel's rows.
    await page.addStyleTag({ content: "div { color: rgb(123, 31, 162); font-family: Georgia, serif; letter-spacing: 5px; text-transform: uppercase; line-height: 40px; text-align: right; }" });
    const style = await row(page, "1").evaluate((node) => {
      const s = getComputedStyle(node);
      return { color: s.color, font: s.fontFamily, letterSpacing: s.letterSpacing, textTransform: s.textTransform, lineHeight: s.lineHeight, textAlign: s.textAlign };
    });
    expect(style.color).not.toBe("rgb(123, 31, 162)");
    expect(style.font).not.toContain("Georgia");
    expect(style).toMatchObject({ letterSpacing: "normal", textTransform: "none", textAlign: "start" });
    expect(style.lineHeight).not.toBe("40px");
  });

  it("shows a pending change, then confirmed, with applied, its echo and succeeded in the timeline", async () => {
    const page = await openPage();
    server.control.delayMs = 1000;
    await update(page, "2", { completed: true });
    await panel(page).locator('li.entity[data-id="2"][data-state="pending"]').waitFor({ timeout: 500 });
    expect(await row(page, "2").locator(".write").textContent()).toBe("pending update (completed)");
    expect(await row(page, "2").locator(".preview").textContent()).toMatch(/^title: "Open this page in a second tab", completed: true,/);
    expect(await panel(page).locator("[data-pending]").textContent()).toBe("in flight: 1 update");
    await screenshot(page, "devtools-pending");

    await panel(page).locator('li.entity[data-id="2"][data-state="confirmed"]').waitFor({ timeout: 5000 });
    await expect.poll(() => timeline(page)).toContain("update 2 succeeded");
    const lines = await timeline(page);
    expect(lines).toContain("update 2 applied (completed)");
    expect(lines.some((line) => line === "realtime UPDATE 2 (echo)")).toBe(true);
    expect(await panel(page).locator("[data-pending]").textContent()).toBe("in flight: none");
  });

  it("keeps a refused change with Retry and Discard, and both buttons work", async () => {
    const page = await openPage();
    server.control.failWrites = true;
    await update(page, "3", { title: "Refused title" });
    const failed = panel(page).locator('li.entity[data-id="3"][data-state="failed"]');
    await failed.waitFor({ timeout: 5000 });
    expect(await failed.locator(".error").textContent()).toContain("The server refused the change");
    expect(await panel(page).locator("[data-failed]").textContent()).toBe("failed: 1");
    await screenshot(page, "devtools-failed");

    // Retry, the fail switch off: saved.
    server.control.failWrites = false;
    await failed.getByRole("button", { name: "Retry the failed changes of 3" }).click();
    await panel(page).locator('li.entity[data-id="3"][data-state="confirmed"]').waitFor({ timeout: 5000 });
    expect(server.db.getTodo("3")?.title).toBe("Refused title");

    // Discard: refused again, then dropped; the row shows the server's title again.
    server.control.failWrites = true;
    await update(page, "3", { title: "Dropped title" });
    await failed.waitFor({ timeout: 5000 });
    await failed.getByRole("button", { name: "Discard the failed changes of 3" }).click();
    await panel(page).locator('li.entity[data-id="3"][data-state="confirmed"]').waitFor({ timeout: 5000 });
    expect(await row(page, "3").locator(".preview").textContent()).toContain('title: "Refused title"');
    expect(await panel(page).locator("[data-failed]").textContent()).toBe("failed: 0");
    await expect.poll(() => timeline(page)).toContain("update 3 discarded");
  });

  it("Retry and Discard pressed from the keyboard keep the focus on the row, not on <body>", async () => {
    const page = await openPage();
    const focused = () => page.evaluate(() => document.querySelector("#devtools-root > [data-mobx-tanstack-optimistic-devtools]")?.shadowRoot?.activeElement?.getAttribute("data-id") ?? document.activeElement?.tagName);
    server.control.failWrites = true;
    await update(page, "3", { title: "Refused title" });
    const failed = panel(page).locator('li.entity[data-id="3"][data-state="failed"]');
    await failed.waitFor({ timeout: 5000 });
    server.control.failWrites = false;
    await failed.getByRole("button", { name: "Retry the failed changes of 3" }).focus();
    await page.keyboard.press("Enter");
    await panel(page).locator('li.entity[data-id="3"][data-state="confirmed"]').waitFor({ timeout: 5000 });
    expect(await focused()).toBe("3");

    server.control.failWrites = true;
    await update(page, "3", { title: "Dropped title" });
    await failed.waitFor({ timeout: 5000 });
    await failed.getByRole("button", { name: "Discard the failed changes of 3" }).focus();
    await page.keyboard.press("Enter");
    await panel(page).locator('li.entity[data-id="3"][data-state="confirmed"]').waitFor({ timeout: 5000 });
    expect(await focused()).toBe("3");
  });

  it("shows another client's change and filters the timeline by id", async () => {
    const page = await openPage();
    const response = await fetch(`${server.url}/api/todos/1`, { method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ title: "Renamed elsewhere" }) });
    expect(response.ok).toBe(true);
    await expect.poll(() => timeline(page)).toContain("realtime UPDATE 1");
    await update(page, "2", { completed: true });
    await expect.poll(() => timeline(page)).toContain("update 2 succeeded");

    await panel(page).locator("input.filter").fill("2");
    await expect.poll(async () => (await timeline(page)).every((line) => line.includes(" 2"))).toBe(true);
    expect(await timeline(page)).toContain("update 2 applied (completed)");
    expect(await panel(page).locator("li.entity").count()).toBe(1);
    await screenshot(page, "devtools-filtered");
    await panel(page).locator("input.filter").fill("");
    await expect.poll(() => timeline(page)).toContain("realtime UPDATE 1");
  });

  it("unmounts leaving nothing, and mounts again", async () => {
    const page = await openPage();
    type Traces = { targetChildren: number; eventLogListening: boolean; mutationCacheListeners: number };
    const traces = () => page.evaluate(() => (window as unknown as { app: { traces(): Traces } }).app.traces());
    const mounted = await traces();
    expect(mounted).toMatchObject({ targetChildren: 1, eventLogListening: true });

    await page.evaluate(() => {
      const app = (window as unknown as { app: { unmount(): void } }).app;
      app.unmount();
      app.unmount();
    });
    // The panel reads the runner's counts (MobX) and never subscribes to query-core's mutation cache.
    expect(await traces()).toEqual({ targetChildren: 0, eventLogListening: false, mutationCacheListeners: mounted.mutationCacheListeners });
    // The app goes on without the panel.
    await update(page, "1", { completed: true });
    await expect.poll(() => server.db.getTodo("1")?.completed).toBe(true);
    await screenshot(page, "devtools-unmounted");

    await page.evaluate(() => (window as unknown as { app: { remount(): void } }).app.remount());
    await row(page, "1").waitFor();
    expect(await row(page, "1").getAttribute("data-state")).toBe("confirmed");
  });

  it("mounts on a store of 10,000 entities without freezing the page", async () => {
    const page = await openPage();
    const timings = await page.evaluate(() => (window as unknown as { app: { mountBig(n: number): Promise<Record<string, number>> } }).app.mountBig(10_000));
    const big = page.locator("#big-root");
    expect(await big.locator("li.entity").count()).toBe(200);
    expect(await big.locator(".note").textContent()).toBe("Showing the first 200 of 10000; filter by id to find more.");
    await expect.poll(() => big.locator("li.event").count()).toBe(500);
    // Timings are recorded, not asserted (performance belongs in bench/): see the artifact.
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, "devtools-10k-timings.json"), `${JSON.stringify(timings, null, 2)}\n`);
    await screenshot(page, "devtools-10k");
    await page.evaluate(() => (window as unknown as { app: { unmountBig(): void } }).app.unmountBig());
    expect(await big.locator("*").count()).toBe(0);
  });
});
