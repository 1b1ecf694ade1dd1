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
