import type { PaymentStatus } from '../../generated/api/types.gen';

/** "2026-12-01 21:36 UTC" — one unambiguous zone for every member of a shop. */
export function fmtTime(iso: string | null | undefined, seconds = false): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return `${d
    .toISOString()
    .slice(0, seconds ? 19 : 16)
    .replace('T', ' ')} UTC`;
}

/** Exact amounts as sent ("1,249.90"); never rounded through a float. */
export function fmtAmount(amount: string): string {
  const [whole = '0', fraction] = amount.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction !== undefined ? `${grouped}.${fraction}` : grouped;
}

export const STATUS_LABELS: Record<PaymentStatus, string> = {
  created: 'Created',
  awaiting_payment: 'Awaiting payment',
  paid: 'Paid',
  failed: 'Failed',
  expired: 'Expired',
  init_failed: 'Not started',
};

export const STATUS_TONE: Record<PaymentStatus, 'ok' | 'bad' | 'wait' | 'muted'> = {
  created: 'wait',
  awaiting_payment: 'wait',
  paid: 'ok',
  failed: 'bad',
  expired: 'muted',
  init_failed: 'bad',
};

/**
 * A timeline step in the merchant's words. The stored reasons (src/core/payments/flow.ts) name our
 * internals ("bansky accepted", "bansky status check (customer returned)"); the app says what happened.
 */
export function timelineText(t: { status: PaymentStatus; reason?: string | null }): string {
  const r = t.reason ?? '';
  if (t.status === 'created') return 'Payment created by your server';
  if (r.startsWith('bansky accepted')) {
    return r === 'bansky accepted'
      ? 'Checkout opened at the payment provider'
      : 'Checkout opened at the payment provider (after an interruption on our side)';
  }
  if (r === 'bansky_timeout') return 'The payment provider did not answer in time; the payment was not started';
  if (r.startsWith('bansky_')) return 'The payment provider could not start the payment';
  if (r === 'bansky postback') return 'The payment provider reported the result';
  if (r === 'bansky postback after expiry') return 'The payment provider reported the result after the pay link had expired';
  if (r === 'pay link expired') return 'The pay link expired before the customer paid';
  const check = /^bansky status check \((.+)\)$/.exec(r)?.[1];
  if (check?.startsWith('customer returned')) return 'Customer came back; status checked with the provider';
  if (check === 'pay link expiry') return 'Pay link expired; status checked with the provider first';
  if (check === 'init timed out') return 'Status checked with the provider after it did not answer in time';
  if (check) return 'Status checked with the provider after an interruption on our side';
  return '';
}
