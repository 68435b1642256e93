import { render } from "@testing-library/svelte";
import { flushSync } from "svelte";
import App from "../../examples/svelte-todo/App.svelte";
import { describeTodoApp } from "./todoApp";

describeTodoApp("svelte-todo", {
  mount: (props) => {
    const view = render(App, { props });
    return { unmount: () => view.unmount() };
  },
  flush: () => flushSync(),
});
