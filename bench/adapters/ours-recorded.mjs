// This library with a recorder attached (mobx-tanstack-optimistic/devtools' recordEvents): the cost
// of building, JSON-encoding and keeping one event per change.
import { recordEvents } from "mobx-tanstack-optimistic/devtools";
import { create as createOurs } from "./ours.mjs";

export const label = "mobx-tanstack-optimistic (recordEvents attached)";

export const create = (options) => createOurs({ ...options, attach: (manager) => recordEvents(manager).stop });
