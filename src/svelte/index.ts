export { toReadable } from "./toReadable";
export { useOptimisticStore } from "./useOptimisticStore";
