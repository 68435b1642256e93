#!/usr/bin/env node
/**
 * Type-checks every TypeScript code block (```ts, ```typescript, ```tsx) of README.md and
 * docs/**\/*.md against the BUILT package, the way a user's project sees it.
 *
 * Each block becomes its own module in a temporary directory whose node_modules links
 * `mobx-tanstack-optimistic` to this repository (so imports of "mobx-tanstack-optimistic" and
 * "mobx-tanstack-optimistic/realtime" resolve through package.json "exports" to dist/) and every
 * installed package to ./node_modules. All blocks are checked in one TypeScript program.
 *
 * A deliberately partial block is skipped when its first line is `// @check-docs: skip`, or when
 * `<!-- check-docs: skip -->` (optionally with a reason after `skip`) is the last non-blank line
 * before its fence. A block may declare the ambient things it needs
 * (`declare const socket: RealtimeSocket;`).
 *
 * Usage: npm run build && npm run check:docs   (or: node scripts/check-docs.mjs)
 * Exits 1 and prints file:line:column of the block line for every error.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const packageJson = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const LANGS = new Set(["ts", "typescript", "tsx"]);
const SKIP_COMMENT = /^\s*\/\/\s*@check-docs:\s*skip\b/;
const SKIP_HTML = /^\s*<!--\s*check-docs:\s*skip\b.*-->\s*$/;

/** Markdown files to check: README.md and everything under docs/. */
function markdownFiles() {
  const files = [join(root, "README.md")];
  const walk = (dir) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".md")) files.push(path);
    }
  };
  walk(join(root, "docs"));
  return files.filter((file) => existsSync(file)).sort();
}

/**
 * The fenced code blocks of one markdown file.
 * @returns {{ file: string, line: number, indent: number, lang: string, code: string, skip: boolean }[]}
 *   `line` is the 1-based line of the block's first code line.
 */
export function extractBlocks(markdown, file) {
  const lines = markdown.split(/\r?\n/);
  const blocks = [];
  let lastNonBlank = "";
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/.exec(lines[i]);
    if (!open) {
      if (lines[i].trim() !== "") lastNonBlank = lines[i];
      continue;
    }
    const [, indentText, fence, lang] = open;
    const body = [];
    let j = i + 1;
    const close = new RegExp(`^\\s*${fence[0] === "`" ? "`" : "~"}{${fence.length},}\\s*$`);
    while (j < lines.length && !close.test(lines[j])) body.push(lines[j++]);
    const indent = indentText.length;
    const code = body.map((line) => line.slice(Math.min(indent, line.length - line.trimStart().length))).join("\n");
    blocks.push({
      file,
      line: i + 2,
      indent,
      lang: lang.toLowerCase(),
      code,
      skip: SKIP_HTML.test(lastNonBlank) || SKIP_COMMENT.test(body[0] ?? ""),
    });
    lastNonBlank = lines[j] ?? "";
    i = j;
  }
  return blocks;
}

/** A temporary project whose node_modules sees this package as an installed dependency. */
function createProject() {
  const dir = mkdtempSync(join(tmpdir(), "check-docs-"));
  const modules = join(dir, "node_modules");
  mkdirSync(modules);
  for (const entry of readdirSync(join(root, "node_modules"))) {
    if (entry.startsWith(".") || entry === packageJson.name) continue;
    symlinkSync(join(root, "node_modules", entry), join(modules, entry), "junction");
  }
  symlinkSync(root, join(modules, packageJson.name), "junction");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "check-docs", private: true, type: "module" }));
  return dir;
}

function compilerOptions(dir) {
  const { options, errors } = ts.convertCompilerOptionsFromJson(
    {
      target: "ES2022",
      module: "ESNext",
      moduleResolution: "bundler",
      moduleDetection: "force",
      lib: ["ES2022", "DOM"],
      types: ["node"],
      jsx: "preserve",
      strict: true,
      noUncheckedIndexedAccess: true,
      esModuleInterop: true,
      skipLibCheck: true,
      noEmit: true,
    },
    dir,
  );
  if (errors.length > 0) throw new Error(ts.flattenDiagnosticMessageText(errors[0].messageText, "\n"));
  return options;
}

function main() {
  for (const entry of Object.values(packageJson.exports ?? {})) {
    const types = typeof entry === "object" ? entry.import?.types : undefined;
    if (types && !existsSync(join(root, types))) {
      console.error(`check-docs: ${types} is missing; run \`npm run build\` first.`);
      process.exit(1);
    }
  }

  const all = markdownFiles().flatMap((file) => extractBlocks(readFileSync(file, "utf8"), relative(root, file)));
  const typescriptBlocks = all.filter((block) => LANGS.has(block.lang));
  const checked = typescriptBlocks.filter((block) => !block.skip);
  if (checked.length === 0) {
    console.error("check-docs: no TypeScript code blocks found in README.md or docs/.");
    process.exit(1);
  }

  const dir = createProject();
  try {
    const byPath = new Map();
    for (const block of checked) {
      const name = `${block.file.split(sep).join("__").replace(/[^\w.-]/g, "_")}_L${block.line}.${block.lang === "tsx" ? "tsx" : "ts"}`;
      const path = join(dir, name);
      writeFileSync(path, `${block.code}\n`);
      byPath.set(path, block);
    }
    const program = ts.createProgram([...byPath.keys()], compilerOptions(dir));
    const diagnostics = [
      ...program.getOptionsDiagnostics(),
      ...program.getGlobalDiagnostics(),
      ...[...byPath.keys()].flatMap((path) => {
        const source = program.getSourceFile(path);
        return source ? [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)] : [];
      }),
    ];
    for (const diagnostic of diagnostics) {
      const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n  ");
      const block = diagnostic.file ? byPath.get(diagnostic.file.fileName) : undefined;
      if (block && diagnostic.start !== undefined) {
        const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
        console.error(`${block.file}:${block.line + line}:${block.indent + character + 1} - error TS${diagnostic.code}: ${message}`);
      } else {
        console.error(`check-docs: error TS${diagnostic.code}: ${message}`);
      }
    }
    const files = new Set(checked.map((block) => block.file)).size;
    const skipped = typescriptBlocks.length - checked.length;
    if (diagnostics.length > 0) {
      console.error(`check-docs: ${diagnostics.length} error(s) in ${checked.length} TypeScript blocks of ${files} files.`);
      process.exitCode = 1;
    } else {
      console.log(`check-docs: ${checked.length} TypeScript blocks in ${files} files type-check against the built package (${skipped} skipped).`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
