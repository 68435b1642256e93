// This library with `transformer: false` (entities are the server's objects, no date parsing).
import { create as createOurs } from "./ours.mjs";

export const label = "mobx-tanstack-optimistic (transformer: false)";

export const create = (options) => createOurs({ ...options, raw: true });
