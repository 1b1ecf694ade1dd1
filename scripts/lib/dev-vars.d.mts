/** Reads KEY=value lines (the .dev.vars format) without ever printing them; {} when the file is absent. */
export function readDevVars(path?: string): Record<string, string>;
