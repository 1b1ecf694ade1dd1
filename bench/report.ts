/** One table of figures (value, baseline, ratio, target, met/missed), printed and saved as JSON. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Figure {
  figure: string;
  ours: number;
  unit: string;
  /** What `ours` is compared with, or null for an absolute target. */
  baseline: { name: string; value: number } | null;
  /** 'le' / 'ge': ours/baseline (or ours, when absolute) must be ≤ / ≥ target. */
  target: { op: 'le' | 'ge'; value: number; ratio: boolean };
  /** A figure that is wrong in itself (errors, lost postbacks) misses whatever the ratio. */
  mustBeZero?: { what: string; count: number };
}

const ratioOf = (f: Figure) => (f.baseline ? f.ours / f.baseline.value : null);

function met(f: Figure): boolean {
  if (f.mustBeZero && f.mustBeZero.count > 0) return false;
  const v = f.target.ratio ? ratioOf(f)! : f.ours;
  return f.target.op === 'le' ? v <= f.target.value : v >= f.target.value;
}

const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2));

export function table(figures: Figure[]): string {
  const rows = figures.map((f) => {
    const r = ratioOf(f);
    const target = `${f.target.op === 'le' ? '≤' : '≥'} ${f.target.ratio ? '×' : ''}${f.target.value}${f.target.ratio ? '' : ` ${f.unit}`}`;
    const extra = f.mustBeZero ? `, ${f.mustBeZero.count} ${f.mustBeZero.what}` : '';
    return [
      f.figure,
      `${fmt(f.ours)} ${f.unit}`,
      f.baseline ? `${fmt(f.baseline.value)} ${f.unit} (${f.baseline.name})` : '—',
      r === null ? '—' : `×${r.toFixed(2)}`,
      target,
      (met(f) ? 'met' : 'MISSED') + extra,
    ];
  });
  const head = ['figure', 'AimbrellaPay', 'baseline', 'ratio', 'target', 'result'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(head), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** bench/results/<timestamp>.json: the figures plus the raw measurements behind them. */
export function save(dir: string, meta: Record<string, unknown>, figures: Figure[], raw: Record<string, unknown>): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}${meta.quick ? '-quick' : ''}.json`);
  const out = { ...meta, figures: figures.map((f) => ({ ...f, ratio: ratioOf(f), met: met(f) })), raw };
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  return file;
}
