/** The list the Vue tests mount: rows bound to one entity each through `useObserved`. */
import { defineComponent, h, onMounted, onUpdated, type PropType } from "vue";
import { useObserved, useOptimisticStore } from "../../src/vue";
import { statusText, type ListProps } from "../__fixtures__/bindingConformance";
import type { TodoManager } from "../__fixtures__/bindings";

const TodoRow = defineComponent({
  props: {
    manager: { type: Object as PropType<TodoManager>, required: true },
    id: { type: String, required: true },
    selected: { type: Object as PropType<ListProps["selected"]>, required: true },
    onUpdate: { type: Function as PropType<ListProps["onUpdate"]>, required: true },
  },
  setup(props) {
    const todo = useObserved(() => props.manager.store.get(props.id));
    const isSelected = useObserved(() => props.selected.get() === props.id);
    const status = useObserved(() => statusText(props.manager.store.writeStatus(props.id)));
    onMounted(() => props.onUpdate(props.id));
    onUpdated(() => props.onUpdate(props.id));
    return () =>
      todo.value &&
      h("li", { "data-testid": "row", "data-id": todo.value.id, "data-selected": String(isSelected.value), "data-status": status.value }, [
        h("input", { "aria-label": `title of ${todo.value.title}`, value: todo.value.title }),
      ]);
  },
});

export const TodoList = defineComponent({
  props: {
    factory: { type: Function as PropType<ListProps["factory"]>, required: true },
    selected: { type: Object as PropType<ListProps["selected"]>, required: true },
    onManager: { type: Function as PropType<ListProps["onManager"]>, required: true },
    onUpdate: { type: Function as PropType<ListProps["onUpdate"]>, required: true },
  },
  setup(props) {
    const manager = useOptimisticStore(props.factory);
    props.onManager(manager);
    const ids = useObserved(() => manager.store.list.map((todo) => todo.id));
    return () =>
      h(
        "ul",
        ids.value.map((id) => h(TodoRow, { key: manager.store.viewKey(id), manager, id, selected: props.selected, onUpdate: props.onUpdate })),
      );
  },
});
