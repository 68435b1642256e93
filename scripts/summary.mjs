// Prints the closing line CI reads, `N passed, N failed`, from Vitest's JSON reports.
// As a command: `node scripts/summary.mjs [--failed-step] report.json...`.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * Adds up the tests of every report that exists. A failed step that left no failed test behind
 * (a type error, a missing report) still counts as one failure, so the line never reads as green.
 */
export function printSummary(reports, stepFailed = false) {
  let passed = 0;
  let failed = 0;
  for (const report of reports) {
    if (!existsSync(report)) continue;
    const result = JSON.parse(readFileSync(report, "utf8"));
    passed += result.numPassedTests;
    failed += result.numFailedTests;
  }
  if (stepFailed && failed === 0) failed = 1;
  console.log(`${passed} passed, ${failed} failed`);
  return { passed, failed };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const stepFailed = args.includes("--failed-step");
  printSummary(args.filter((arg) => arg !== "--failed-step"), stepFailed);
}
