// `npm test`: every check that needs nothing but Node and npm, in order, stopping at the first
// failing step. The browser and multi-process tests are `npm run test:e2e` (Chromium, redis-server).
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { printSummary } from "./summary.mjs";

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
];
const reports = [".vitest-report.json", ".vitest-report.mobx6.json"];

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

printSummary(reports, stepFailed);
process.exitCode = stepFailed ? 1 : 0;
