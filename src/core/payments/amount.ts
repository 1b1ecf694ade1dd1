/**
 * Amounts (docs/architecture.md#payments): shops send a JSON number (`100`, `19.9`) or a decimal string (`"19.90"`);
 * we keep one canonical decimal string — exactly the currency's number of decimals — for storage,
 * idempotency, Bansky, logs and analytics. No arithmetic on doubles anywhere: numbers are read
 * from the JSON text as written (see `readJsonBody`), then handled as decimal strings.
 */

/** Every decimal with at most 15 significant digits survives a round trip through a double (DBL_DIG). */
const MAX_NUMBER_SIGNIFICANT_DIGITS = 15;

/**
 * The largest amount we accept: below 10^12 of the currency's major unit, i.e. at most 12 digits
 * before the decimal point. Far above any real single payment (10^12 EUR; 10^12 IDR ≈ US$60 M),
 * and with the ≤ 3 decimals of nearly every currency at most 15 significant digits — what a JSON
 * number carries exactly. It also keeps Bansky, analytics sums (BigQuery BIGNUMERIC) and every
 * integer-of-minor-units consumer far from overflow.
 */
const MAX_AMOUNT_INTEGER_DIGITS = 12;
const DECIMAL = /^(\d+)(?:\.(\d+))?$/;
const JSON_NUMBER = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

export type AmountResult = { ok: true; value: string } | { ok: false; message: string };

/**
 * The decimal text of a JSON number as the shop wrote it (`source`, from JSON.parse's source
 * text access), or as the engine prints the double when the source is unknown. Refuses what a
 * double cannot carry exactly, so the shop learns to send a string instead of losing money.
 */
export function decimalFromJsonNumber(value: number, source?: string): AmountResult {
  const text = source ?? String(value);
  const m = JSON_NUMBER.exec(text);
  if (!m || !Number.isFinite(value)) return { ok: false, message: 'must be a finite decimal number' };
  if (text.startsWith('-')) return { ok: false, message: 'must be greater than zero' };
  const [, whole = '', fraction = '', exp] = m;
  // Exponent notation (`1.2345679e+06`) is how a float32 or a shortest-form encoder prints a
  // number it has already rounded, never how a shop writes money: refuse it rather than charge the
  // rounded value.
  if (exp !== undefined) {
    return {
      ok: false,
      message: `a JSON number in exponent notation (${text}) is refused: it is what a lossy (float32) encoder writes; send the exact amount as a decimal string, e.g. "1234567.89"`,
    };
  }
  const digits = (whole + fraction).replace(/^0+/, '');
  const significant = digits.replace(/0+$/, '').length;
  if (significant > MAX_NUMBER_SIGNIFICANT_DIGITS) {
    return {
      ok: false,
      message: `a JSON number holds at most ${MAX_NUMBER_SIGNIFICANT_DIGITS} significant digits exactly; send this amount as a string, e.g. "${shiftDecimal(whole, fraction)}"`,
    };
  }
  return { ok: true, value: shiftDecimal(whole, fraction) };
}

/** `whole.fraction` as plain decimal text, leading zeros of the whole part and trailing zeros of the fraction dropped. */
function shiftDecimal(whole: string, fraction: string): string {
  const int = whole.replace(/^0+(?=\d)/, '');
  const frac = fraction.replace(/0+$/, '');
  return frac ? `${int}.${frac}` : int;
}

/**
 * The canonical form of a decimal amount for a currency with `decimals` minor digits: positive,
 * no leading zeros, exactly `decimals` fraction digits (`"100"` USD → `"100.00"`, `"100.00"` JPY
 * → `"100"`). Refuses amounts finer than the currency allows (`10.001` USD, `10.5` JPY).
 */
export function canonicalAmount(decimal: string, decimals: number): AmountResult {
  const m = DECIMAL.exec(decimal);
  if (!m) return { ok: false, message: 'must be a decimal such as "49.90"' };
  const whole = m[1]!.replace(/^0+(?=\d)/, '');
  const fraction = (m[2] ?? '').replace(/0+$/, '');
  if (/^0*$/.test(whole) && fraction === '') return { ok: false, message: 'must be greater than zero' };
  if (whole.length > MAX_AMOUNT_INTEGER_DIGITS) {
    return { ok: false, message: `must be less than 1000000000000 (at most ${MAX_AMOUNT_INTEGER_DIGITS} digits before the decimal point)` };
  }
  if (fraction.length > decimals) {
    return { ok: false, message: decimals === 0 ? 'this currency has no decimals' : `this currency allows at most ${decimals} decimals` };
  }
  return { ok: true, value: decimals === 0 ? whole : `${whole}.${fraction.padEnd(decimals, '0')}` };
}

/** Amounts compare as decimals: "49.9" and "49.90" are the same money. */
export function sameAmount(a: string, b: string): boolean {
  const norm = (s: string) => {
    const [w = '0', f = ''] = s.split('.');
    return `${w.replace(/^0+(?=\d)/, '')}.${f.replace(/0+$/, '')}`;
  };
  return norm(a) === norm(b);
}
