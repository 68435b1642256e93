/**
 * Two tabs renaming the same todo, in Chromium. The server is slow (1 s per write), so both
 * renames are in flight at once, both made on version 1: the first tab's is written, the second
 * tab's is refused with 409 and the todo as it is now, and the second tab settles it with the
 * strategy picked in its sidebar (server-wins, client-wins or the page's merge). And the posts
 * panel's `scope`: one account signs out, another signs in, and no post of the first ever shows.
 * Screenshots go to test-artifacts/e2e/.
 */
import type { Page } from "playwright-core";
import { beforeEach, describe, expect, it } from "vitest";
import { screenshot } from "./browser";
import { useDemoPage } from "./demoPage";

const demo = useDemoPage();
let server: ReturnType<typeof demo.server>;
beforeEach(() => {
  server = demo.server();
});

/** Todo 2 ("Open this page in a second tab"), the second row. */
const SECOND = 1;
const row = (page: Page) => page.getByTestId("todo-item").nth(SECOND);
const titleOf = (page: Page) => row(page).getByTestId("todo-title").textContent();

async function rename(page: Page, title: string): Promise<void> {
  await row(page).getByTestId("todo-title").dblclick();
  const field = row(page).getByTestId("todo-edit-input");
  await field.fill(title);
  await field.press("Enter");
}

/**
 * Tab A renames todo 2 first, tab B (with `strategy` picked) right after, both on version 1 while
 * the server holds every write for 1 s: B's rename is the one the server refuses.
 */
async function renameInBothTabs(strategy: string): Promise<{ a: Page; b: Page }> {
  const a = await demo.openDemo();
  const b = await demo.openDemo();
  await b.getByTestId("conflict-strategy").selectOption(strategy);
  server.control.delayMs = 1000;

  await rename(a, "Tab A's title");
  await row(a).and(a.locator('[data-pending="true"]')).waitFor({ timeout: 1000 });
  await rename(b, "Tab B's title");
  // B's own edit shows at once, on top of whatever arrives beneath it.
  expect(await titleOf(b)).toBe("Tab B's title");
  expect(await row(b).getAttribute("data-pending")).toBe("true");
  return { a, b };
}

/** Waits until neither tab has a change in flight. */
async function settled(...pages: Page[]): Promise<void> {
  for (const page of pages) await page.locator('[data-testid="todo-item"][data-pending="true"]').first().waitFor({ state: "detached", timeout: 8000 });
}

describe("demo page: two tabs edit one todo", () => {
  it("server-wins: the later tab drops its rename, shows the other tab's title and says it kept theirs", async () => {
    const { a, b } = await renameInBothTabs("server-wins");
    const notice = b.getByTestId("todo-conflict");
    await notice.waitFor({ timeout: 5000 });
    await settled(a, b);

    expect(await notice.textContent()).toContain(`Changed in another tab — kept theirs: "Tab A's title".`);
    expect(await notice.getAttribute("data-strategy")).toBe("server-wins");
    expect(await titleOf(b)).toBe("Tab A's title");
    expect(await titleOf(a)).toBe("Tab A's title");
    // Decided, not failed: nothing kept with Retry / Undo.
    expect(await row(b).getAttribute("data-state")).toBe("confirmed");
    expect(await b.getByTestId("todo-failed-count").count()).toBe(0);
    expect(await a.getByTestId("todo-conflict").count()).toBe(0);
    expect(server.db.getTodo("2")).toMatchObject({ title: "Tab A's title", version: 2 });
    await screenshot(b, "conflict-server-wins");

    await notice.getByTestId("todo-conflict-dismiss").click();
    expect(await b.getByTestId("todo-conflict").count()).toBe(0);
  });

  it("client-wins: the later tab's rename is sent again on the new version, and both tabs end showing it", async () => {
    const { a, b } = await renameInBothTabs("client-wins");
    const notice = b.getByTestId("todo-conflict");
    await notice.waitFor({ timeout: 5000 });
    await expect.poll(() => server.db.getTodo("2")?.title, { timeout: 5000 }).toBe("Tab B's title");
    await settled(a, b);
    await expect.poll(() => titleOf(a), { timeout: 5000 }).toBe("Tab B's title");

    expect(await titleOf(b)).toBe("Tab B's title");
    expect(await notice.textContent()).toContain(`Changed in another tab ("Tab A's title") — yours was saved over it.`);
    expect(server.db.getTodo("2")).toMatchObject({ title: "Tab B's title", version: 3 });
    await screenshot(b, "conflict-client-wins");
    await screenshot(a, "conflict-client-wins-other-tab");
  });

  it("merge: the resolver's title (theirs / mine) is saved and shows in both tabs; the choice survives a reload", async () => {
    const { a, b } = await renameInBothTabs("merge");
    const merged = "Tab A's title / Tab B's title";
    // The merged change replaces B's on screen at once, before the server has it.
    await expect.poll(() => titleOf(b), { timeout: 5000 }).toBe(merged);
    await expect.poll(() => server.db.getTodo("2")?.title, { timeout: 5000 }).toBe(merged);
    await settled(a, b);
    await expect.poll(() => titleOf(a), { timeout: 5000 }).toBe(merged);

    expect(await b.getByTestId("todo-conflict").textContent()).toContain(`Changed in another tab ("Tab A's title") — merged: "${merged}".`);
    expect(server.db.getTodo("2")).toMatchObject({ title: merged, version: 3 });
    await screenshot(b, "conflict-merge");

    await b.reload();
    await b.getByTestId("todo-item").nth(2).waitFor();
    expect(await b.getByTestId("conflict-strategy").inputValue()).toBe("merge");
  });
});

async function signIn(page: Page, username: string): Promise<void> {
  await page.getByTestId("signin-username").fill(username);
  await page.getByTestId("signin-password").fill(username);
  await page.getByTestId("signin-submit").click();
  await page.getByTestId("signed-in-as").waitFor();
}

describe("demo page: posts scoped to the signed-in account", () => {
  it("never shows one account's posts to the next, not even a post still in flight at sign-out", async () => {
    const page = await demo.openDemo();
    const titles = () => page.getByTestId("post-title").allTextContents();
    await signIn(page, "demo");
    await page.getByTestId("post-item").nth(1).waitFor();
    expect(await titles()).toEqual(["Welcome", "Optimistic by default"]);

    // A post of demo's, still on its way when demo signs out.
    server.control.delayMs = 1000;
    await page.getByTestId("post-input").fill("Demo's late post");
    await page.getByTestId("post-add").click();
    await page.getByTestId("post-item").filter({ hasText: "Demo's late post" }).waitFor({ timeout: 1000 });

    // From now on, every post title the page ever renders.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seenPosts: string[] }).seenPosts = seen;
      const record = () => document.querySelectorAll('[data-testid="post-title"]').forEach((title) => seen.push(title.textContent ?? ""));
      new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await page.getByTestId("signout").click();
    await page.getByTestId("signin-form").waitFor();
    await signIn(page, "alex");
    expect(await page.getByTestId("signed-in-as").textContent()).toContain("Alex");
    await page.getByTestId("post-item").filter({ hasText: "Alex's notes" }).waitFor();

    // Demo's post is saved (as demo's), and its answer lands in neither list on screen.
    await expect.poll(() => server.db.listPosts("demo").map((post) => post.title), { timeout: 5000 }).toContain("Demo's late post");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await titles()).toEqual(["Alex's notes"]);
    const seen = await page.evaluate(() => (window as unknown as { seenPosts: string[] }).seenPosts);
    expect(seen).toContain("Alex's notes");
    expect(seen.filter((title) => title !== "Alex's notes")).toEqual([]);
    expect(await page.getByTestId("post-error").count()).toBe(0);
    await screenshot(page, "posts-scope-second-account");

    server.control.delayMs = 0;
    await page.getByTestId("signout").click();
    await signIn(page, "demo");
    await page.getByTestId("post-item").nth(2).waitFor();
    expect(await titles()).toEqual(["Welcome", "Optimistic by default", "Demo's late post"]);
  });
});
