export { useObserved } from "./useObserved";
export { useOptimisticStore } from "./useOptimisticStore";
