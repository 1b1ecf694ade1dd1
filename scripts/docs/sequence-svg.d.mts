export function parseSequence(source: string): { participants: Array<{ id: string; label: string }>; steps: Array<{ kind: 'call' | 'answer' | 'note'; from: string; to: string; text: string }> };
export function sequenceSvg(source: string, title: string): string;
