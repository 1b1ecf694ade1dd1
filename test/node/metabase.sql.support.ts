/**
 * Seed for the Metabase SQL test: payments of two shops in two modes over several days, described
 * once as plain facts, turned into events (with a retried batch re-sent) and into the figures a card
 * must show, computed here in JS without SQL.
 */
type Outcome = 'paid' | 'failed' | 'expired' | 'init_failed' | 'open';
type Postback = 'delivered' | 'dead' | 'pending' | null;
export interface SeedPayment {
  id: string;
  shop: string;
  mode: 'test' | 'live';
  currency: string;
  amount: string;
  day: string;
  time: string;
  outcome: Outcome;
  payDelayS?: number;
  postback?: Postback;
}

const TODAY = '2026-05-10';
export const NOW = new Date(`${TODAY}T18:00:00Z`);
const dayOffset = (n: number) => new Date(Date.parse(`${TODAY}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);
const D3 = dayOffset(3);
export const D0 = TODAY,
  D20 = dayOffset(20),
  D40 = dayOffset(40);

export const PAYMENTS: SeedPayment[] = [
  {
    id: 'a1',
    shop: 'shop_a',
    mode: 'live',
    currency: 'EUR',
    amount: '10.00',
    day: D0,
    time: '09:00:00',
    outcome: 'paid',
    payDelayS: 60,
    postback: 'delivered',
  },
  {
    id: 'a2',
    shop: 'shop_a',
    mode: 'live',
    currency: 'EUR',
    amount: '5.50',
    day: D3,
    time: '10:00:00',
    outcome: 'failed',
    postback: 'delivered',
  },
  {
    id: 'a3',
    shop: 'shop_a',
    mode: 'live',
    currency: 'USD',
    amount: '20.00',
    day: D3,
    time: '11:00:00',
    outcome: 'paid',
    payDelayS: 120,
    postback: 'dead',
  },
  {
    id: 'a4',
    shop: 'shop_a',
    mode: 'live',
    currency: 'ETH',
    amount: '1.123456789012345678',
    day: D20,
    time: '12:00:00',
    outcome: 'paid',
    payDelayS: 30,
    postback: 'pending',
  },
  { id: 'a5', shop: 'shop_a', mode: 'live', currency: 'EUR', amount: '7.25', day: D0, time: '13:00:00', outcome: 'init_failed' },
  {
    id: 'a6',
    shop: 'shop_a',
    mode: 'live',
    currency: 'EUR',
    amount: '3.00',
    day: D20,
    time: '14:00:00',
    outcome: 'expired',
    postback: 'delivered',
  },
  {
    id: 'a7',
    shop: 'shop_a',
    mode: 'live',
    currency: 'EUR',
    amount: '99.00',
    day: D40,
    time: '15:00:00',
    outcome: 'paid',
    payDelayS: 10,
    postback: 'delivered',
  },
  {
    id: 'a8',
    shop: 'shop_a',
    mode: 'test',
    currency: 'EUR',
    amount: '1.00',
    day: D0,
    time: '08:00:00',
    outcome: 'paid',
    payDelayS: 5,
    postback: 'delivered',
  },
  { id: 'a9', shop: 'shop_a', mode: 'test', currency: 'GBP', amount: '2.00', day: D3, time: '08:30:00', outcome: 'open' },
  {
    id: 'b1',
    shop: 'shop_b',
    mode: 'live',
    currency: 'EUR',
    amount: '50.00',
    day: D0,
    time: '10:30:00',
    outcome: 'paid',
    payDelayS: 300,
    postback: 'delivered',
  },
  {
    id: 'b2',
    shop: 'shop_b',
    mode: 'live',
    currency: 'CHF',
    amount: '8.00',
    day: D3,
    time: '16:00:00',
    outcome: 'failed',
    postback: 'dead',
  },
  {
    id: 'b3',
    shop: 'shop_b',
    mode: 'test',
    currency: 'JPY',
    amount: '1000',
    day: D20,
    time: '17:00:00',
    outcome: 'paid',
    payDelayS: 45,
    postback: 'pending',
  },
];

let seq = 0;
export function eventsOf(p: SeedPayment): Array<Record<string, unknown>> {
  const t0 = Date.parse(`${p.day}T${p.time}Z`);
  const at = (ms: number) => new Date(t0 + ms).toISOString();
  const facts = {
    shop_id: p.shop,
    mode: p.mode,
    payment_id: p.id,
    shop_transaction_id: `order-${p.id}`,
    amount: p.amount,
    currency: p.currency,
    type: p.currency === 'ETH' ? 'crypto' : 'fiat',
    email: `${p.id}@customer.example`,
  };
  const ev = (event_type: string, ms: number, more: Record<string, unknown> & { attributes?: Record<string, unknown> }) => {
    const { attributes, ...rest } = more;
    return {
      event_id: `${p.id}-${++seq}`,
      event_type,
      occurred_at: at(ms),
      ...facts,
      ...rest,
      attributes: JSON.stringify(attributes ?? {}),
    };
  };
  const rows = [ev('payment_created', 0, { status: 'created' })];
  if (p.outcome === 'init_failed') {
    rows.push(
      ev('bansky_init_failed', 50, { status: 'init_failed', http_status: 500, latency_ms: 50, attributes: { code: 'bansky_5xx' } }),
    );
    return rows;
  }
  rows.push(ev('bansky_init_ok', 100, { status: 'awaiting_payment', http_status: 200, latency_ms: 100 }));
  if (p.outcome === 'open') return rows;
  const finalMs = (p.payDelayS ?? 90) * 1000;
  const reason = p.outcome === 'expired' ? 'pay link expired' : 'bansky postback';
  rows.push(ev('status_changed', finalMs, { status: p.outcome, attributes: { reason } }));
  const attempt = (ms: number, http: number) =>
    ev('shop_postback_attempt', finalMs + ms, { status: p.outcome, http_status: http, latency_ms: 20 });
  if (p.postback === 'delivered') rows.push(attempt(1000, 500), attempt(3000, 200));
  if (p.postback === 'pending') rows.push(attempt(1000, 500));
  if (p.postback === 'dead')
    rows.push(
      attempt(1000, 503),
      attempt(2000, 503),
      attempt(3000, 503),
      ev('postback_dead_lettered', finalMs + 4000, { status: p.outcome }),
    );
  return rows;
}

export interface Scope {
  shop: string;
  mode: 'test' | 'live';
  from: string;
  to: string;
  /** One value or several (a dashboard's text filter is multi-value). */
  currency?: string | string[];
  status?: string | string[];
}

const matches = (want: string | string[] | undefined, got: string) => want === undefined || [want].flat().includes(got);

export function paymentsIn(s: Scope): SeedPayment[] {
  const status = (p: SeedPayment) => (p.outcome === 'open' ? 'awaiting_payment' : p.outcome);
  return PAYMENTS.filter((p) => p.shop === s.shop && p.mode === s.mode && p.day >= s.from && p.day <= s.to).filter(
    (p) => matches(s.currency, p.currency) && matches(s.status, status(p)),
  );
}

export const statusOf = (p: SeedPayment) => (p.outcome === 'open' ? 'awaiting_payment' : p.outcome);
export const attemptsOf = (p: SeedPayment) => ({ delivered: 2, pending: 1, dead: 3 })[p.postback ?? ('x' as never)] ?? 0;
