import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { zShopPostback } from '../../generated/api/zod.gen';
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

const text = async (res: Response) => res.text();

describe('Developers page', { timeout: 60_000 }, () => {
  it('shows a new token once, lists it by prefix and last 4, and revokes it', async () => {
    const { shopId } = await createShopWithToken();
    const m = await signedInMember(shopId);
    const created = await text(await appPost('/app/developers/tokens', { label: 'checkout server', _csrf: m.csrf }, { cookie: m.cookie }));
    const token = /value="(apay_test_[A-Za-z0-9]{43})"/.exec(created)![1]!;
    const later = await text(await appGet('/app/developers', m.cookie));
    expect(later).not.toContain(token);
    expect(later).toContain(`apay_test_…${token.slice(-4)}`);
    expect(later).toContain('checkout server');
    const tokens = (await (await adminCall('GET', `/admin/v1/shops/${shopId}/tokens`)).json()) as {
      items: { id: string; label: string | null }[];
    };
    const id = tokens.items.find((t) => t.label === 'checkout server')!.id;
    const revoked = await appPost(`/app/developers/tokens/${id}/revoke`, { _csrf: m.csrf }, { cookie: m.cookie });
    expect(await text(revoked)).toContain(`Token apay_test_…${token.slice(-4)} revoked.`);
  });

  it('rotates the webhook secret with the 24 h overlap and sends a signed test postback', async () => {
    const shop = await createShopWithToken();
    const m = await signedInMember(shop.shopId);
    const rotated = await text(await appPost('/app/developers/webhook-secret', { _csrf: m.csrf }, { cookie: m.cookie }));
    const secret = /value="(whsec_[^"]+)"/.exec(rotated)![1]!;
    expect(rotated).toContain('A rotation is in progress');
    const hook = shopHookPath();
    const sent = await text(
      await appPost('/app/developers/test-postback', { url: recorderUrl() + hook, _csrf: m.csrf }, { cookie: m.cookie }),
    );
    expect(sent).toContain('Your endpoint accepted it');
    const [delivery] = await recorded(hook);
    // Verifies with the new secret and with the old one (both sign during the overlap).
    for (const key of [secret, shop.webhookSecret]) {
      const body = zShopPostback.parse(new Webhook(key).verify(delivery!.body, delivery!.headers));
      expect(body.data).toMatchObject({ shopTransactionId: 'test-postback', mode: 'test', status: 'paid' });
    }
  });

  it('refuses a test postback to a private address in live mode (no SSRF)', async () => {
    const { shopId } = await createShopWithToken();
    const m = await signedInMember(shopId);
    await appPost('/app/mode', { mode: 'live', _csrf: m.csrf }, { cookie: m.cookie });
    const res = await appPost('/app/developers/test-postback', { url: 'http://127.0.0.1:9/hook', _csrf: m.csrf }, { cookie: m.cookie });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Not sent:');
  });
});

describe('Payment page', { timeout: 60_000 }, () => {
  it('shows every failed attempt with its status, the answer and the next retry; resend is post/redirect/get', async () => {
    const shop = await createShopWithToken({ allowedRedirectHosts: ['shop.example'] });
    const hook = shopHookPath();
    await failNext(hook, 1, 503);
    const init = await shopApi(shop.token).init(paymentBody({ id: 'detail-1', postbackUrl: recorderUrl() + hook }));
    const id = init.data!.id;
    await checkout((await visit(init.data!.url)).headers.get('location')!, 'pay');
    await relayBanskyPostbacks(id);
    const m = await signedInMember(shop.shopId);
    const html = await waitFor('the failed then delivered attempts', async () => {
      const page = await text(await appGet(`/app/payments/${id}`, m.cookie));
      return page.includes('HTTP 503') && page.includes('HTTP 200') ? page : null;
    });
    expect(html).toContain('detail-1');
    expect(html).toContain('https://shop.example/thanks');
    expect(html).toContain(`msg_${id}_paid`);
    expect(html).toMatch(/Awaiting payment.*Paid/s);
    // The timeline in the merchant's words, not our internal reasons.
    expect(html).toMatch(
      /Payment created by your server.*Checkout opened at the payment provider.*The payment provider reported the result/s,
    );
    expect(html).not.toMatch(/bansky (accepted|postback|status check)/);
    // Ids with a Copy button (shown by /assets/app.js), loaded as a same-origin script the CSP allows.
    expect(html).toContain(`<code id="payment-id">${id}</code>`);
    expect(html).toContain('data-copy="webhook-id"');
    expect(html).toContain('<script src="/assets/app.js" defer');

    const res = await appPost(`/app/payments/${id}/resend`, { _csrf: m.csrf }, { cookie: m.cookie });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(new RegExp(`^/app/payments/${id}\\?resend=limited&retry=\\d+$`));
    expect(await text(await appGet(res.headers.get('location')!, m.cookie))).toContain('This postback was queued moments ago.');
  });

  it('shows the next retry while a postback is failing', async () => {
    const shop = await createShopWithToken({ allowedRedirectHosts: ['shop.example'] });
    const hook = shopHookPath();
    await failNext(hook, 50, 500);
    const init = await shopApi(shop.token).init(paymentBody({ id: 'retrying-1', postbackUrl: recorderUrl() + hook }));
    const id = init.data!.id;
    await checkout((await visit(init.data!.url)).headers.get('location')!, 'decline');
    await relayBanskyPostbacks(id);
    const m = await signedInMember(shop.shopId);
    const html = await waitFor('a failed attempt', async () => {
      const page = await text(await appGet(`/app/payments/${id}`, m.cookie));
      return page.includes('HTTP 500') ? page : null;
    });
    expect(html).toMatch(/next retry about \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC/);
  });
});
