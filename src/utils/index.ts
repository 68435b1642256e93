export { shallowEqual } from "./shallowEqual";
