export function sequenceSvg(source: string, title: string): string;
