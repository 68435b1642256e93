/**
 * The page's stores: each is one of the examples (examples/), pointed at this server, and each
 * listens to the server's socket.io events so every panel is live across tabs.
 */
import { io } from "socket.io-client";
import { createTodoStore } from "../../examples/basic-todo/TodoStore";
import { AuthenticatedPostStore } from "../../examples/with-auth/AuthenticatedStore";
import { RealtimeCheckboxStore } from "../../examples/with-realtime/RealtimeCheckboxStore";
import { FailureLog } from "./failures";
import { ServerControl } from "./ServerControl";

/** One connection for the todo and checkbox events, the control switches and resets. */
export const socket = io({ transports: ["websocket"] });

export const failures = new FailureLog();

export const todos = createTodoStore({ realtime: true });
todos.realtime?.connect(socket);

// Post events go only to sockets that sent a valid token in their handshake: the store opens its
// own socket at sign-in and closes it at sign-out.
export const posts = new AuthenticatedPostStore({
  openSocket: (token) => io({ transports: ["websocket"], auth: { token }, forceNew: true }),
});

export const grid = new RealtimeCheckboxStore();
grid.connectRealtime(socket);

export const control = new ServerControl(socket, (error) => failures.report("server", `Changing the server switches failed: ${error}`));

// "Reset demo data" in any tab: everyone reloads.
socket.on("demo_reset", () => {
  void todos.actions.refetch();
  void grid.storeManager.actions.refetch();
  posts.manager.actions.triggerQuery();
});
