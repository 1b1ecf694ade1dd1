// The shop program for openapi-typescript's types with openapi-fetch.
import createClient from 'openapi-fetch';
import type { components, paths } from './aimbrellapay.d.ts';
import { check, env, expectEqual, payAtSandbox, startShop } from './shop-kit.mts';

type ErrorCode = components['schemas']['ErrorCode'];
const api = createClient<paths>({ baseUrl: env.url, headers: { Authorization: `Bearer ${env.token}` } });
const shop = await startShop();

/** Starts a payment and reads it back: the stored amount must be exactly what was meant. */
async function initAndReadBack(id: string, amount: components['schemas']['AmountInput'], currency: string, stored: string) {
  const { data, error, response } = await api.POST('/api/v1/init-payment', {
    body: {
      id,
      email: 'jane.doe@example.com',
      amount,
      currency,
      successUrl: `${shop.url}/thanks`,
      errorUrl: `${shop.url}/failed`,
      postbackUrl: `${shop.url}/hooks/aimbrellapay`,
    },
  });
  if (error) throw new Error(`init answered ${response.status} ${error.code}: ${error.detail}`);
  const read = await api.GET('/api/v1/payments/{id}', { params: { path: { id: data.id } } });
  expectEqual(read.data?.amount, stored, 'stored amount');
  return data;
}

const eur = await check('number 1234567.89 EUR stored exactly', () => initAndReadBack('order-eur', 1234567.89, 'EUR', '1234567.89'));
await check('number 19.99 USD stored exactly', () => initAndReadBack('order-usd', 19.99, 'USD', '19.99'));
await check('number 100 JPY stored exactly', () => initAndReadBack('order-jpy', 100, 'JPY', '100'));
await check('string 0.000000000000000001 ETH stored exactly', () =>
  initAndReadBack('order-eth', '0.000000000000000001', 'ETH', '0.000000000000000001'),
);

await check('paid at the sandbox, postback verified', async () => {
  if (!eur) throw new Error('no EUR payment');
  await payAtSandbox(eur.url);
  const p = await shop.waitFor((p) => p.id === eur.id && p.type === 'payment.paid', 'payment.paid');
  expectEqual(p.amount, '1234567.89', 'postback amount');
});

const byId = { params: { path: { id: eur?.id ?? 'pay_missing' } } };

await check('get → paid', async () => {
  const { data, error } = await api.GET('/api/v1/payments/{id}', byId);
  if (error) throw new Error(error.code);
  expectEqual(data.status, 'paid', 'status');
  expectEqual(data.amount, '1234567.89', 'amount');
});

await check('list with filters', async () => {
  const { data, error } = await api.GET('/api/v1/payments', { params: { query: { status: 'paid', currency: 'EUR' } } });
  if (error) throw new Error(error.code);
  expectEqual(data.items.map((p) => p.id).join(), eur!.id, 'paid EUR payments');
  const usd = await api.GET('/api/v1/payments', { params: { query: { status: 'awaiting_payment', currency: 'USD' } } });
  const items = usd.data?.items ?? [];
  if (!items.some((p) => p.amount === '19.99') || items.some((p) => p.currency !== 'USD' || p.status !== 'awaiting_payment')) {
    throw new Error(`awaiting USD payments: ${JSON.stringify(items)}`);
  }
});

await check('resend → postback verified again', async () => {
  const { data, error } = await api.POST('/api/v1/payments/{id}/postback', byId);
  if (error) throw new Error(error.code);
  expectEqual(data.status, 'queued', 'redelivery');
  await shop.waitFor((p) => p.id === eur!.id && shop.verified.filter((q) => q.id === eur!.id).length >= 2, 'the resent postback');
});

await check('400 as a typed problem', async () => {
  const { error, response } = await api.POST('/api/v1/init-payment', {
    body: {
      email: 'jane.doe@example.com',
      amount: '10.001',
      currency: 'USD',
      successUrl: `${shop.url}/thanks`,
      errorUrl: `${shop.url}/failed`,
    },
  });
  expectEqual(response.status, 400, 'status');
  const code: ErrorCode | undefined = error?.code;
  expectEqual(code, 'invalid_amount', 'code');
});

await check('429 as a typed problem', async () => {
  for (let i = 0; i < env.rateLimit * 2; i++) {
    const { error, response } = await api.GET('/api/v1/payments/{id}', byId);
    if (response.status !== 429) continue;
    const code: ErrorCode | undefined = error?.code;
    expectEqual(code, 'rate_limited', 'code');
    return;
  }
  throw new Error(`no 429 after ${env.rateLimit * 2} requests`);
});

shop.close();
