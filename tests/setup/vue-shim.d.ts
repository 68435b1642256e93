// Single-file components, as the Vue plugin compiles them in the tests (tsc does not read .vue files).
declare module "*.vue" {
  import type { DefineComponent } from "vue";
  const component: DefineComponent<object, object, unknown>;
  export default component;
}
