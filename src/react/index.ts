export { useOptimisticStore } from "./useOptimisticStore";
