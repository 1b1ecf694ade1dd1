import { beforeAll, describe, expect, it } from 'vitest';
import type { Problem } from '../../generated/api/types.gen';
import { createShopWithToken } from './helpers';
import {
  checkout,
  paymentBody,
  postToVerify,
  recorded,
  recorderUrl,
  relayBanskyPostbacks,
  shopApi,
  shopHookPath,
  signAsBansky,
  visit,
  waitFor,
} from './payments.support';

const sign = signAsBansky;
const postback = postToVerify;

/** A payment the customer has paid or declined at the sandbox; Bansky's postbacks are on their way. */
async function paymentAtBansky(email: string, action: 'pay' | 'decline' = 'pay', withPostback = false) {
  const shop = await createShopWithToken();
  const api = shopApi(shop.token);
  const hook = shopHookPath();
  const init = await api.init(
    paymentBody({ id: `order-${crypto.randomUUID()}`, email, ...(withPostback ? { postbackUrl: recorderUrl() + hook } : {}) }),
  );
  const id = init.data!.id;
  await checkout((await visit(init.data!.url)).headers.get('location')!, action);
  return { api, id, hook };
}

describe('POST /api/payment-verify authenticates before anything else', () => {
  let id: string;
  let api: ReturnType<typeof shopApi>;
  beforeAll(async () => {
    api = shopApi((await createShopWithToken()).token);
    id = (await api.init(paymentBody())).data!.id;
  });
  const body = () => JSON.stringify({ id, status: 'paid', amount: '49.90', currency: 'EUR' });

  it.each([
    ['no signature', async () => undefined],
    ['the wrong key', async () => sign(body(), 'not-the-secret')],
    ['a signature of another body', async () => sign(body().replace('paid', 'failed'))],
    ['uppercase hex', async () => (await sign(body())).toUpperCase().replace('SHA256=', 'sha256=')],
    ['a bare hex without the sha256= prefix', async () => (await sign(body())).slice('sha256='.length)],
  ])('forged: %s → 401 invalid_signature, payment unchanged', async (_name, signature) => {
    const res = await postback(body(), await signature());
    expect(res.status).toBe(401);
    expect(((await res.json()) as Problem).code).toBe('invalid_signature');
    expect((await api.get(id)).data!.status).toBe('awaiting_payment');
  });

  it('an unsigned body that is not even JSON is 401, not 400: nothing unauthenticated is parsed', async () => {
    const res = await postback('{"id":', undefined);
    expect(res.status).toBe(401);
  });

  it('signed but malformed → 400; signed but missing fields → 400 validation_failed', async () => {
    const bad = '{"id":';
    expect((await postback(bad, await sign(bad))).status).toBe(400);
    const partial = JSON.stringify({ id, status: 'paid' });
    const res = await postback(partial, await sign(partial));
    expect(res.status).toBe(400);
    expect(((await res.json()) as Problem).code).toBe('validation_failed');
  });

  it('signed, for a payment that does not exist → 404 payment_not_found', async () => {
    const unknown = JSON.stringify({ id: 'pay_AAAAAAAAAAAAAAAAAAAAAA', status: 'paid', amount: '1.00', currency: 'EUR' });
    const res = await postback(unknown, await sign(unknown));
    expect(res.status).toBe(404);
    expect(((await res.json()) as Problem).code).toBe('payment_not_found');
  });
});

describe('Bansky postbacks from the sandbox', { timeout: 30_000 }, () => {
  it('badly signed by Bansky → 401 and the payment stays awaiting_payment', async () => {
    const { api, id } = await paymentAtBansky('jane+postback_bad_signature@example.com');
    const [res] = await relayBanskyPostbacks(id);
    expect(res!.status).toBe(401);
    expect((await api.get(id)).data!.status).toBe('awaiting_payment');
  });

  it('a different amount → 422 postback_mismatch and the payment stays awaiting_payment', async () => {
    const { api, id } = await paymentAtBansky('jane+postback_wrong_amount@example.com');
    const [res] = await relayBanskyPostbacks(id);
    expect(res!.status).toBe(422);
    expect(((await res!.json()) as Problem).code).toBe('postback_mismatch');
    expect((await api.get(id)).data!.status).toBe('awaiting_payment');
  });

  it('duplicated → applied once, the duplicate acknowledged as ignored; the shop gets one postback', async () => {
    const { api, id, hook } = await paymentAtBansky('jane+postback_duplicate@example.com', 'pay', true);
    const [first, second] = await relayBanskyPostbacks(id, 2);
    expect(await first!.json()).toEqual({ status: 'accepted', paymentStatus: 'paid' });
    expect(second!.status).toBe(200);
    expect(await second!.json()).toEqual({ status: 'ignored', paymentStatus: 'paid' });
    const delivered = await waitFor('delivery', async () => {
      const p = (await api.get(id)).data!;
      return p.postback.status === 'delivered' ? p : null;
    });
    // The ignored duplicate queued nothing: one attempt, one delivery, one webhook-id.
    expect(delivered.postback.attempts).toBe(1);
    const deliveries = await recorded(hook);
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]!.headers['webhook-id']).toBe(`msg_${id}_paid`);
  });

  it('out of order (paid, then a contradicting failed) → the final state does not change', async () => {
    const { api, id } = await paymentAtBansky('jane+postback_out_of_order@example.com');
    const [first, second] = await relayBanskyPostbacks(id, 2);
    expect(await first!.json()).toEqual({ status: 'accepted', paymentStatus: 'paid' });
    expect(await second!.json()).toEqual({ status: 'ignored', paymentStatus: 'paid' });
    expect((await api.get(id)).data!.status).toBe('paid');
  });
});
