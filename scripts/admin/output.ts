/** Human-readable output for the operator CLI; `--json` bypasses all of this. */

export type Row = Record<string, unknown>;

function show(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (Array.isArray(value)) return value.length ? value.map(show).join(', ') : '-';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** `key: value` lines, aligned. */
export function printRecord(record: Row, write: (s: string) => void = console.log): void {
  const width = Math.max(...Object.keys(record).map((k) => k.length));
  for (const [key, value] of Object.entries(record)) write(`${(`${key}:`).padEnd(width + 1)} ${show(value)}`);
}

/** A plain-text table with the given columns. */
export function printTable(rows: Row[], columns: string[], write: (s: string) => void = console.log): void {
  if (rows.length === 0) {
    write('(none)');
    return;
  }
  const cells = rows.map((r) => columns.map((c) => show(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  write(line(columns));
  for (const row of cells) write(line(row));
}

export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}
