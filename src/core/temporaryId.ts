/** How every temporary id starts: `temp-<manager instance>-<n>`. */
export const TEMP_ID_PREFIX = "temp-";

/** Whether `id` is a temporary id: this manager's, or one restored from storage (made by an earlier instance). */
export const isTempId = (id: string): boolean => id.startsWith(TEMP_ID_PREFIX);
