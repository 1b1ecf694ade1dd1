/**
 * Fills a native query's variables the way Metabase does before sending SQL to BigQuery, so card SQL
 * can run on the emulator: an optional clause `[[ … ]]` stays only when every variable in it has a
 * value; a text variable becomes a quoted string literal; several values of one variable (a
 * dashboard's `string/=` filter is multi-value) become their literals joined by ", " — Metabase's
 * `->replacement-snippet-info` for a vector (metabase/metabase
 * src/metabase/driver/sql/parameters/substitution.clj), where each is a `?` with its value as a
 * prepared-statement argument; here the values are inlined as literals, which reads the same to
 * BigQuery. A date variable becomes a date literal. A required variable without a value is an error
 * (Metabase refuses to run the card: src/metabase/driver/common/parameters/values.clj).
 * Not verified against Metabase's BigQuery driver here: the exact literal it writes for a date
 * (DATE '…' or TIMESTAMP '…'); the card SQL wraps dates in CAST(… AS DATE) so either form works,
 * and the SQL test runs both.
 */
export type NativeValue = { type: 'text'; value: string | string[] } | { type: 'date'; value: string };
export type DateStyle = 'date' | 'timestamp' | 'string';

const TAG = /\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}/gi;

const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function literal(v: NativeValue, dateStyle: DateStyle): string {
  if (v.type === 'text') {
    const values = Array.isArray(v.value) ? v.value : [v.value];
    if (values.length === 0) throw new Error('an empty list is no value');
    return values.map(quote).join(', ');
  }
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
