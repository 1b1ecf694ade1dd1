import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { createClient } from '../../generated/api/client';
import { listPayments } from '../../generated/api/sdk.gen';
import type { Problem, ShopPostback } from '../../generated/api/types.gen';
import { appGet, signedInMember } from './app.support';
import { BASE, createShopWithToken, shopHeaders, worker } from './helpers';
import {
  checkout,
  paymentBody,
  recorded,
  recorderUrl,
  relayBanskyPostbacks,
  sandboxStats,
  shopApi,
  shopHookPath,
  visit,
  waitFor,
} from './payments.support';

function listApi(token: string) {
  const client = createClient({ baseUrl: BASE, fetch: (input, init) => worker.fetch(input as Request, init) });
  return (query: NonNullable<Parameters<typeof listPayments>[0]>['query'] = {}) => listPayments({ client, query, auth: token });
}

const init = (token: string, body: unknown) =>
  worker.fetch(`${BASE}/api/v1/init-payment`, { method: 'POST', headers: shopHeaders(token), body: JSON.stringify(body) });

describe('metadata on a payment', { timeout: 60_000 }, () => {
  it('round-trips through init → get → list filter → signed postback, and never reaches Bansky', async () => {
    const shop = await createShopWithToken({ allowedRedirectHosts: ['shop.example'] });
    const hook = shopHookPath();
    const metadata = { order_ref: '10042', 'channel.name': 'web shop', customer: 'cus_8812' };
    const started = await shopApi(shop.token).init(paymentBody({ id: 'meta-1', postbackUrl: recorderUrl() + hook, metadata }));
    expect(started.response.status).toBe(201);
    const id = started.data!.id;
    const other = await shopApi(shop.token).init(paymentBody({ id: 'meta-2', metadata: { order_ref: '10043' } }));
    const plain = await shopApi(shop.token).init(paymentBody({ id: 'meta-3' }));

    // Returned as sent (keys in a stable order); `{}` when none was sent.
    expect((await shopApi(shop.token).get(id)).data!.metadata).toEqual(metadata);
    expect((await shopApi(shop.token).get(plain.data!.id)).data!.metadata).toEqual({});

    // Bansky is asked for the payment without it.
    const [session] = (await sandboxStats('test', id)).sessions;
    expect(session!.receivedFields).not.toContain('metadata');
    expect(session!.receivedFields).toContain('amount');

    // The list returns it and filters on it: exact values, every key must match, totals of the filtered range.
    const list = listApi(shop.token);
    const byRef = await waitFor('the list filtered by metadata', async () => {
      const { data } = await list({ metadata: { order_ref: '10042' } });
      return data?.items.length === 1 ? data : null;
    });
    expect(byRef.items.map((i) => [i.id, i.metadata])).toEqual([[id, metadata]]);
    expect(byRef.totals).toEqual([
      { currency: 'EUR', count: 1, amount: '49.90', paidCount: 0, paidAmount: '0.00', statusCounts: { awaiting_payment: 1 } },
    ]);
    expect((await list({ metadata: { order_ref: '10042', 'channel.name': 'web shop' } })).data!.items).toHaveLength(1);
    expect((await list({ metadata: { order_ref: '10042', 'channel.name': 'app' } })).data!).toEqual({
      items: [],
      nextCursor: null,
      totals: [],
    });
    expect((await list({ metadata: { order_ref: '1004' } })).data!.items).toEqual([]);
    const all = (await list()).data!;
    expect(all.items.map((i) => i.id).sort()).toEqual([id, other.data!.id, plain.data!.id].sort());
    expect(all.items.find((i) => i.id === plain.data!.id)!.metadata).toEqual({});
    // The filter and the exact search together.
    expect((await list({ q: 'meta-2', metadata: { order_ref: '10043' } })).data!.items).toHaveLength(1);
    expect((await list({ q: 'meta-2', metadata: { order_ref: '10042' } })).data!.items).toHaveLength(0);
    // The query string as a shop's own HTTP client writes it.
    const raw = await worker.fetch(`${BASE}/api/v1/payments?metadata%5Border_ref%5D=10042`, { headers: shopHeaders(shop.token) });
    expect(((await raw.json()) as { items: { id: string }[] }).items.map((i) => i.id)).toEqual([id]);

    // The postback carries it, signed with the rest of the body.
    const banskyUrl = (await visit(started.data!.url)).headers.get('location')!;
    await checkout(banskyUrl, 'pay');
    await relayBanskyPostbacks(id);
    const [delivery] = await waitFor('the postback', async () => ((await recorded(hook)).length ? recorded(hook) : null));
    const verified = new Webhook(shop.webhookSecret).verify(delivery!.body, delivery!.headers) as ShopPostback;
    expect(verified.type).toBe('payment.paid');
    expect(verified.data.metadata).toEqual(metadata);

    // The shop's staff see it on the payment's page.
    const member = await signedInMember(shop.shopId);
    const page = await (await appGet(`/app/payments/${id}`, member.cookie)).text();
    expect(page).toContain('metadata.channel.name</dt><dd class="url">web shop</dd>');
  });

  it('is part of the idempotency comparison (key order is not)', async () => {
    const shop = await createShopWithToken({ allowedRedirectHosts: ['shop.example'] });
    const first = await init(shop.token, paymentBody({ id: 'idem-1', metadata: { a: '1', b: '2' } }));
    expect(first.status).toBe(201);
    const reordered = await init(shop.token, paymentBody({ id: 'idem-1', metadata: { b: '2', a: '1' } }));
    expect([reordered.status, reordered.headers.get('idempotent-replayed')]).toEqual([200, 'true']);
    const changed = await init(shop.token, paymentBody({ id: 'idem-1', metadata: { a: '1', b: '3' } }));
    expect(((await changed.json()) as Problem).code).toBe('idempotency_conflict');
    const dropped = await init(shop.token, paymentBody({ id: 'idem-1' }));
    expect(dropped.status).toBe(409);
    // No metadata and an empty map are the same request.
    expect((await init(shop.token, paymentBody({ id: 'idem-2' }))).status).toBe(201);
    expect((await init(shop.token, paymentBody({ id: 'idem-2', metadata: {} }))).status).toBe(200);
  });

  it('answers every limit with a problem that names the key and the fix', async () => {
    const shop = await createShopWithToken({ allowedRedirectHosts: ['shop.example'] });
    const refused = async (metadata: unknown) => {
      const res = await init(shop.token, { ...paymentBody(), metadata });
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      const p = (await res.json()) as Problem;
      return [res.status, p.code, p.errors?.map((e) => [e.path, e.message])];
    };
    const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v']));
    expect(await refused(many)).toEqual([400, 'invalid_metadata', [['/metadata', 'at most 20 keys (has 21)']]]);
    const twenty = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, 'v'.repeat(500)]));
    expect((await init(shop.token, { ...paymentBody(), metadata: twenty })).status).toBe(201);

    const long = 'k'.repeat(41);
    expect(await refused({ [long]: 'v' })).toEqual([
      400,
      'invalid_metadata',
      [[`/metadata/${long}`, 'key must be 1 to 40 characters (is 41)']],
    ]);
    expect(await refused({ '': 'v' })).toEqual([400, 'invalid_metadata', [['/metadata/', 'key must be 1 to 40 characters (is 0)']]]);
    expect(await refused({ 'order ref': 'v', 'a/b': 'w' })).toEqual([
      400,
      'invalid_metadata',
      [
        ['/metadata/order ref', 'key may hold only letters, digits and _ - . :'],
        ['/metadata/a~1b', 'key may hold only letters, digits and _ - . :'],
      ],
    ]);
    expect(await refused({ note: 'v'.repeat(501) })).toEqual([
      400,
      'validation_failed',
      [['/metadata/note', 'must be a string of at most 500 characters']],
    ]);
    expect(await refused({ count: 3 })).toEqual([
      400,
      'validation_failed',
      [['/metadata/count', 'must be a string of at most 500 characters']],
    ]);
    expect(await refused(['a'])).toEqual([400, 'validation_failed', [['/metadata', expect.any(String)]]]);
    expect((await refused({ note: 'a\u202Eb' })).slice(0, 2)).toEqual([400, 'invalid_characters']);
    expect((await refused({ note: 'a\u202Eb' }))[2]).toEqual([['/metadata/note', expect.stringContaining('U+202E')]]);

    // The list filter follows the same key rules.
    const bad = await worker.fetch(`${BASE}/api/v1/payments?metadata%5Border%20ref%5D=1`, { headers: shopHeaders(shop.token) });
    const problem = (await bad.json()) as Problem;
    expect([bad.status, problem.code, problem.errors?.[0]?.in]).toEqual([400, 'invalid_metadata', 'query']);
  });
});
