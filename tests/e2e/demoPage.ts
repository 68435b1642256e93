/**
 * Shared set-up of the demo page tests: the page built once per file, a demo server in this
 * process, headless Chromium, and a fresh browser context (a separate user) per `openDemo()`.
 * Every test starts from the seed data with both server switches off and must leave no page error.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, expect } from "vitest";
import { buildClient } from "../../demo/build.mjs";
import { createDemoServer, type DemoServer } from "../../demo/server/createDemoServer";
import { collectPageErrors, launchChromium } from "./browser";

export interface DemoPage {
  /** The server of the current file. */
  server(): DemoServer;
  /** A new browser context showing the demo, once its todos and its socket are there. */
  openDemo(): Promise<Page>;
}

export function useDemoPage(): DemoPage {
  let server: DemoServer | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[][] = [];

  beforeAll(async () => {
    const clientDir = await buildClient();
    server = await createDemoServer({ clientDir });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  beforeEach(() => {
    server!.db.reset();
    server!.control.failWrites = false;
    server!.control.delayMs = 0;
  });

  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
    expect(pageErrors.splice(0).flat()).toEqual([]);
  });

  return {
    server: () => server!,
    async openDemo() {
      const context = await browser!.newContext({ viewport: { width: 1200, height: 800 } });
      contexts.push(context);
      const page = await context.newPage();
      pageErrors.push(collectPageErrors(page));
      await page.goto(server!.url);
      await page.getByTestId("todo-item").nth(2).waitFor();
      await page.getByTestId("realtime-status").filter({ hasText: "live" }).waitFor();
      await page.getByTestId("todos-realtime-status").filter({ hasText: "live" }).waitFor();
      return page;
    },
  };
}

/** The todo row whose text contains `title`. */
export const todoRow = (page: Page, title: string) => page.getByTestId("todo-item").filter({ hasText: title });
