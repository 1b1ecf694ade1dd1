import { currencyInfo } from '../payments/rules';

/**
 * Exact money arithmetic for totals: amounts become integers of the currency's smallest unit
 * (BigInt: 18-decimal crypto does not fit a double or SQLite's int64), and back.
 */
const decimalsOf = (currency: string) => currencyInfo(currency)?.decimals ?? 18;

export function toMinor(amount: string, currency: string): bigint {
  const decimals = decimalsOf(currency);
  const [whole = '0', fraction = ''] = amount.split('.');
  const digits = fraction.replace(/0+$/, '');
  if (digits.length > decimals) throw new Error(`${amount} has more than ${decimals} decimals for ${currency}`);
  return BigInt(whole || '0') * 10n ** BigInt(decimals) + BigInt(digits.padEnd(decimals, '0') || '0');
}

/** Fiat keeps its minor digits ("49.90"); crypto drops trailing zeros ("0.5", not "0.500000000000000000"). */
export function fromMinor(minor: bigint, currency: string): string {
  const info = currencyInfo(currency);
  const decimals = info?.decimals ?? 18;
  const negative = minor < 0n;
  const abs = negative ? -minor : minor;
  const s = abs.toString().padStart(decimals + 1, '0');
  const whole = s.slice(0, s.length - decimals);
  let fraction = s.slice(s.length - decimals);
  if (info?.type !== 'fiat') fraction = fraction.replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/**
 * A decimal amount as text that sorts like the number: 12 integer digits and 18 fraction digits,
 * zero-padded (`49.9` → `000000000049.900000000000000000`). Exact for every amount a payment can
 * have (at most 12 integer digits, 18 decimals), so SQLite compares and indexes it without floats.
 */
export function amountKey(amount: string): string {
  const [whole = '0', fraction = ''] = amount.split('.');
  return `${whole.replace(/^0+(?=\d)/, '').padStart(12, '0')}.${fraction.slice(0, 18).padEnd(18, '0')}`;
}
