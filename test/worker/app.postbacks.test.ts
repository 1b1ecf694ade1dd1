import { createExecutionContext, createMessageBatch, getQueueResult, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AdminPayment } from '../../generated/api/types.gen';
import { PaymentsIndexObject } from '../../src/core/payments-index/index-object';
import { failedPostbacks } from '../../src/core/payments-index/resend';
import entry from '../../src/index';
import { appGet, appPost, signedInMember } from './app.support';
import { adminCall, createShopWithToken } from './helpers';
import {
  checkout,
  failNext,
  paymentBody,
  recorded,
  recorderUrl,
  relayBanskyPostbacks,
  shopApi,
  shopHookPath,
  visit,
  waitFor,
} from './payments.support';
import { FakeClock, servicesWith, useInPaymentObject } from './time.support';

type Member = Awaited<ReturnType<typeof signedInMember>>;

let shop: Awaited<ReturnType<typeof createShopWithToken>>;
const ids = { delivered: '', retrying: '', dead: '' };
const hooks = { delivered: '', retrying: '', dead: '' };
let owner: Member;
let viewer: Member;

const admin = async (id: string): Promise<AdminPayment> => (await adminCall('GET', `/admin/v1/payments/${id}`)).json();

async function finalPayment(key: keyof typeof ids, action: 'pay' | 'decline', failures: number) {
  hooks[key] = shopHookPath();
  await failNext(hooks[key], failures, 500);
  const init = await shopApi(shop.token).init(
    paymentBody({ id: `pb-${key}-${crypto.randomUUID().slice(0, 6)}`, postbackUrl: recorderUrl() + hooks[key] }),
  );
  ids[key] = init.data!.id;
  await checkout((await visit(init.data!.url)).headers.get('location')!, action);
  await relayBanskyPostbacks(ids[key]);
  await waitFor(`a first attempt of ${key}`, async () => ((await admin(ids[key])).postbackAttempts.length > 0 ? true : null));
}

/** The queue's own dead-letter queue gives up on the job: the postback is dead-lettered (as in production). */
async function deadLetter(id: string) {
  const a = await admin(id);
  const batch = createMessageBatch('aimbrellapay-postbacks-dlq', [
    {
      id: `dlq-${id}`,
      timestamp: new Date(),
      attempts: 101,
      body: { paymentId: id, webhookId: a.webhookId, queuedAt: a.payment.updatedAt },
    },
  ]);
  const ctx = createExecutionContext();
  await entry.queue(batch, env, ctx);
  await getQueueResult(batch, ctx);
}

const page = async (m: Member, query = '') => {
  const res = await appGet(`/app/postbacks${query}`, m.cookie);
  expect(res.status).toBe(200);
  return res.text();
};
const auditCount = async () => (await (await appGet('/app/team/audit', owner.cookie)).text()).split('Resent a postback').length - 1;

beforeAll(async () => {
  shop = await createShopWithToken({ allowedRedirectHosts: ['shop.example'] });
  owner = await signedInMember(shop.shopId, undefined, 'owner');
  viewer = await signedInMember(shop.shopId, undefined, 'viewer');
  await finalPayment('delivered', 'pay', 0);
  await finalPayment('retrying', 'decline', 1_000);
  await finalPayment('dead', 'pay', 1_000);
  await deadLetter(ids.dead);
  // The index follows each attempt within moments (the payment's object writes it after the attempt).
  await waitFor('all three in the index with their outcome', async () => {
    const html = await page(owner);
    return html.includes('Dead-lettered') && html.includes('Retrying') && html.includes('Delivered') ? true : null;
  });
}, 90_000);

describe('Postbacks page', { timeout: 60_000 }, () => {
  it('lists every delivery with its outcome and the reason of each failure, in the nav', async () => {
    const html = await page(owner);
    expect(html).toContain('href="/app/postbacks" aria-current="page"');
    for (const id of Object.values(ids)) expect(html).toContain(`/app/payments/${id}`);
    expect(html).toContain('HTTP 500'); // the failed ones' last error
    expect(html.match(/action="\/app\/postbacks\/pay_[A-Za-z0-9]+\/resend"/g)).toHaveLength(2); // the failed two, not the delivered
    expect(html).toContain('action="/app/postbacks/resend-failed"');
  });

  it('filters by outcome and by the payments’ dates, and says what to do when nothing matches', async () => {
    const dead = await page(owner, '?outcome=dead-lettered');
    expect(dead).toContain(`/app/payments/${ids.dead}`);
    expect(dead).not.toContain(`/app/payments/${ids.retrying}`);
    expect(dead).not.toContain(`/app/payments/${ids.delivered}`);
    const retrying = await page(owner, '?outcome=retrying');
    expect(retrying).toContain(`/app/payments/${ids.retrying}`);
    expect(retrying).not.toContain(`/app/payments/${ids.dead}`);
    const delivered = await page(owner, '?outcome=delivered');
    expect(delivered).toContain(`/app/payments/${ids.delivered}`);
    expect(delivered).not.toContain(`/app/payments/${ids.dead}`);
    const none = await page(owner, '?from=2020-01-01&to=2020-01-31');
    expect(none).toContain('No postbacks match this filter.');
    expect(none).toContain('Clear the filter');
  });

  it('shows a viewer the page without resend forms, and refuses their resends on the server', async () => {
    const html = await page(viewer);
    expect(html).toContain(`/app/payments/${ids.dead}`);
    expect(html).not.toContain('/resend');
    expect(html).not.toContain('resend-failed');
    const before = await auditCount();
    for (const path of [`/app/postbacks/${ids.dead}/resend`, '/app/postbacks/resend-failed']) {
      const res = await appPost(path, { _csrf: viewer.csrf }, { cookie: viewer.cookie });
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('As a viewer you cannot resend postbacks');
    }
    expect((await admin(ids.dead)).payment.postback.status).toBe('dead_lettered');
    expect(await auditCount()).toBe(before);
  });

  it('bounds "resend all failed": dead-lettered first, at most the given number, the rest left for later', async () => {
    const index = servicesWith({}).paymentsIndex;
    const shopRef = { id: shop.shopId, createdAt: '2020-01-01T00:00:00Z' };
    expect(await failedPostbacks(index, shopRef, 'test', {}, 1)).toEqual({ ids: [ids.dead], more: true });
    expect(await failedPostbacks(index, shopRef, 'test', {}, 100)).toEqual({ ids: [ids.dead, ids.retrying], more: false });
    expect(await failedPostbacks(index, shopRef, 'test', { only: 'pending' }, 100)).toEqual({ ids: [ids.retrying], more: false });
  });

  it('resends one dead-lettered postback with its webhook-id, recorded in the audit list; then the rest in one action', async () => {
    // A minute later (resends of one postback are at least a minute apart), and the shop's endpoint works again.
    const later = new FakeClock().advance(120_000);
    for (const id of [ids.dead, ids.retrying]) await useInPaymentObject(id, { clock: later });
    await failNext(hooks.dead, 0);
    await failNext(hooks.retrying, 0);
    const before = await auditCount();

    const one = await appPost(`/app/postbacks/${ids.dead}/resend?outcome=dead-lettered`, { _csrf: owner.csrf }, { cookie: owner.cookie });
    expect(one.status).toBe(303);
    expect(one.headers.get('location')).toBe('/app/postbacks?outcome=dead-lettered&done=resent&queued=1&limited=0&none=0');
    expect(await page(owner, one.headers.get('location')!.slice('/app/postbacks'.length))).toContain('1 postback queued again');
    const delivered = await waitFor('the resent postback delivered', async () => {
      const got = (await recorded(hooks.dead)).filter((r) => r.answeredStatus === 200);
      return got.length > 0 ? got : null;
    });
    expect(delivered[0]!.headers['webhook-id']).toBe(`msg_${ids.dead}_paid`);
    expect(await auditCount()).toBe(before + 1);

    // "Resend all failed": the retrying one is queued; the one just resent is delivered now, so not taken again.
    const all = await appPost('/app/postbacks/resend-failed', { _csrf: owner.csrf }, { cookie: owner.cookie });
    expect(all.status).toBe(303);
    expect(all.headers.get('location')).toMatch(/done=resent&queued=1&limited=0&none=0$/);
    await waitFor('the retrying one delivered', async () =>
      (await admin(ids.retrying)).payment.postback.status === 'delivered' ? true : null,
    );
    expect(await auditCount()).toBe(before + 2);
    await waitFor('the page shows both delivered', async () => {
      const html = await page(owner, '?outcome=delivered');
      return html.includes(ids.dead) && html.includes(ids.retrying) ? true : null;
    });
  });

  it('rate-limits "resend all failed" per shop and mode', async () => {
    const dev = await signedInMember(shop.shopId, undefined, 'developer');
    const locations: string[] = [];
    for (let i = 0; i < 3; i++)
      locations.push((await appPost('/app/postbacks/resend-failed', { _csrf: dev.csrf }, { cookie: dev.cookie })).headers.get('location')!);
    // The earlier test used one of the three: the third of these is refused, with when to try again.
    expect(locations.slice(0, 2).every((l) => l.includes('done=resent'))).toBe(true);
    expect(locations[2]).toMatch(/done=bulk-limited&retry=\d+$/);
    expect(await page(dev, locations[2]!.slice('/app/postbacks'.length))).toContain('Bulk resends are limited to 3 per 10 minutes');
  });
});

describe("the index's postback column", () => {
  it("is added to a shard written before it, filled from each row's entry, and the filter uses its index", async () => {
    const ns = env.PAYMENTS_INDEX as unknown as DurableObjectNamespace<PaymentsIndexObject>;
    const stub = ns.get(ns.idFromName(`pidx:old-shard-${crypto.randomUUID()}:test:2026-01`));
    await runInDurableObject(stub, async (_o, state) => {
      // The shard as the release before left it: no postback column, a row whose entry has the summary.
      state.storage.sql.exec('DROP INDEX payments_postback');
      state.storage.sql.exec('ALTER TABLE payments DROP COLUMN postback_status');
      const entry = { id: 'pay_old', postback: { status: 'dead_lettered', attempts: 3, lastError: 'HTTP 500' } };
      state.storage.sql.exec(
        "INSERT INTO payments (id, version, created_at, day, status, currency, amount, amount_minor, entry) VALUES ('pay_old', 3, '2026-01-02T00:00:00Z', '2026-01-02', 'paid', 'EUR', '1.00', '100', ?)",
        JSON.stringify(entry),
      );
      const shard = new PaymentsIndexObject(state, env); // the next start of the object
      expect(shard.query({ postback: 'dead_lettered', limit: 10 }).map((e) => e.id)).toEqual(['pay_old']);
      expect(shard.query({ postback: 'delivered', limit: 10 })).toEqual([]);
      const plan = state.storage.sql
        .exec('EXPLAIN QUERY PLAN SELECT entry FROM payments WHERE postback_status = ? ORDER BY created_at DESC, id DESC LIMIT 26', 'x')
        .toArray()
        .map((r) => String(r.detail))
        .join(' | ');
      expect(plan).toContain('payments_postback');
    });
  });
});
