import { env } from 'cloudflare:workers';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { createClient } from '../../generated/api/client';
import { getEvent, listEvents } from '../../generated/api/sdk.gen';
import type { Event } from '../../generated/api/types.gen';
import { eventsShard } from '../../src/core/payments-index/shards';
import { adminCall, BASE, createShopWithToken, worker } from './helpers';
import {
  checkout,
  failNext,
  paymentBody,
  type Recorded,
  recorded,
  recorderUrl,
  relayBanskyPostbacks,
  shopApi,
  shopHookPath,
  visit,
  waitFor,
} from './payments.support';

function eventsApi(token: string) {
  const client = createClient({ baseUrl: BASE, fetch: (input, init) => worker.fetch(input as Request, init) });
  return {
    list: (query: NonNullable<Parameters<typeof listEvents>[0]>['query'] = {}) => listEvents({ client, query, auth: token }),
    get: (id: string) => getEvent({ client, path: { id }, auth: token }),
  };
}

/** Every event since `from`, page by page, as a shop catching up would read them. */
async function allEventsSince(token: string, from: string, pageSize: number): Promise<Event[]> {
  const out: Event[] = [];
  let cursor: string | undefined;
  do {
    const { data, response } = await eventsApi(token).list({ from, limit: pageSize, cursor });
    if (response.status !== 200) throw new Error(`list events: ${response.status}`);
    out.push(...data!.items);
    cursor = data!.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

async function finish(token: string, body: Parameters<ReturnType<typeof shopApi>['init']>[0], action: 'pay' | 'decline'): Promise<string> {
  const init = await shopApi(token).init(body);
  if (init.response.status !== 201) throw new Error(`init ${init.response.status}`);
  await checkout((await visit(init.data!.url)).headers.get('location')!, action);
  await relayBanskyPostbacks(init.data!.id);
  return init.data!.id;
}

const withoutId = ({ id: _id, ...body }: Event) => body;

describe('the events API', { timeout: 60_000 }, () => {
  it('a shop whose endpoint was down recovers every missed event, with the webhook-ids it would have received', async () => {
    const shop = await createShopWithToken({ allowedRedirectHosts: ['shop.example'] });
    const hook = shopHookPath();
    const since = new Date().toISOString();
    await failNext(hook, 10_000, 503); // the shop's endpoint is down

    const postbackUrl = recorderUrl() + hook;
    const paid1 = await finish(shop.token, paymentBody({ id: 'out-1', postbackUrl, metadata: { order_ref: 'A1' } }), 'pay');
    const failed = await finish(shop.token, paymentBody({ id: 'out-2', postbackUrl }), 'decline');
    const paid2 = await finish(shop.token, paymentBody({ id: 'out-3', postbackUrl, amount: '0.5', currency: 'ETH' }), 'pay');
    // What the shop would have received: the postbacks we attempted while it was down.
    const attempted = await waitFor('a failed attempt for each payment', async () => {
      const got = await recorded(hook);
      return new Set(got.map((r) => r.headers['webhook-id'])).size === 3 ? got : null;
    });
    expect(attempted.every((r) => r.answeredStatus === 503)).toBe(true);
    const firstAttempt = new Map<string, Recorded>();
    for (const r of attempted) if (!firstAttempt.has(r.headers['webhook-id']!)) firstAttempt.set(r.headers['webhook-id']!, r);

    // Back up: the shop fetches everything since the outage began, two at a time.
    const events = await waitFor('the three events', async () => {
      const got = await allEventsSince(shop.token, since, 2);
      return got.length >= 3 ? got : null;
    });
    expect(events.map((e) => e.id).sort()).toEqual([...firstAttempt.keys()].sort());
    expect(events.map((e) => e.id).sort()).toEqual([`msg_${paid1}_paid`, `msg_${failed}_failed`, `msg_${paid2}_paid`].sort());
    // Newest first, and each is the postback body exactly as it was sent (byte for byte, signed as such).
    expect(events.map((e) => e.timestamp)).toEqual(
      events
        .map((e) => e.timestamp)
        .sort()
        .reverse(),
    );
    for (const e of events) {
      const sent = firstAttempt.get(e.id)!;
      expect(JSON.stringify(withoutId(e))).toBe(sent.body);
      expect(() => new Webhook(shop.webhookSecret).verify(sent.body, sent.headers)).not.toThrow();
    }
    expect(events.find((e) => e.id === `msg_${paid1}_paid`)!.data.metadata).toEqual({ order_ref: 'A1' });

    // The endpoint recovers and the retries arrive: the shop de-duplicates them by webhook-id.
    await failNext(hook, 0);
    const delivered = await waitFor('the retries delivered', async () => {
      const ok = (await recorded(hook)).filter((r) => r.answeredStatus === 200);
      return new Set(ok.map((r) => r.headers['webhook-id'])).size === 3 ? ok : null;
    });
    const processed = new Set(events.map((e) => e.id));
    expect(delivered.filter((r) => !processed.has(r.headers['webhook-id']!))).toEqual([]);

    // Filters and one event by id.
    const api = eventsApi(shop.token);
    expect((await api.list({ type: 'payment.failed' })).data!.items.map((e) => e.id)).toEqual([`msg_${failed}_failed`]);
    expect((await api.list({ payment: paid2 })).data!.items.map((e) => e.id)).toEqual([`msg_${paid2}_paid`]);
    expect((await api.list({ to: since })).data!.items).toEqual([]);
    expect((await api.get(`msg_${paid2}_paid`)).data).toEqual(events.find((e) => e.id === `msg_${paid2}_paid`));
    expect((await api.list({ cursor: 'not-a-cursor' })).response.status).toBe(400);

    // Another shop, and the other mode of this shop, see none of it.
    const other = await createShopWithToken();
    expect((await eventsApi(other.token).get(`msg_${paid2}_paid`)).response.status).toBe(404);
    expect((await eventsApi(other.token).list()).data!.items).toEqual([]);
    const live = await adminCall('POST', `/admin/v1/shops/${shop.shopId}/tokens`, { mode: 'live' });
    const liveToken = ((await live.json()) as { token: string }).token;
    const notFound = await eventsApi(liveToken).get(`msg_${paid2}_paid`);
    expect([notFound.response.status, (notFound.error as { code: string }).code]).toEqual([404, 'event_not_found']);
  });

  it('records an event for a payment without a postbackUrl, and none without a transaction id', async () => {
    const shop = await createShopWithToken({ allowedRedirectHosts: ['shop.example'] });
    const withId = await finish(shop.token, paymentBody({ id: 'no-url-1' }), 'pay');
    await finish(shop.token, paymentBody(), 'pay');
    const items = await waitFor('the event', async () => {
      const { data } = await eventsApi(shop.token).list();
      return data?.items.length ? data.items : null;
    });
    await new Promise((r) => setTimeout(r, 500)); // time for a second event, if one were (wrongly) written
    expect((await eventsApi(shop.token).list()).data!.items.map((e) => e.id)).toEqual([`msg_${withId}_paid`]);
    expect(items[0]!.data.shopTransactionId).toBe('no-url-1');
  });

  it('keeps events 30 days', async () => {
    const shop = await createShopWithToken();
    const day = 86_400_000;
    const at = (daysAgo: number) => new Date(Date.now() - daysAgo * day).toISOString();
    const event = (id: string, timestamp: string) => ({
      id: `msg_pay_${id}_paid`,
      timestamp,
      type: 'payment.paid' as const,
      paymentId: `pay_${id}`,
      body: JSON.stringify({
        type: 'payment.paid',
        timestamp,
        data: {
          ...{ id: `pay_${id}`, shopTransactionId: id, status: 'paid', mode: 'test', amount: '1.00', currency: 'EUR', type: 'fiat' },
          ...{ createdAt: timestamp, updatedAt: timestamp, metadata: {} },
        },
      }),
    });
    const shard = eventsShard(env.PAYMENTS_INDEX, shop.shopId, 'test');
    await shard.addEvents([event('A'.repeat(22), at(31)), event('B'.repeat(22), at(29))], at(60));
    const api = eventsApi(shop.token);
    expect((await api.list()).data!.items.map((e) => e.id)).toEqual([`msg_pay_${'B'.repeat(22)}_paid`]);
    expect((await api.get(`msg_pay_${'A'.repeat(22)}_paid`)).response.status).toBe(404);
    // The next write drops it for good.
    await shard.addEvents([], at(30));
    expect(await shard.events({ keepFrom: at(60), limit: 10 })).toHaveLength(1);
  });
});
