import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import type { Problem } from '../../generated/api/types.gen';
import type { ListenPostback } from '../../src/core/listen/messages';
import { appGet, signedInMember } from './app.support';
import { adminCall, BASE, createShopWithToken, worker } from './helpers';
import {
  checkout,
  paymentBody,
  recorded,
  recorderUrl,
  relayBanskyPostbacks,
  shopApi,
  shopHookPath,
  visit,
  waitFor,
} from './payments.support';

/** A listen session as the CLI opens it: the upgrade through the Worker, every frame kept. */
async function openSession(token: string) {
  const res = await worker.fetch(`${BASE}/api/v1/listen`, { headers: { upgrade: 'websocket', authorization: `Bearer ${token}` } });
  expect(res.status).toBe(101);
  const ws = res.webSocket!;
  const frames: Record<string, unknown>[] = [];
  let closed: { code: number; reason: string } | null = null;
  ws.addEventListener('message', (e) => frames.push(JSON.parse(String(e.data))));
  ws.addEventListener('close', (e) => {
    closed = { code: e.code, reason: e.reason };
  });
  ws.accept();
  return { ws, frames, closed: () => closed };
}

async function finish(token: string, body: Parameters<ReturnType<typeof shopApi>['init']>[0], action: 'pay' | 'decline'): Promise<string> {
  const init = await shopApi(token).init(body);
  await checkout((await visit(init.data!.url)).headers.get('location')!, action);
  await relayBanskyPostbacks(init.data!.id);
  return init.data!.id;
}

describe('aimbrellapay listen (the Worker side)', { timeout: 60_000 }, () => {
  it('pushes each test postback, signed exactly as delivered, to every session; the report lands in the delivery log', async () => {
    const shop = await createShopWithToken({ allowedRedirectHosts: ['shop.example'] });
    const [a, b] = [await openSession(shop.token), await openSession(shop.token)];
    expect(a.frames[0]).toMatchObject({ type: 'ready', shopId: shop.shopId });

    const hook = shopHookPath();
    const id = await finish(shop.token, paymentBody({ id: 'listen-1', postbackUrl: recorderUrl() + hook }), 'pay');
    const pushed = await waitFor(
      'the pushed postback',
      async () => a.frames.find((f) => f.type === 'postback') as ListenPostback | undefined,
    );
    expect(pushed).toMatchObject({ webhookId: `msg_${id}_paid`, eventType: 'payment.paid', paymentId: id });
    // The shop's own verification accepts it as it is.
    expect(() => new Webhook(shop.webhookSecret).verify(pushed.body, pushed.headers)).not.toThrow();
    expect(pushed.headers['webhook-id']).toBe(`msg_${id}_paid`);
    await waitFor('the second session', async () => b.frames.some((f) => f.type === 'postback'));

    // Normal delivery is unaffected: the postbackUrl gets the same body.
    const [delivered] = await waitFor('the normal postback', async () => ((await recorded(hook)).length ? recorded(hook) : null));
    expect(delivered!.body).toBe(pushed.body);

    // The tool reports what the shop's local endpoint answered; the app shows it in the delivery log.
    a.ws.send(JSON.stringify({ type: 'result', webhookId: pushed.webhookId, status: 204, durationMs: 12, error: null }));
    const member = await signedInMember(shop.shopId);
    const page = await waitFor('the listen report on the payment page', async () => {
      const html = await (await appGet(`/app/payments/${id}`, member.cookie)).text();
      return html.includes('Forwarded by aimbrellapay listen') ? html : null;
    });
    expect(page).toContain('HTTP 204');
    expect(page).toContain('12 ms');
    a.ws.close(1000, 'done');
    b.ws.close(1000, 'done');
  });

  it('refuses a live token and a plain request; revoking the token ends its sessions', async () => {
    const shop = await createShopWithToken({ allowedRedirectHosts: ['shop.example'] });
    const plain = await worker.fetch(`${BASE}/api/v1/listen`, { headers: { authorization: `Bearer ${shop.token}` } });
    expect([plain.status, ((await plain.json()) as Problem).code, plain.headers.get('upgrade')]).toEqual([
      426,
      'websocket_required',
      'websocket',
    ]);
    const live = await adminCall('POST', `/admin/v1/shops/${shop.shopId}/tokens`, { mode: 'live' });
    const liveToken = ((await live.json()) as { token: string }).token;
    const refused = await worker.fetch(`${BASE}/api/v1/listen`, {
      headers: { upgrade: 'websocket', authorization: `Bearer ${liveToken}` },
    });
    expect([refused.status, ((await refused.json()) as Problem).code]).toEqual([403, 'test_mode_only']);
    const anonymous = await worker.fetch(`${BASE}/api/v1/listen`, { headers: { upgrade: 'websocket' } });
    expect(anonymous.status).toBe(401);

    const session = await openSession(shop.token);
    expect((await adminCall('DELETE', `/admin/v1/shops/${shop.shopId}/tokens/${shop.tokenId}`)).status).toBe(200);
    const closed = await waitFor('the session closed', async () => session.closed());
    expect(closed).toEqual({ code: 4001, reason: 'token revoked' });
  });
});
