import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "pack-"));
const run = (cmd, args) => execFileSync(cmd, args, { stdio: "inherit" });

try {
  const [{ filename }] = JSON.parse(
    execFileSync("npm", ["pack", "--json", "--pack-destination", dir], { encoding: "utf8" }),
  );
  const tarball = join(dir, filename);
  run("npx", ["publint", "run", tarball, "--strict"]);
  run("npx", ["attw", tarball, "--profile", "node16"]);
} catch (error) {
  if (error.status === undefined) console.error(error);
  process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
