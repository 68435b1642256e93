/**
 * The page's stores: each is one of the examples (examples/), pointed at this server.
 * One socket.io connection carries every realtime event.
 */
import { io } from "socket.io-client";
import { createTodoStore } from "../../examples/basic-todo/TodoStore";
import { AuthenticatedPostStore } from "../../examples/with-auth/AuthenticatedStore";
import { RealtimeCheckboxStore } from "../../examples/with-realtime/RealtimeCheckboxStore";
import { ServerControl } from "./ServerControl";

export const socket = io({ transports: ["websocket"] });

export const todos = createTodoStore();
export const posts = new AuthenticatedPostStore();
export const grid = new RealtimeCheckboxStore();
grid.connectRealtime(socket);

export const control = new ServerControl(socket);

// "Reset demo data" in any tab: everyone reloads.
socket.on("demo_reset", () => {
  void todos.actions.refetch();
  void grid.storeManager.actions.refetch();
  posts.manager.actions.triggerQuery();
});
