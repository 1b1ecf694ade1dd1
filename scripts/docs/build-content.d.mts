export const GUIDES: Record<'PUBLIC_GUIDE' | 'INTERNAL_GUIDE', string[]>;
export function fillGeneratedBlocks(markdown: string, spec: unknown): string;
export function buildDocsContent(): Array<{ path: string; content: string }>;
export function staleDocsFiles(): string[];
