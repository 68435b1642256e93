/** The offline flow of offline.test.ts with the browser's own `localStorage` (jsdom's), passed as it is. */
import { environmentManager } from "@tanstack/query-core";
import { beforeEach } from "vitest";
import { describeOfflineFlow } from "../__fixtures__/offlineFlow";

environmentManager.setIsServer(() => false);
beforeEach(() => localStorage.clear());

describeOfflineFlow("localStorage (jsdom)", () => localStorage);
