/**
 * The largest amount we accept: below 10^12 of the currency's major unit, i.e. at most 12 digits
 * before the decimal point (issue 14 item 12: there was no bound but the schema's 15 digits).
 *
 * Why 12: far above any real single payment (10^12 EUR; 10^12 IDR ≈ US$60 M), and with the
 * ≤ 3 decimals of nearly every currency that is at most 15 significant digits — what an IEEE
 * double (a JSON number, a JavaScript shop's `Number`) carries exactly, so the amount a shop sends
 * as a number is the amount charged. It also keeps Bansky, analytics sums (BigQuery BIGNUMERIC)
 * and every integer-of-minor-units consumer far from overflow.
 */
export const MAX_AMOUNT_INTEGER_DIGITS = 12;

/** For a decimal string (`"49.90"`): a message when it is 10^12 or more, else null. */
export function amountLimitProblem(amount: string): string | null {
  const whole = (amount.split('.')[0] ?? '').replace(/^[+-]/, '').replace(/^0+(?=\d)/, '');
  return whole.length > MAX_AMOUNT_INTEGER_DIGITS ? `must be less than 1000000000000 (at most ${MAX_AMOUNT_INTEGER_DIGITS} digits before the decimal point)` : null;
}
