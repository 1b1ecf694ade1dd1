/** Shared by the scenarios: the run's context, request bodies, and how duplicates are counted. */
import { createHmac } from 'node:crypto';
import { percentile } from '../../bench/stats.ts';
import { type Api, type ChaosSandbox, type InitAnswer, type InitBody, pool, SECRETS, type ShopCreds, type StatusLog } from './harness.ts';
import type { ChaosShops, Receipt } from './shop.ts';

export interface Params {
  short: boolean;
  /** Scenario 1: inits, concurrency, shops. */
  inits: number;
  concurrency: number;
  loadShops: number;
  /** Scenario 2: final payments mid-retry at the kill, ones whose endpoint never answers, load before the kill. */
  restartRetrying: number;
  restartDead: number;
  restartLoadMs: number;
  /** Scenario 3: payments and how long their endpoint is down. */
  outagePayments: number;
  outageDownMs: number;
  /** Scenario 4: shop B's postbacks per phase, shop A's postbacks into hanging endpoints. */
  isolationB: number;
  isolationA: number;
  /** Scenario 5: payments per Bansky fault. */
  perFault: number;
  /** Scenario 6: payments whose Bansky postback is lost, and unpaid controls. */
  reconcile: number;
  reconcileControls: number;
}

/** The Worker's configuration for the run (src/env.ts): short schedules, limits out of the way. */
export const SCHEDULE = [2, 4, 8];
export const WORKER_VARS = {
  POSTBACK_RETRY_SCHEDULE_SECONDS: SCHEDULE.join(','),
  POSTBACK_DEAD_LETTER_AFTER_SECONDS: '30',
  POSTBACK_TIMEOUT_MS: '3000',
  POSTBACK_RESEND_INTERVAL_SECONDS: '0',
  BANSKY_TIMEOUT_MS: '2500',
  RATE_LIMIT_PER_TOKEN: '1000000',
  RATE_LIMIT_PER_IP: '1000000',
  LOG_LEVEL: 'warn',
};
/** After the restart the Worker runs with the shortest pay link allowed, for scenario 6's expiry. */
export const PAY_LINK_TTL_SECONDS = 60;
/** The sandbox: init_timeout stalls past our BANSKY_TIMEOUT_MS; postback_delay is short. */
export const SANDBOX = { stallMs: 5000, postbackDelayMs: 1000 };
/** The payment object's sweep grace: min(30 s, first retry step) (src/core/payments/payment-object.ts). */
export const SWEEP_GRACE_S = Math.min(30, SCHEDULE[0]!);

export interface Ctx {
  P: Params;
  api: Api;
  sandbox: ChaosSandbox;
  shops: ChaosShops;
  statuses: StatusLog;
  creds: Record<string, ShopCreds>;
  runId: string;
  log: (line: string) => void;
  /** The shop app and payments-list probes; told when the run takes the Worker down on purpose. */
  probes: { down(): void; up(): void; lastUp(): number };
}

export function body(ctx: Ctx, tx: string | undefined, email: string, postbackUrl: string | undefined, amount = '10.00'): InitBody {
  const back = `${ctx.shops.url}/return`;
  return {
    id: tx,
    email,
    amount,
    currency: 'EUR',
    successUrl: `${back}/ok`,
    errorUrl: `${back}/error`,
    ...(postbackUrl ? { postbackUrl } : {}),
  };
}

export interface Dups {
  duplicated: number;
  explained: number;
}

/**
 * Duplicates the shop saw: an event acknowledged more than once under its webhook-id (explained
 * when `explain` says at-least-once delivery allows it), and an event sent under more than one
 * webhook-id (never explained: a shop de-duplicates by webhook-id).
 */
export function duplicates(all: Receipt[], explain: (first: Receipt, again: Receipt) => boolean = () => false): Dups {
  let duplicated = 0;
  let explained = 0;
  const acks = new Map<string, Receipt[]>();
  for (const r of all.filter((x) => x.answered !== null && x.answered < 300)) acks.set(r.webhookId, [...(acks.get(r.webhookId) ?? []), r]);
  for (const group of acks.values()) {
    group.sort((a, b) => a.at - b.at);
    for (const again of group.slice(1)) {
      duplicated++;
      if (explain(group[0]!, again)) explained++;
    }
  }
  const idsPerEvent = new Map<string, Set<string>>();
  for (const r of all) {
    const k = `${r.paymentId} ${r.type}`;
    idsPerEvent.set(k, (idsPerEvent.get(k) ?? new Set()).add(r.webhookId));
  }
  for (const ids of idsPerEvent.values()) duplicated += ids.size - 1;
  return { duplicated, explained };
}

/** 5xx answers in a scenario, other than the allowed ones: each is a failed expectation. */
export function undocumented5xx(ctx: Ctx, scenario: string, allowed: number[] = []): string[] {
  return Object.entries(ctx.statuses.counts(scenario))
    .filter(([s]) => Number(s) >= 500 && !allowed.includes(Number(s)))
    .map(([s, n]) => `${n}× HTTP ${s}`);
}

export const ms = (n: number) => `${Math.round(n)} ms`;
export const secs = (n: number) => `${(n / 1000).toFixed(1)} s`;
export const pct = (xs: number[], p: number) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    p,
  );

/**
 * The payment id the Worker derives for a shop transaction id (src/core/payments/ids.ts
 * derivePaymentId: HMAC-SHA256 of `shop|mode|tx` with PAYMENT_ID_SECRET, its first 22 base62
 * digits), for inits whose answer carries none (a 502/504, or one the kill cut off).
 */
export function derivedPaymentId(shopId: string, tx: string): string {
  const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let n = BigInt(`0x${createHmac('sha256', SECRETS.PAYMENT_ID_SECRET).update(`${shopId}|test|${tx}`).digest('hex')}`);
  let out = 'pay_';
  for (let i = 0; i < 22; i++, n /= 62n) out += BASE62[Number(n % 62n)];
  return out;
}

/**
 * Follows tried transaction ids to the end, answered or not: each must be a payment the shop can
 * read, or absent at Bansky too (no init call reached it, no checkout session). A checkout session
 * for a payment we cannot read is money that could move on a page we have forgotten: lost.
 */
export async function followTransactions(
  ctx: Ctx,
  scenario: string,
  shop: ShopCreds,
  txs: string[],
): Promise<{ readable: number; absent: number; lost: string[]; states: Record<string, number> }> {
  const ledger = await ctx.sandbox.ledger();
  const atBansky = new Set([...ledger.sessions.map((x) => x.paymentId), ...Object.keys(ledger.initCalls)]);
  const states: Record<string, number> = {};
  let readable = 0;
  let absent = 0;
  const lost: string[] = [];
  await pool([...new Set(txs)], 20, async (tx) => {
    const id = derivedPaymentId(shop.shopId, tx);
    const p = await ctx.api.payment(scenario, shop, id).catch(() => undefined);
    if (p) {
      readable++;
      states[p.status] = (states[p.status] ?? 0) + 1;
    } else if (p === null && !atBansky.has(id)) absent++;
    else lost.push(`${tx} (${id}): ${p === null ? 'unknown to us, but Bansky has it' : 'not readable'}`);
  });
  return { readable, absent, lost, states };
}

/**
 * Why an init did not end in a payment, in words: whose timeout it was (Bansky's answer later than
 * BANSKY_TIMEOUT_MS → our 504 bansky_timeout; the Worker not answering the client in time → no
 * answer at all) or what else. Only the first two are timeouts the contract documents.
 */
export function initFailureKind(a: InitAnswer): { kind: string; documentedTimeout: boolean } {
  if (a.status === 504 && a.code === 'bansky_timeout')
    return { kind: '504 bansky_timeout (Bansky answered later than BANSKY_TIMEOUT_MS)', documentedTimeout: true };
  if (a.status === 0 && /timeout|abort/i.test(a.code ?? ''))
    return { kind: 'no answer within the client timeout (our Worker too slow)', documentedTimeout: true };
  if (a.status === 502) return { kind: `502 ${a.code ?? ''} (Bansky refused or unreachable)`.replace('  ', ' '), documentedTimeout: false };
  if (a.status === 503) return { kind: '503 (the runtime overloaded or restarting)', documentedTimeout: false };
  if (a.status === 0) return { kind: `no answer (${a.code ?? 'connection failed'})`, documentedTimeout: false };
  return { kind: `${a.status} ${a.code ?? ''}`.trim(), documentedTimeout: false };
}
