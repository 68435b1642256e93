/** Debian's Chromium through playwright-core, as this machine runs it (see TOOLCHAIN.md). */
import { accessSync, constants, mkdirSync } from "node:fs";
import { delimiter, join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

export const ARTIFACTS = "test-artifacts/e2e";

/**
 * Debian's `chromium` as found on the PATH (or CHROMIUM_PATH when set). Looking it up on the PATH,
 * not at a fixed place, is what lets CI prove that `npm test` does not use it: it runs `npm test`
 * with a PATH that lacks it.
 */
export function findChromium(): string | undefined {
  const candidates = process.env.CHROMIUM_PATH
    ? [process.env.CHROMIUM_PATH]
    : (process.env.PATH ?? "").split(delimiter).filter(Boolean).map((dir) => join(dir, "chromium"));
  return candidates.find((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Launches headless Chromium. Playwright gives every launch a fresh, empty user-data-dir and
 * removes it on close. The flags keep Chromium off the network (this machine has none).
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = findChromium();
  if (!executablePath) {
    throw new Error("chromium is not on the PATH: install Debian's Chromium with `apt-get update && apt-get install -y chromium`.");
  }
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Saves a full-page screenshot as test-artifacts/e2e/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });
}

/** Collects the page's uncaught errors and console errors, to assert there are none. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    // Writes the tests make the server refuse on purpose (the fail switch: 500; a body over the
    // limit: 413; an edit made on an outdated version: 409): the browser logs each refused
    // request. Anything else is an error of the page.
    if (message.type() === "error" && !/the server responded with a status of (500|413|409)\b/.test(message.text())) {
      errors.push(`console.error: ${message.text()}`);
    }
  });
  return errors;
}
