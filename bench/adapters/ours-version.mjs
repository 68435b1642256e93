// This library with `version: "updatedAt"`: every confirmed write (fetched list, realtime event,
// mutation answer) first checks that it is not older than the entity the store has. The server
// bumps `updatedAt` on every write, so nothing is refused: this measures what the check costs.
import { create as createOurs } from "./ours.mjs";

export const label = 'mobx-tanstack-optimistic (version: "updatedAt")';

export const create = (options) => createOurs({ ...options, version: "updatedAt" });
