/**
 * What each operation costs in production terms, counted with the real bindings (costs.support.ts):
 * the serial round trips before its answer, and the billable operations of one payment's life.
 * Counts are deterministic, so the test holds them to the documented budget in bench/costs/budget.ts;
 * `npm run bench` reads the same figures from this file's report (task meta) and prices them.
 */

import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { LIFECYCLE_BUDGET, type OperationName, SERIAL_BUDGET } from '../../bench/costs/budget';
import type { CriticalPath, LifecycleCount } from '../../bench/costs/report';
import type { PaymentObject } from '../../src/core/payments/payment-object';
import { instrument, type Kind, NETWORK_KINDS, rawStub, rec, settle, worker } from './costs.support';
import { BASE, createShopWithToken, shopHeaders } from './helpers';
import { banskyPaidPostback, paymentBody, recorderUrl, shopHookPath } from './payments.support';

/** Latency injected into one kind of I/O at a time; the answer's extra wait / this = serial round trips. */
const DELAY_MS = 400;

let shop: { token: string };
let n = 0;
const ip = () => `203.0.113.${(n % 250) + 1}`;

async function initPayment(): Promise<{ id: string; url: string }> {
  const body = paymentBody({ id: `cost-${Date.now().toString(36)}-${++n}`, postbackUrl: `${recorderUrl()}${shopHookPath()}` });
  const send = () =>
    worker.fetch(`${BASE}/api/v1/init-payment`, { method: 'POST', headers: shopHeaders(shop.token), body: JSON.stringify(body) });
  let res = await send();
  // Bansky's sandbox may time out on a loaded machine (a 502 replays as itself): a new id then.
  if (res.status >= 500) {
    body.id = `${body.id}-again`;
    res = await send();
  }
  if (res.status !== 201) throw new Error(`init: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string; url: string };
}

const browser = (path: string) => worker.fetch(`${BASE}${path}`, { redirect: 'manual', headers: { 'cf-connecting-ip': ip() } });

/**
 * Each operation: `prepare` (not measured) returns the request to measure; its answer's status is
 * checked so a refused request is never counted as a cheap one.
 */
const OPERATIONS: Record<OperationName, { status: number; prepare: () => Promise<() => Promise<Response>> }> = {
  init: { status: 201, prepare: async () => () => initPayment().then(() => new Response(null, { status: 201 })) },
  'pay link (awaiting payment)': {
    status: 302,
    prepare: async () => {
      const { id } = await initPayment();
      return () => browser(`/integration/pay?id=${id}`);
    },
  },
  'pay link (paid)': {
    status: 409,
    prepare: async () => {
      const { id } = await initPayment();
      await banskyPaidPostback(id);
      return () => browser(`/integration/pay?id=${id}`);
    },
  },
  'success return': {
    status: 302,
    prepare: async () => {
      const { id } = await initPayment();
      return () => browser(`/integration/success?id=${id}`);
    },
  },
  'error return': {
    status: 302,
    prepare: async () => {
      const { id } = await initPayment();
      return () => browser(`/integration/error?id=${id}`);
    },
  },
  'Bansky postback': {
    status: 200,
    prepare: async () => {
      const { id } = await initPayment();
      return () => banskyPaidPostback(id);
    },
  },
  'status poll (get)': {
    status: 200,
    prepare: async () => {
      const { id } = await initPayment();
      return () => worker.fetch(`${BASE}/api/v1/payments/${id}`, { headers: shopHeaders(shop.token) });
    },
  },
  list: {
    status: 200,
    prepare: async () => () => worker.fetch(`${BASE}/api/v1/payments?limit=50`, { headers: shopHeaders(shop.token) }),
  },
};

interface Run {
  answerMs: number;
  /** From the request to the shop's postback leaving (the Bansky postback only). */
  shopMs: number | null;
}

async function measure(name: OperationName, delay: Partial<Record<Kind, number>>): Promise<Run> {
  const op = OPERATIONS[name];
  const run = await op.prepare();
  await settle(300, 5_000); // the setup's deferred work is not this request's
  rec.reset(name);
  rec.delay = delay;
  rec.on = true;
  const t0 = Date.now();
  const res = await run();
  const answerMs = Date.now() - t0;
  await res.arrayBuffer();
  let shopMs: number | null = null;
  if (name === 'Bansky postback') {
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline && !rec.ops.some((o) => o.kind === 'shop')) await new Promise((r) => setTimeout(r, 20));
    const shopOp = rec.ops.find((o) => o.kind === 'shop');
    shopMs = shopOp ? shopOp.start - t0 : null;
  }
  await settle(300, 3_000);
  rec.on = false;
  rec.delay = {};
  expect(res.status, `${name}: answered ${res.status}`).toBe(op.status);
  return { answerMs, shopMs };
}

const roundTrips = (delayed: number, base: number) => Math.max(0, Math.round((delayed - base) / DELAY_MS));

async function criticalPath(name: OperationName): Promise<CriticalPath> {
  // The least of three plain runs: a busy machine only ever adds time.
  const base = [await measure(name, {}), await measure(name, {}), await measure(name, {})].reduce((a, b) =>
    a.answerMs <= b.answerMs ? a : b,
  );
  const byKind: Partial<Record<Kind, number>> = {};
  const shopByKind: Partial<Record<Kind, number>> = {};
  // A busy machine only ever adds time: a count above the floor is measured up to twice more and the least kept.
  const twice = async (delay: Partial<Record<Kind, number>>, expected: number) => {
    let best = await measure(name, delay);
    for (let i = 0; i < 2 && roundTrips(best.answerMs, base.answerMs) > expected; i++) {
      const again = await measure(name, delay);
      best = {
        answerMs: Math.min(best.answerMs, again.answerMs),
        shopMs: best.shopMs === null || again.shopMs === null ? null : Math.min(best.shopMs, again.shopMs),
      };
    }
    return best;
  };
  for (const kind of NETWORK_KINDS) {
    const r = await twice({ [kind]: DELAY_MS }, 0);
    byKind[kind] = roundTrips(r.answerMs, base.answerMs);
    if (r.shopMs !== null && base.shopMs !== null) shopByKind[kind] = roundTrips(r.shopMs, base.shopMs);
  }
  const all = await twice(Object.fromEntries(NETWORK_KINDS.map((k) => [k, DELAY_MS])), SERIAL_BUDGET[name].floor);
  return {
    serial: roundTrips(all.answerMs, base.answerMs),
    byKind,
    ...(name === 'Bansky postback' && all.shopMs !== null && base.shopMs !== null
      ? { toShop: { serial: roundTrips(all.shopMs, base.shopMs), byKind: shopByKind } }
      : {}),
  };
}

beforeAll(async () => {
  await instrument();
  shop = await createShopWithToken();
  await initPayment(); // the isolate's token and shop caches are warm, as they are under traffic
});

describe('costs per operation, counted with the real bindings', () => {
  const paths: Partial<Record<OperationName, CriticalPath>> = {};

  for (const name of Object.keys(OPERATIONS) as OperationName[]) {
    it(`${name}: serial round trips before the answer within the documented budget`, async ({ task }) => {
      const path = await criticalPath(name);
      paths[name] = path;
      task.meta.criticalPath = { name, ...path } as unknown;
      expect(path.serial, JSON.stringify(path)).toBeLessThanOrEqual(SERIAL_BUDGET[name].serial);
      if (path.toShop) expect(path.toShop.serial, JSON.stringify(path.toShop)).toBeLessThanOrEqual(SERIAL_BUDGET[name].toShop!);
    }, 120_000);
  }

  it("one payment's life (init, open, return, Bansky's postback and the shop's, one poll): every billable operation", async ({ task }) => {
    const phases: Array<[string, () => Promise<Response | unknown>]> = [];
    let payment = { id: '', url: '' };
    const customer = '198.51.100.23';
    phases.push(['init', async () => (payment = await initPayment())]);
    phases.push([
      'pay link',
      () =>
        worker.fetch(payment.url.replace(/^.*\/integration/, `${BASE}/integration`), {
          redirect: 'manual',
          headers: { 'cf-connecting-ip': customer },
        }),
    ]);
    phases.push([
      'success return',
      () => worker.fetch(`${BASE}/integration/success?id=${payment.id}`, { redirect: 'manual', headers: { 'cf-connecting-ip': customer } }),
    ]);
    phases.push(['Bansky postback → shop', () => banskyPaidPostback(payment.id)]);
    phases.push(['status poll', () => worker.fetch(`${BASE}/api/v1/payments/${payment.id}`, { headers: shopHeaders(shop.token) })]);

    const counted: LifecycleCount['ops'] = [];
    await settle(300, 3_000);
    for (const [phase, run] of phases) {
      rec.reset(phase);
      rec.on = true;
      const res = await run();
      if (res instanceof Response) expect(res.status, phase).toBeLessThan(400);
      await settle();
      rec.on = false;
      for (const o of rec.ops)
        counted.push({ phase, kind: o.kind, what: o.what, units: o.units, rows: o.rows, rowsRead: o.rowsRead, rowsWritten: o.rowsWritten });
    }
    // What the payment's object will still do on its own: an alarm left armed is one more invocation.
    const alarm = await runInDurableObject(rawStub(env.PAYMENTS, payment.id), (o: PaymentObject) =>
      (o as unknown as { ctx: DurableObjectState }).ctx.storage.getAlarm(),
    );
    const requests = phases.length;
    const lifecycle: LifecycleCount = { requests, ops: counted, alarmArmedAtEnd: alarm !== null };
    task.meta.lifecycle = lifecycle as unknown;
    expect(
      counted.some((o) => o.kind === 'shop'),
      'the shop was sent its postback',
    ).toBe(true);
    const returnMessages = counted.filter((o) => o.phase === 'success return' && o.what === 'queue analytics');
    expect(
      returnMessages.map((o) => o.rows),
      'the return and its status check: one message, both events',
    ).toEqual([2]);
    const sum = (ops: typeof counted, of: (o: (typeof counted)[number]) => number) => ops.reduce((n, o) => n + of(o), 0);
    const figures = {
      doRowsWritten: sum(counted, (o) => (o.kind === 'storage' ? (o.rowsWritten ?? 0) : 0)),
      doRequests: sum(counted, (o) => (o.kind === 'do' ? 1 : 0)) + (alarm === null ? 0 : 1),
      queueMessages: sum(counted, (o) => (o.kind === 'queue' ? o.units : 0)),
    };
    const over = Object.entries(figures).filter(([k, n]) => n > LIFECYCLE_BUDGET[k as keyof typeof LIFECYCLE_BUDGET]);
    expect(over, `over the lifecycle budget (bench/costs/budget.ts): ${JSON.stringify(figures)}`).toEqual([]);
  }, 120_000);
});
