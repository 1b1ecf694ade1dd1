// A chaos-run finding (npm run chaos, line 4): the postbacks consumer used to wait for each
// payment's attempt, i.e. for the shop's HTTP answer, so one shop's hanging endpoint held its
// batch — and the batches behind it, with other shops' retries — for up to POSTBACK_TIMEOUT_MS.
// Now a job only nudges the payment's object, which makes the attempt after answering.
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { AdminPayment } from '../../generated/api/types.gen';
import { handlePostbackBatch } from '../../src/core/postbacks/consumer';
import { buildServices } from '../../src/services';
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

const SHOP_HANGS_MS = 2_500; // under the tests' POSTBACK_TIMEOUT_MS (3 s): the attempt waits it out

async function paidWithPostbackTo(hook: string) {
  const api = shopApi((await createShopWithToken()).token);
  const init = await api.init(paymentBody({ id: `order-${crypto.randomUUID().slice(0, 8)}`, postbackUrl: recorderUrl() + hook }));
  const id = init.data!.id;
  await checkout((await visit(init.data!.url)).headers.get('location')!, 'pay');
  await relayBanskyPostbacks(id);
  return { api, id };
}

describe('chaos: the postbacks queue and a hanging shop endpoint', { timeout: 30_000 }, () => {
  it('a batch settles at once while one shop does not answer, and the other shop is served', async () => {
    const hookA = shopHookPath();
    const hookB = shopHookPath();
    await failNext(hookA, 10, 200, SHOP_HANGS_MS); // shop A answers, but only after 2.5 s
    const a = await paidWithPostbackTo(hookA); // A's first attempt is now in flight, hanging
    const b = await paidWithPostbackTo(hookB);
    const admin = async (id: string): Promise<AdminPayment> => (await adminCall('GET', `/admin/v1/payments/${id}`)).json();
    const job = async (id: string) => ({
      paymentId: id,
      webhookId: (await admin(id)).webhookId!,
      queuedAt: (await admin(id)).payment.updatedAt,
    });

    const batch = createMessageBatch('aimbrellapay-postbacks', [
      { id: 'a', timestamp: new Date(), attempts: 1, body: await job(a.id) },
      { id: 'b', timestamp: new Date(), attempts: 1, body: await job(b.id) },
    ]);
    const started = Date.now();
    await handlePostbackBatch(batch, buildServices(env));
    const heldMs = Date.now() - started;
    expect((await getQueueResult(batch, createExecutionContext())).explicitAcks.sort()).toEqual(['a', 'b']);
    expect(heldMs).toBeLessThan(1_000); // before: ≈ SHOP_HANGS_MS, waiting on shop A

    await waitFor('B delivered', async () => (await b.api.get(b.id)).data!.postback.status === 'delivered');
    await waitFor('A delivered once it answered', async () => (await a.api.get(a.id)).data!.postback.status === 'delivered');
    expect((await recorded(hookA)).length).toBe(1); // the nudge joined the attempt in flight: no second send
  });
});
