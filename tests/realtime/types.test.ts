/**
 * The realtime socket type is the library's own: a socket.io-client `Socket` fits it, and neither
 * the published types nor the published code load socket.io-client (an optional peer).
 *
 * The `expectTypeOf` checks run under `npm run typecheck`; the dist checks need `npm run build`.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Socket } from "socket.io-client";
import ts from "typescript";
import { describe, expect, expectTypeOf, it } from "vitest";
import * as root from "../../src";
import type { OptimisticStoreManager, RealtimeConfig, RealtimeEvent, RealtimeSocket } from "../../src";
import * as realtimeEntry from "../../src/realtime";

interface Todo {
  id: string;
  title: string;
}

const dist = fileURLToPath(new URL("../../dist", import.meta.url));

describe("realtime types", () => {
  it("accepts a socket.io-client Socket as a RealtimeSocket", () => {
    expectTypeOf<Socket>().toExtend<RealtimeSocket>();
    expectTypeOf<Socket>().toExtend<Parameters<NonNullable<OptimisticStoreManager<Todo>["realtime"]>["connect"]>[0]>();
  });

  it("accepts any object with on, off and connected as a RealtimeSocket, and nothing less", () => {
    interface Minimal {
      on(event: string, listener: (...args: unknown[]) => void): void;
      off(event: string, listener?: (...args: unknown[]) => void): void;
      connected: boolean;
    }
    expectTypeOf<Minimal>().toExtend<RealtimeSocket>();
    expectTypeOf<Omit<Minimal, "off">>().not.toExtend<RealtimeSocket>();
    expectTypeOf<Omit<Minimal, "connected">>().not.toExtend<RealtimeSocket>();
  });

  it("keeps the plan's RealtimeConfig and RealtimeEvent shapes", () => {
    const config: RealtimeConfig<Todo> = {
      eventType: "todo_update",
      dataExtractor: (event) => event.checkbox as Todo | undefined,
      shouldProcessEvent: (event) => event.type === "todo_update",
      browserId: "browser-1",
      customHandlers: { todo_cleared: (store) => store.clear() },
    };
    const event: RealtimeEvent<Todo> = { type: "todo_update", event: "INSERT", data: { id: "1", title: "t" }, browserId: "b" };
    expectTypeOf(event.event).toEqualTypeOf<"INSERT" | "UPDATE" | "DELETE">();
    expectTypeOf(event.mutationId).toEqualTypeOf<string | undefined>();
    expectTypeOf(event.originId).toEqualTypeOf<string | undefined>();
    expect(config.eventType).toBe("todo_update");
  });

  it("exports the realtime API from the root and from the realtime entry", () => {
    expect(realtimeEntry.RealtimeExtension).toBe(root.RealtimeExtension);
    expect(realtimeEntry.createRealtimeExtension).toBe(root.createRealtimeExtension);
    expect(Object.keys(realtimeEntry).sort()).toEqual(["RealtimeExtension", "createRealtimeExtension"]);
  });
});

describe("published files (after npm run build)", () => {
  const modulesLoadedBy = (file: string): string[] => {
    const info = ts.preProcessFile(readFileSync(join(dist, file), "utf8"), true, true);
    return [...info.importedFiles, ...info.referencedFiles, ...info.typeReferenceDirectives].map((ref) => ref.fileName);
  };
  const published = (pattern: RegExp): string[] => {
    if (!existsSync(dist)) throw new Error(`${dist} is missing: run \`npm run build\` before this test.`);
    return readdirSync(dist).filter((file) => pattern.test(file));
  };

  it("has type declarations that never import socket.io-client", () => {
    const declarations = published(/\.d\.c?ts$/);
    expect(declarations).toEqual(expect.arrayContaining(["index.d.ts", "index.d.cts", "realtime.d.ts", "realtime.d.cts"]));
    for (const file of declarations) {
      expect({ file, modules: modulesLoadedBy(file).filter((name) => name.startsWith("socket.io")) }).toEqual({ file, modules: [] });
    }
    const realtime = readFileSync(join(dist, "realtime.d.ts"), "utf8");
    expect(realtime).toMatch(/RealtimeSocket/);
  });

  it("has code that never loads socket.io-client", () => {
    const code = published(/\.c?js$/);
    expect(code).toEqual(expect.arrayContaining(["index.js", "index.cjs", "realtime.js", "realtime.cjs"]));
    for (const file of code) {
      expect({ file, modules: modulesLoadedBy(file).filter((name) => name.startsWith("socket.io")) }).toEqual({ file, modules: [] });
    }
  });
});
