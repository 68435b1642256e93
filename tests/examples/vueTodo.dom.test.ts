import { mount } from "@vue/test-utils";
import { markRaw, nextTick } from "vue";
import App from "../../examples/vue-todo/App.vue";
import { describeTodoApp } from "./todoApp";

describeTodoApp("vue-todo", {
  mount: (props) => {
    // mount() keeps props in a deep reactive(): a QueryClient (private fields) must stay unproxied.
    const wrapper = mount(App, { props: { ...props, queryClient: markRaw(props.queryClient) }, attachTo: document.body });
    return { unmount: () => wrapper.unmount() };
  },
  flush: () => nextTick(),
});
