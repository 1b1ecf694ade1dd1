/** The chaos run's one table: a line per scenario, printed and written as JSON under test-artifacts/chaos/. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Line {
  scenario: string;
  tried: number;
  succeeded: number;
  /** Acknowledged work that did not happen: a 201 not readable, an event the shop never got, a postback stuck pending. */
  lost: number;
  /** The same thing done twice: extra Bansky calls, extra payments, a shop acknowledging one event more than once. */
  duplicated: number;
  /** Of `duplicated`, the ones at-least-once delivery allows (same webhook-id, redelivered after a crash). */
  explained: number;
  /** Other expectations of the scenario that did not hold (wrong state, an undocumented 5xx, a retry earlier than its schedule). */
  failed: string[];
  /** Timing expectations that did not hold (a postback or retry later than its budget): a finding too, but machine load can cause it. */
  late?: string[];
  /**
   * Of `failed`, the ones that are only timeouts the contract documents (504 bansky_timeout, the
   * Worker not answering in time) with nothing lost: on a loaded machine they make the run
   * inconclusive rather than failed.
   */
  onlyTimeouts?: boolean;
  /** Figures behind the line, for the reader. */
  notes: string;
  /** Evidence for the JSON only (e.g. each duplicate with its times): not printed. */
  details?: unknown;
}

const unexplained = (l: Line) => l.duplicated - l.explained;
export const lineOk = (l: Line) => l.lost === 0 && unexplained(l) === 0 && l.failed.length === 0;
export const lineOnTime = (l: Line) => !l.late?.length;
const result = (l: Line) =>
  !lineOk(l)
    ? `FAILED${l.failed.length ? `: ${[...l.failed, ...(l.late ?? [])].join('; ')}` : ''}`
    : lineOnTime(l)
      ? 'ok'
      : `LATE: ${l.late!.join('; ')}`;

export function table(lines: Line[]): string {
  const head = ['scenario', 'tried', 'succeeded', 'lost', 'duplicated', 'explained', 'result'];
  const rows = lines.map((l) => [
    l.scenario,
    String(l.tried),
    String(l.succeeded),
    String(l.lost),
    String(l.duplicated),
    String(l.explained),
    result(l),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const right = new Set([1, 2, 3, 4, 5]);
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const notes = lines.map((l) => `  ${l.scenario.split(' ')[0]}  ${l.notes}`);
  return [fmt(head), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(fmt), '', 'notes:', ...notes].join('\n');
}

export function save(dir: string, meta: Record<string, unknown>, lines: Line[]): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}${meta.short ? '-short' : ''}.json`);
  const body = `${JSON.stringify(
    {
      ...meta,
      ok: lines.every(lineOk),
      lines: lines.map((l) => ({ ...l, unexplained: unexplained(l), ok: lineOk(l), onTime: lineOnTime(l) })),
    },
    null,
    2,
  )}\n`;
  writeFileSync(file, body);
  writeFileSync(join(dir, meta.short ? 'latest-short.json' : 'latest.json'), body);
  return file;
}
