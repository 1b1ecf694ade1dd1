/**
 * Fills a native query's variables the way Metabase does before sending SQL to BigQuery, so card SQL
 * can run on the emulator: an optional clause `[[ … ]]` stays only when every variable in it has a
 * value; a text variable becomes a quoted string literal; a date variable a date literal. A required
 * variable without a value is an error (Metabase refuses to run the card).
 * Not verified against Metabase's BigQuery driver here: the exact literal it writes for a date
 * (DATE '…' or TIMESTAMP '…'); the card SQL wraps dates in CAST(… AS DATE) so either form works,
 * and the SQL test runs both.
 */
export type NativeValue = { type: 'text'; value: string } | { type: 'date'; value: string };
export type DateStyle = 'date' | 'timestamp' | 'string';

const TAG = /\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}/gi;

const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function literal(v: NativeValue, dateStyle: DateStyle): string {
  if (v.type === 'text') return quote(v.value);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v.value)) throw new Error(`not a date: ${v.value}`);
  return dateStyle === 'date'
    ? `DATE ${quote(v.value)}`
    : dateStyle === 'timestamp'
      ? `TIMESTAMP ${quote(`${v.value} 00:00:00`)}`
      : quote(v.value);
}

export function substituteLikeMetabase(
  sql: string,
  values: Record<string, NativeValue | undefined>,
  required: string[],
  dateStyle: DateStyle = 'date',
): string {
  for (const name of required) if (!values[name]) throw new Error(`missing required parameter ${name}`);
  const kept = sql.replace(/\[\[([\s\S]*?)\]\]/g, (_all, clause: string) =>
    [...clause.matchAll(TAG)].every((m) => values[m[1]!]) ? clause : '',
  );
  return kept.replace(TAG, (_all, name: string) => {
    const v = values[name];
    if (!v) throw new Error(`missing parameter ${name}`);
    return literal(v, dateStyle);
  });
}
