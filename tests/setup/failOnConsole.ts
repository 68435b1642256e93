/**
 * Fails any test that writes to console.log/info/warn/error/debug.
 *
 * A test that expects output opts out by spying on the method with its own
 * implementation, which replaces the guard for that test:
 *
 *   const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
 *   // ... act ...
 *   expect(warn).toHaveBeenCalledWith(expect.stringContaining("deprecated"));
 *   warn.mockRestore();
 *
 * A bare `vi.spyOn(console, "warn")` calls through to the guard and still fails.
 */
import { format } from "node:util";
import { afterAll, afterEach } from "vitest";

const methods = ["log", "info", "warn", "error", "debug"] as const;
const unexpected: string[] = [];

for (const method of methods) {
  console[method] = (...args: unknown[]) => {
    unexpected.push(`console.${method}: ${format(...args)}`);
  };
}

function failOnUnexpected(when: string): void {
  if (unexpected.length === 0) return;
  const lines = unexpected.splice(0);
  throw new Error(`Unexpected console output ${when}:\n${lines.join("\n")}`);
}

afterEach(() => failOnUnexpected("during this test (or late output from an earlier one)"));
afterAll(() => failOnUnexpected("outside any test in this file"));
