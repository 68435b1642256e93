import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";

const steps = [
  "typecheck",
  "lint",
  "build",
  "build:examples",
  "typecheck:examples",
  "check:docs",
  "check:pack",
  "size",
  "test:unit",
  "test:mobx6",
  "test:e2e",
];
const reports = [".vitest-report.json", ".vitest-report.mobx6.json", ".vitest-report.e2e.json"];

for (const report of reports) rmSync(report, { force: true });

let stepFailed = false;
for (const step of steps) {
  console.log(`\n> npm run ${step}`);
  const { status } = spawnSync("npm", ["run", step], { stdio: "inherit" });
  if (status !== 0) {
    console.error(`\nStep "${step}" failed (exit ${status}).`);
    stepFailed = true;
    break;
  }
}

let passed = 0;
let failed = 0;
for (const report of reports.filter((file) => existsSync(file))) {
  const result = JSON.parse(readFileSync(report, "utf8"));
  passed += result.numPassedTests;
  failed += result.numFailedTests;
}
if (stepFailed && failed === 0) failed = 1;

console.log(`${passed} passed, ${failed} failed`);
process.exitCode = stepFailed ? 1 : 0;
