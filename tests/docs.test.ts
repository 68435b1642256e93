/**
 * The documentation cannot drift from the package: every export has an entry in docs/api/, every
 * public symbol has TSDoc, the README's quick start runs against a real server, and the packed
 * tarball holds what a user needs and nothing of the repository's sources.
 *
 * Needs `npm run build` first (it reads dist/*.d.ts and runs dist/ in a child process).
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./__fixtures__";

const root = fileURLToPath(new URL("..", import.meta.url));
const packageJson = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  name: string;
  exports: Record<string, string | { import?: { types?: string } }>;
};

/** Each entry point (".", "./realtime", ...) with the .d.ts file its ESM types come from. */
function entryPoints(): { entry: string; types: string }[] {
  return Object.entries(packageJson.exports).flatMap(([entry, target]) => {
    const types = typeof target === "object" ? target.import?.types : undefined;
    if (types === undefined) return [];
    const path = join(root, types);
    if (!existsSync(path)) throw new Error(`${types} is missing: run \`npm run build\` before this test.`);
    return [{ entry, types: path }];
  });
}

let cachedProgram: ts.Program | undefined;

/** One TypeScript program over the built entry points, shared by the tests below. */
function typesProgram(files: string[]): ts.Program {
  return (cachedProgram ??= ts.createProgram(files, {
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    // Only declarations are read: leave out the DOM and @types/node to keep this fast.
    lib: ["lib.es2022.d.ts"],
    types: [],
    skipLibCheck: true,
    noEmit: true,
  }));
}

/** Exported names of one built entry point. */
function exportedSymbols(program: ts.Program, file: string): ts.Symbol[] {
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  const moduleSymbol = source && checker.getSymbolAtLocation(source);
  if (!moduleSymbol) throw new Error(`cannot read the exports of ${file}`);
  return checker.getExportsOfModule(moduleSymbol);
}

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(path);
    return entry.name.endsWith(".md") ? [path] : [];
  });
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Whether `name` has an entry: a heading naming it, or a list item / table row whose code span starts with it. */
function hasApiEntry(markdown: string, name: string): boolean {
  const word = new RegExp(`(^|[^\\w$])${escape(name)}(?![\\w$])`);
  const codeSpan = new RegExp("`" + `(new\\s+)?${escape(name)}(?![\\w$])[^\`]*` + "`");
  let inFence = false;
  for (const line of markdown.split(/\r?\n/)) {
    if (/^\s*(`{3,}|~{3,})/.test(line)) inFence = !inFence;
    if (inFence) continue;
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    if (heading && word.test(heading[1] ?? "")) return true;
    const listItem = /^\s*(?:[-*+]|\d+[.)])\s+(.*)$/.exec(line) ?? /^\s*\|(.*)\|\s*$/.exec(line);
    if (listItem && codeSpan.test(listItem[1] ?? "")) return true;
  }
  return false;
}

/**
 * Public members that have no TSDoc yet. The test fails when a new undocumented one appears, and
 * when one listed here gets its comment (then delete it from this list).
 */
const KNOWN_UNDOCUMENTED: string[] = [];

/** Exported declarations and their public members (nested object types included) that lack a doc comment. */
function undocumentedSymbols(): string[] {
  const files = entryPoints().map((point) => point.types);
  const program = typesProgram(files);
  const checker = program.getTypeChecker();
  const hasDoc = (node: ts.Node) => ts.getJSDocCommentsAndTags(node).length > 0;
  const missing = new Set<string>();

  const visitMembers = (owner: string, members: ts.NodeArray<ts.TypeElement | ts.ClassElement>) => {
    for (const member of members) {
      const modifiers = ts.canHaveModifiers(member) ? ts.getModifiers(member) : undefined;
      const isPrivate = modifiers?.some((modifier) => modifier.kind === ts.SyntaxKind.PrivateKeyword) ?? false;
      if (isPrivate || ts.isIndexSignatureDeclaration(member)) continue;
      const name = ts.isConstructorDeclaration(member) ? "constructor" : member.name?.getText();
      if (name === undefined || name.startsWith("#")) continue;
      if (!hasDoc(member)) missing.add(`${owner}.${name}`);
      const type = "type" in member ? (member.type as ts.TypeNode | undefined) : undefined;
      const literals = type === undefined ? [] : ts.isUnionTypeNode(type) ? type.types : [type];
      for (const literal of literals) if (ts.isTypeLiteralNode(literal)) visitMembers(`${owner}.${name}`, literal.members);
    }
  };

  for (const file of files) {
    for (const symbol of exportedSymbols(program, file)) {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      const declarations = target.declarations ?? [];
      // Overloads share one comment: documented when any signature has it.
      if (!declarations.some(hasDoc)) missing.add(symbol.name);
      for (const declaration of declarations) {
        if (ts.isInterfaceDeclaration(declaration) || ts.isClassDeclaration(declaration)) visitMembers(symbol.name, declaration.members);
        if (ts.isTypeAliasDeclaration(declaration) && ts.isTypeLiteralNode(declaration.type)) visitMembers(symbol.name, declaration.type.members);
      }
    }
  }
  return [...missing].sort();
}

/** Links `mobx-tanstack-optimistic` (this repository) and the installed packages into a fresh node_modules. */
function consumerProject(): string {
  const dir = mkdtempSync(join(tmpdir(), "docs-test-"));
  const modules = join(dir, "node_modules");
  mkdirSync(modules);
  for (const entry of readdirSync(join(root, "node_modules"))) {
    if (!entry.startsWith(".") && entry !== packageJson.name) symlinkSync(join(root, "node_modules", entry), join(modules, entry), "junction");
  }
  symlinkSync(root, join(modules, packageJson.name), "junction");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ private: true, type: "module" }));
  return dir;
}

/** The API base URL the quick start uses; the test points it at a real server. */
const QUICK_START_API = '"http://127.0.0.1:3000/api"';

/** The first TypeScript block after the README's "## Quick start" heading. */
function quickStartBlock(): string {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const section = readme.split(/^## Quick start\s*$/m)[1];
  const block = section && /^```(?:ts|typescript)\s*\n([\s\S]*?)^```\s*$/m.exec(section);
  if (!block?.[1]) throw new Error('README.md has no TypeScript block under "## Quick start".');
  return block[1];
}

/** GitHub's heading anchor: lowercase, punctuation dropped, spaces to dashes (github-slugger). */
function slug(heading: string): string {
  const text = heading.replace(/\[([^\]]*)\]\([^)]*\)/g, "$1").replace(/`/g, "");
  return text.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "").replace(/ /g, "-");
}

/** The anchors of a markdown file, with GitHub's -1, -2 suffixes for repeated headings. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  let inFence = false;
  for (const line of markdown.split(/\r?\n/)) {
    if (/^\s*(`{3,}|~{3,})/.test(line)) inFence = !inFence;
    const heading = !inFence && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const base = slug(heading[1] ?? "");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

/** Relative links of a markdown file (outside code), as [target path, anchor, line]. */
function relativeLinks(markdown: string): { path: string; anchor: string | undefined; line: number }[] {
  const links: { path: string; anchor: string | undefined; line: number }[] = [];
  let inFence = false;
  markdown.split(/\r?\n/).forEach((line, index) => {
    if (/^\s*(`{3,}|~{3,})/.test(line)) inFence = !inFence;
    if (inFence) return;
    for (const match of line.replace(/`[^`]*`/g, "").matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = match[1] ?? "";
      if (/^[a-z]+:/i.test(target)) continue;
      const [path = "", anchor] = target.split("#");
      links.push({ path, anchor, line: index + 1 });
    }
  });
  return links;
}

function runNode(file: string, cwd: string, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

// The documentation does not depend on the MobX version: run once, not again in the MobX 6 pass.
describe.skipIf(process.env.MOBX === "6")("documentation", () => {
  let server: TestServer | undefined;
  let tempDir: string | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    tempDir = undefined;
  });

  it("has an entry in docs/api/ for every export of every entry point", () => {
    const points = entryPoints();
    expect(points.map((point) => point.entry)).toContain(".");
    const program = typesProgram(points.map((point) => point.types));
    // docs/api/README.md is the index: an export listed only there has no entry of its own.
    const pages = markdownFiles(join(root, "docs", "api")).filter((file) => !file.endsWith("README.md"));
    const texts = pages.map((file) => readFileSync(file, "utf8"));
    const undocumented: string[] = [];
    for (const point of points) {
      const names = exportedSymbols(program, point.types).map((symbol) => symbol.name);
      expect(names.length, `exports of "${point.entry}"`).toBeGreaterThan(0);
      for (const name of names) {
        if (!texts.some((text) => hasApiEntry(text, name))) undocumented.push(`${packageJson.name}${point.entry.slice(1)}: ${name}`);
      }
    }
    expect(undocumented, "exports with no heading or list entry in docs/api/*.md").toEqual([]);
  }, 60_000);

  it("has a TSDoc comment on every public symbol and member (apart from the known gaps)", () => {
    const missing = undocumentedSymbols();
    expect(missing.filter((name) => !KNOWN_UNDOCUMENTED.includes(name)), "public symbols without TSDoc").toEqual([]);
    expect(KNOWN_UNDOCUMENTED.filter((name) => !missing.includes(name)), "documented now: remove from KNOWN_UNDOCUMENTED").toEqual([]);
  }, 60_000);

  it("has no broken relative link or anchor in README.md, CHANGELOG.md and docs/", () => {
    const files = [join(root, "README.md"), join(root, "CHANGELOG.md"), ...markdownFiles(join(root, "docs"))];
    const broken: string[] = [];
    for (const file of files) {
      const markdown = readFileSync(file, "utf8");
      for (const link of relativeLinks(markdown)) {
        const target = link.path === "" ? file : join(dirname(file), decodeURIComponent(link.path));
        const where = `${relative(root, file)}:${link.line}`;
        if (!existsSync(target)) broken.push(`${where}: ${link.path} does not exist`);
        else if (link.anchor !== undefined && target.endsWith(".md") && !anchors(readFileSync(target, "utf8")).has(link.anchor)) {
          broken.push(`${where}: ${link.path || relative(root, file)} has no heading #${link.anchor}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it("runs the README quick start against a real server", async () => {
    server = await startTestServer({ resource: "todos", seed: [{ id: "1", title: "Read the README", completed: true }] });
    const source = quickStartBlock();
    expect(source).toContain(QUICK_START_API);
    const { outputText } = ts.transpileModule(source.replace(QUICK_START_API, JSON.stringify(server.url)), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    tempDir = consumerProject();
    const file = join(tempDir, "quick-start.mjs");
    // The global QueryClient keeps a garbage-collection timer alive: end the process once the block is done.
    writeFileSync(file, `${outputText}\nprocess.exit(0);\n`);

    const { code, stdout, stderr } = await runNode(file, tempDir, 20_000);

    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toContain("[x] Read the README");
    expect(stdout).toContain("[ ] Try optimistic updates");
    expect(stdout).toContain("[x] Try optimistic updates");
    expect(server.rows()).toEqual([
      { id: "1", title: "Read the README", completed: true },
      { id: expect.any(String), title: "Try optimistic updates", completed: true },
    ]);
  }, 30_000);

  it("packs dist, README, LICENSE and CHANGELOG and none of the repository's sources", () => {
    const output = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: root, encoding: "utf8" });
    const [pack] = JSON.parse(output) as { files: { path: string }[] }[];
    const paths = (pack?.files ?? []).map((file) => file.path);

    for (const required of ["README.md", "LICENSE", "CHANGELOG.md", "package.json"]) expect(paths).toContain(required);
    for (const { types } of entryPoints()) expect(paths).toContain(relative(root, types));
    expect(paths.filter((path) => path.startsWith("dist/")).length).toBeGreaterThan(0);
    const unexpected = paths.filter(
      (path) => /^(tests|src|examples|bench|docs|demo|scripts|coverage|\.ci)\//.test(path) || /(^|\/)demo/i.test(path) || /\.test\.|\.test-d\./.test(path),
    );
    expect(unexpected, "files that must not be published").toEqual([]);
    expect(paths.filter((path) => !path.startsWith("dist/")).sort()).toEqual(["CHANGELOG.md", "LICENSE", "README.md", "package.json"]);
  }, 30_000);
});
