import { env } from 'cloudflare:workers';
import { OpenAPIHono } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { onError } from '../../src/api/http/errors';
import type { AppEnv } from '../../src/app-env';
import { PaymentStore } from '../../src/core/payments/store';
import { PaymentsIndex } from '../../src/core/payments-index/query';
import { systemClock } from '../../src/platform/lib/clock';
import { isTransientStorageError } from '../../src/platform/transient';

// The messages workerd throws from a Durable Object call when its SQLite allocator fails and the
// object is reset (seen in the chaos run's Worker log under wrangler dev).
const NOMEM = 'out of memory: SQLITE_NOMEM';
const RESET_REFERENCE = 'internal error; reference = uelvbucae5utsh5dl2jb7qv6';

/**
 * The real namespace, except that the first `failures` stubs it hands out fail every call with
 * `message`: what a caller sees while an object is being reset. Counts the stubs handed out.
 */
function failingFirst<T extends Rpc.DurableObjectBranded | undefined>(
  ns: DurableObjectNamespace<T>,
  failures: number,
  message: string,
  flags: { overloaded?: boolean; retryable?: boolean } = {},
) {
  let handedOut = 0;
  const wrapped = {
    idFromName: (name: string) => ns.idFromName(name),
    get: (id: DurableObjectId) => {
      handedOut += 1;
      const real = ns.get(id);
      if (handedOut > failures) return real;
      return new Proxy(real, {
        get: (_target, _method) => async () => {
          throw Object.assign(new Error(message), flags);
        },
      });
    },
  } as unknown as DurableObjectNamespace<T>;
  return { ns: wrapped, stubs: () => handedOut };
}

const unknownPayment = 'pay_0000000000000000000000';

function appReading(store: PaymentStore) {
  const app = new OpenAPIHono<AppEnv>();
  app.get('/payment', async (c) => c.json({ record: await store.get(unknownPayment) }));
  app.onError(onError);
  return app;
}

describe('a Durable Object reset by a resource limit is transient', () => {
  it('SQLITE_NOMEM, "Durable Object reset" and "internal error; reference =" are 503 with Retry-After; a bug stays 500', async () => {
    const app = new OpenAPIHono<AppEnv>();
    const messages = [NOMEM, RESET_REFERENCE, 'Durable Object reset because its code was updated.'];
    for (const [i, m] of messages.entries()) {
      app.get(`/t${i}`, () => {
        throw new Error(m);
      });
    }
    app.get('/bug', () => {
      throw new Error('Cannot read properties of undefined');
    });
    app.onError(onError);
    for (const [i] of messages.entries()) {
      const res = await app.request(`/t${i}`);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(((await res.json()) as { code: string }).code).toBe('service_unavailable');
    }
    expect((await app.request('/bug')).status).toBe(500);
    expect(isTransientStorageError('SQLITE_NOMEM')).toBe(false); // only errors, not strings
  });

  it('reading a payment retries once with a fresh stub and answers from the real object', async () => {
    const { ns, stubs } = failingFirst(env.PAYMENTS, 1, NOMEM);
    const res = await appReading(new PaymentStore(ns)).request('/payment');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ record: null });
    expect(stubs()).toBe(2);
  });

  it('a read that fails twice answers 503 service_unavailable, not 500, after exactly one retry', async () => {
    const { ns, stubs } = failingFirst(env.PAYMENTS, 2, RESET_REFERENCE);
    const res = await appReading(new PaymentStore(ns)).request('/payment');
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(stubs()).toBe(2);
  });

  it('an overloaded object is not asked again (that adds to its queue): 503 at once', async () => {
    const overloaded = 'Durable Object is overloaded. Requests queued for too long.';
    const { ns, stubs } = failingFirst(env.PAYMENTS, 1, overloaded, { overloaded: true, retryable: true });
    const res = await appReading(new PaymentStore(ns)).request('/payment');
    expect(res.status).toBe(503);
    expect(stubs()).toBe(1);
  });

  it('the payments list retries a shard once with a fresh stub', async () => {
    const { ns, stubs } = failingFirst(env.PAYMENTS_INDEX, 1, NOMEM);
    const index = new PaymentsIndex({
      ns,
      readPayment: async () => null,
      paymentIdFor: async () => unknownPayment,
      isPaymentId: () => false,
      clock: systemClock,
    });
    const today = new Date().toISOString().slice(0, 10);
    const list = await index.list({ id: 'shop_transient_storage', createdAt: `${today}T00:00:00.000Z` }, 'test', {}, undefined, 20);
    expect(list).toEqual({ items: [], nextCursor: null, totals: [] });
    // One month: its page and its totals each took a stub; the first of them failed and was taken again.
    expect(stubs()).toBe(3);
  });
});
