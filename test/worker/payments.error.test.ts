import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { InitPaymentRequest, Problem } from '../../generated/api/types.gen';
import '../support/provided-context';
import type { PaymentObject } from '../../src/core/payments/payment-object';
import type { PaymentRecord } from '../../src/core/payments/record';
import { adminCall, BASE, createShopWithToken, shopHeaders, worker } from './helpers';
import { paymentBody, sandboxStats, shopApi, txlogByShopTransactionId, txlogWhen, visit } from './payments.support';

describe('init-payment when Bansky fails: a problem, and the payment recorded as init_failed', () => {
  let api: ReturnType<typeof shopApi>;
  beforeAll(async () => {
    api = shopApi((await createShopWithToken()).token);
  });

  it.each([
    ['init_fail', 502, 'bansky_error'],
    ['init_reject', 502, 'bansky_error'],
    ['init_garbage', 502, 'bansky_error'],
    ['init_html', 502, 'bansky_error'],
    ['init_timeout', 504, 'bansky_timeout'],
  ] as const)(
    'Bansky %s → %i %s; a replay answers the same; Bansky was called once',
    async (fault, status, code) => {
      const body = paymentBody({ id: `order-${fault}`, email: `jane+${fault}@example.com` });
      const first = await api.init(body);
      expect(first.response.status).toBe(status);
      expect(first.response.headers.get('content-type')).toBe('application/problem+json');
      const problem = first.error as Problem;
      expect(problem.code).toBe(code);
      expect(JSON.stringify(problem)).not.toMatch(/bansky\.example|127\.0\.0\.1|checkout/); // nothing of Bansky's answer leaks

      const replay = await api.init(body);
      expect(replay.response.status).toBe(status);
      expect(replay.response.headers.get('idempotent-replayed')).toBe('true');

      // Recorded, not half-written: the status says why, no pay link works, and the log agrees.
      const ids = await failedPayment(body.id!);
      expect(ids.initCalls).toBe(1);
      const admin = await (await adminCall('GET', `/admin/v1/payments/${ids.paymentId}`)).json<{
        payment: { status: string };
        banskyUrl: string | null;
        transitions: { status: string; reason: string }[];
      }>();
      expect(admin.payment.status).toBe('init_failed');
      expect(admin.banskyUrl).toBeNull();
      expect(admin.transitions.map((t) => t.status)).toEqual(['created', 'init_failed']);
      expect(admin.transitions[1]!.reason).toBe(code);
      expect((await txlogWhen(ids.paymentId, 'init_failed')).transitions.map((t) => t.status)).toEqual(['created', 'init_failed']);
    },
    15_000,
  );

  async function failedPayment(shopTxId: string) {
    const entry = await txlogByShopTransactionId(shopTxId);
    return { paymentId: entry.id, initCalls: (await sandboxStats('test', entry.id)).initCalls };
  }
});

describe('init-payment idempotency conflicts', () => {
  it('the same shop id with a different body → 409 idempotency_conflict; the original stays', async () => {
    const api = shopApi((await createShopWithToken()).token);
    const first = await api.init(paymentBody({ id: 'order-conflict' }));
    const second = await api.init(paymentBody({ id: 'order-conflict', amount: '50.00' }));
    expect(second.response.status).toBe(409);
    expect((second.error as Problem).code).toBe('idempotency_conflict');
    expect((await api.get(first.data!.id)).data).toMatchObject({ amount: '49.90', status: 'awaiting_payment' });
    expect((await sandboxStats('test', first.data!.id)).initCalls).toBe(1);
  });

  it('two shops may use the same transaction id independently', async () => {
    const a = shopApi((await createShopWithToken()).token);
    const b = shopApi((await createShopWithToken()).token);
    const ra = await a.init(paymentBody({ id: 'order-shared' }));
    const rb = await b.init(paymentBody({ id: 'order-shared', amount: '1.00' }));
    expect([ra.response.status, rb.response.status]).toEqual([201, 201]);
    expect(ra.data!.id).not.toBe(rb.data!.id);
  });
});

describe('init-payment rules beyond the schema', () => {
  let token: string;
  beforeAll(async () => {
    ({ token } = await createShopWithToken({ allowedRedirectHosts: ['shop.example', '*.cdn.shop.example'] }));
  });

  async function post(overrides: Record<string, unknown>) {
    const res = await worker.fetch(`${BASE}/api/v1/init-payment`, {
      method: 'POST',
      headers: shopHeaders(token),
      body: JSON.stringify(paymentBody(overrides)),
    });
    return { status: res.status, problem: (await res.json()) as Problem };
  }

  it.each([
    ['zero amount', 'invalid_amount', '/amount', { amount: '0.00' }],
    ['too many decimals for EUR', 'invalid_amount', '/amount', { amount: '1.001' }],
    ['decimals for JPY', 'invalid_amount', '/amount', { amount: '100.5', currency: 'JPY' }],
    ['more than 8 decimals for BTC', 'invalid_amount', '/amount', { amount: '0.000000001', currency: 'BTC' }],
    ['unknown currency', 'invalid_currency', '/currency', { currency: 'ABC' }],
    ['unsupported crypto', 'invalid_currency', '/currency', { currency: 'DOGE' }],
    ['fiat with BTC', 'type_currency_mismatch', '/type', { currency: 'BTC', amount: '0.1', type: 'fiat' }],
    ['crypto with EUR', 'type_currency_mismatch', '/type', { type: 'crypto' }],
  ])('%s → 400 %s at %s', async (_name, code, path, overrides) => {
    const { status, problem } = await post(overrides);
    expect(status).toBe(400);
    expect(problem.code).toBe(code);
    expect(problem.errors?.map((e) => e.path)).toEqual([path]);
  });

  it.each([
    ['JPY without decimals', 'fiat', { amount: '1500', currency: 'JPY' }],
    ['trailing zeros within the minor units', 'fiat', { amount: '10.50' }],
    ['ETH with 18 decimals', 'crypto', { amount: '0.000000000000000001', currency: 'ETH' }],
    ['USDT with 6 decimals', 'crypto', { amount: '12.345678', currency: 'USDT', type: 'crypto' }],
    ['a wildcard redirect host', 'fiat', { successUrl: 'https://eu.cdn.shop.example/ok' }],
  ])('%s is accepted and the type is %s', async (_name, type, overrides) => {
    const api = shopApi(token);
    const res = await api.init(paymentBody(overrides as Partial<InitPaymentRequest>));
    expect(res.response.status).toBe(201);
    expect((await api.get(res.data!.id)).data!.type).toBe(type);
  });
});

describe('an init cut off by a restart (the record left in created, no Bansky call in flight)', () => {
  let api: ReturnType<typeof shopApi>;
  beforeAll(async () => {
    api = shopApi((await createShopWithToken()).token);
  });

  /** The storage an eviction between "recorded" and "Bansky answered" leaves behind: a crash simulated, not time faked. */
  async function cutOff(id: string) {
    const stub = env.PAYMENTS.get(env.PAYMENTS.idFromName(id));
    await runInDurableObject(stub, async (_instance: PaymentObject, state) => {
      const r = (await state.storage.get<PaymentRecord>('payment'))!;
      await state.storage.put('payment', { ...r, status: 'created', banskyUrl: null, transitions: r.transitions.slice(0, 1) });
    });
    expect((await api.get(id)).data!.status).toBe('created');
    return stub;
  }
  const checkoutOf = async (payLink: string) => (await visit(payLink)).headers.get('location');

  it('Bansky had the checkout: a replay with the same body adopts it (found by our id), no second checkout', async () => {
    const body = paymentBody({ id: 'order-cut-after-bansky' });
    const { id, url } = (await api.init(body)).data!;
    const checkout = await checkoutOf(url);
    await cutOff(id);

    const replay = await api.init(body);
    expect([replay.response.status, replay.response.headers.get('idempotent-replayed'), replay.data?.url]).toEqual([200, 'true', url]);
    expect((await api.get(id)).data!.status).toBe('awaiting_payment');
    expect(await checkoutOf(url)).toBe(checkout);
    const bansky = await sandboxStats('test', id);
    expect([bansky.sessions.length, bansky.initCalls, bansky.statusLookups]).toEqual([1, 1, 1]);
  });

  it('Bansky never got it: the replay calls init again with the same id, and the payment can be paid', async () => {
    const body = paymentBody({ id: 'order-cut-before-bansky' });
    const { id, url } = (await api.init(body)).data!;
    await cutOff(id);
    await fetch(`${inject('banskyTestUrl')}/_sandbox/payments/${id}/forget`, { method: 'POST' });

    const replay = await api.init(body);
    expect([replay.response.status, replay.data?.id]).toEqual([200, id]);
    expect((await api.get(id)).data!.status).toBe('awaiting_payment');
    const bansky = await sandboxStats('test', id);
    expect([bansky.sessions.length, bansky.initCalls]).toEqual([1, 2]);
    expect(await checkoutOf(url)).toContain(bansky.sessions[0]!.session);
  });

  it('concurrent replays share one resume: one lookup, one checkout', async () => {
    const body = paymentBody({ id: 'order-cut-concurrent' });
    const { id } = (await api.init(body)).data!;
    await cutOff(id);
    await fetch(`${inject('banskyTestUrl')}/_sandbox/payments/${id}/forget`, { method: 'POST' });
    const answers = await Promise.all([api.init(body), api.init(body), api.init(body)]);
    expect(answers.map((a) => a.response.status)).toEqual([200, 200, 200]);
    const bansky = await sandboxStats('test', id);
    expect([bansky.sessions.length, bansky.initCalls]).toEqual([1, 2]);
  });

  it('nobody replays: the alarm finishes it, and a later replay gets the pay link', async () => {
    const body = paymentBody({ id: 'order-cut-alarm' });
    const { id, url } = (await api.init(body)).data!;
    const stub = await cutOff(id);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await api.get(id)).data!.status).toBe('awaiting_payment');
    const replay = await api.init(body);
    expect([replay.response.status, replay.data?.url]).toEqual([200, url]);
    expect((await sandboxStats('test', id)).sessions).toHaveLength(1);
  });

  it('a request with another body for that id is a 409, and does not finish the payment', async () => {
    const body = paymentBody({ id: 'order-cut-conflict' });
    const { id } = (await api.init(body)).data!;
    await cutOff(id);
    const other = await api.init({ ...body, amount: '50.00' });
    expect([other.response.status, (other.error as Problem).code]).toEqual([409, 'idempotency_conflict']);
    expect((await api.get(id)).data!.status).toBe('created');
  });
});
