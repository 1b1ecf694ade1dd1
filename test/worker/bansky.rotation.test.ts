import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Problem } from '../../generated/api/types.gen';
import { app } from '../../src/app';
import { type Env, parseConfig, type Vars } from '../../src/env';
import { CANARY } from '../support/test-bindings';
import { BASE, createShopWithToken } from './helpers';
import { paymentBody, shopApi, signAsBansky } from './payments.support';

/**
 * Rotating Bansky's postback secret without refusing a postback (docs/internal/runbook.md): while
 * BANSKY_POSTBACK_SECRET holds "new,old", a postback signed with either is accepted; once Bansky
 * has switched and the old one is removed, the old one is refused.
 */
const OLD = CANARY.BANSKY_POSTBACK_SECRET;
const NEW = 'canary_bansky_postback_secret_next_8d2e4f';
const during = { ...env, BANSKY_POSTBACK_SECRET: `${NEW},${OLD}` } as Env;
const after = { ...env, BANSKY_POSTBACK_SECRET: NEW } as Env;

async function postback(e: Env, id: string, secret: string): Promise<Response> {
  const body = JSON.stringify({ id, status: 'paid', amount: '49.90', currency: 'EUR' });
  const ctx = createExecutionContext();
  const res = await app.fetch(
    new Request(`${BASE}/api/payment-verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-bansky-signature': await signAsBansky(body, secret) },
      body,
    }),
    e,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

async function awaitingPayment(): Promise<{ api: ReturnType<typeof shopApi>; id: string }> {
  const api = shopApi((await createShopWithToken()).token);
  const id = (await api.init(paymentBody({ id: `order-${crypto.randomUUID()}` }))).data!.id;
  return { api, id };
}

describe('Bansky postback secret rotation', () => {
  it.each([
    ['the old secret (Bansky has not switched yet)', OLD],
    ['the new secret (Bansky has switched)', NEW],
  ])('during the overlap a postback signed with %s is accepted', async (_when, secret) => {
    const { api, id } = await awaitingPayment();
    const res = await postback(during, id, secret);
    expect(res.status).toBe(200);
    expect((await api.get(id)).data!.status).toBe('paid');
  });

  it('after the overlap the old secret is refused, the new one accepted', async () => {
    const { api, id } = await awaitingPayment();
    const refused = await postback(after, id, OLD);
    expect([refused.status, ((await refused.json()) as Problem).code]).toEqual([401, 'invalid_signature']);
    expect((await api.get(id)).data!.status).toBe('awaiting_payment');
    expect((await postback(after, id, NEW)).status).toBe(200);
  });

  it('a third key is refused during the overlap too', async () => {
    const { id } = await awaitingPayment();
    expect((await postback(during, id, 'someone_elses_secret_value')).status).toBe(401);
  });

  it('the payment ids stay where they were: a rotation needs PAYMENT_ID_SECRET, and both values are redacted from logs', () => {
    const vars = { ...env } as unknown as Vars;
    expect(() => parseConfig({ ...vars, PAYMENT_ID_SECRET: '', BANSKY_POSTBACK_SECRET: `${NEW},${OLD}` })).toThrow(
      /BANSKY_POSTBACK_SECRET: holds two secrets .* PAYMENT_ID_SECRET is not set/,
    );
    expect(() => parseConfig({ ...vars, BANSKY_POSTBACK_SECRET: `${NEW},${OLD},third_secret_value` })).toThrow(/BANSKY_POSTBACK_SECRET/);
    const config = parseConfig({ ...vars, BANSKY_POSTBACK_SECRET: `${NEW}, ${OLD}` });
    expect(config.bansky.postbackSecrets).toEqual([NEW, OLD]);
    expect(config.secretValues).toEqual(expect.arrayContaining([NEW, OLD]));
  });
});
