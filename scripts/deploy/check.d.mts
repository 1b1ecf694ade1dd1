export function deployProblems(tomlText: string, args?: string[]): string[];
