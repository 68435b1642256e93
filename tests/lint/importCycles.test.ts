/**
 * `npm run lint` fails on an import cycle, type-only ones included (`lint:cycles`, dpdm): checked
 * here on a deliberate cycle written to a temporary folder, and on the library's own sources.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const dpdm = (pattern: string) =>
  spawnSync("npx", ["dpdm", "--no-warning", "--no-tree", "--transform=false", "--exit-code", "circular:1", pattern], { encoding: "utf8" });

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("the import-cycle check", () => {
  it("fails on a cycle of type-only imports", () => {
    dir = mkdtempSync(join(tmpdir(), "cycle-"));
    writeFileSync(join(dir, "a.ts"), 'import type { B } from "./b";\nexport interface A { b?: B }\n');
    writeFileSync(join(dir, "b.ts"), 'import type { A } from "./a";\nexport interface B { a?: A }\n');

    const result = dpdm(`${dir}/*.ts`);

    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/[ab]\.ts -> .*[ab]\.ts/);
  });

  it("passes on the library's sources", () => {
    expect(dpdm("src/**/*.ts").status).toBe(0);
  }, 30_000);
});
