export { getGlobalQueryClient } from "./queryClient";
