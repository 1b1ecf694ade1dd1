import { describe, expect, it } from 'vitest';
import { appGet, appPost, csrfOf, invite, PASSWORD, sessionCookieOf, signedInMember } from './app.support';
import { adminCall, createShopWithToken } from './helpers';

describe('a shop member signs in and uses the app', () => {
  it('invite → set password → signed in; sign out → signed out; sign in again with the password', async () => {
    const { shopId } = await createShopWithToken({ name: 'Acme Outdoor' });
    const email = 'ops@acme.example';
    const { token } = await invite(shopId, email);

    const form = await appGet(`/app/invite/${token}`);
    expect(form.status).toBe(200);
    expect(await form.text()).toContain(email);

    const accepted = await appPost(`/app/invite/${token}`, { password: PASSWORD, confirm: PASSWORD });
    expect(accepted.status).toBe(303);
    expect(accepted.headers.get('location')).toBe('/app/payments');
    const setCookie = accepted.headers.getSetCookie().join('\n');
    expect(setCookie).toMatch(/^__Host-apay_app_session=shop_[A-Za-z0-9]+\.[A-Za-z0-9]{43}; Path=\/; HttpOnly; Secure; SameSite=Lax$/m);
    const cookie = sessionCookieOf(accepted)!;

    const page = await appGet('/app/payments', cookie);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Acme Outdoor');
    expect(html).toContain('Payments');

    // The invite works once.
    expect((await appGet(`/app/invite/${token}`)).status).toBe(410);

    const out = await appPost('/app/sign-out', { _csrf: csrfOf(html) }, { cookie });
    expect(out.status).toBe(303);
    expect((await appGet('/app/payments', cookie)).status).toBe(303);

    const wrong = await appPost('/app/sign-in', { email, password: 'not the password' });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('Wrong email or password.');
    const signIn = await appPost('/app/sign-in', { email: 'OPS@acme.example ', password: PASSWORD });
    expect(signIn.status).toBe(303);
    expect((await appGet('/app/payments', sessionCookieOf(signIn))).status).toBe(200);
  });

  it('answers every page with the strict security headers', async () => {
    const { shopId } = await createShopWithToken();
    const m = await signedInMember(shopId);
    for (const path of ['/app/sign-in', '/app/payments', '/app/developers', '/app/stats']) {
      const res = await appGet(path, m.cookie);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("default-src 'none'");
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).not.toContain('unsafe-inline');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('same-origin');
      expect(res.headers.get('strict-transport-security')).toContain('max-age=');
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('the operator lists members and removing one ends their session at once', async () => {
    const { shopId } = await createShopWithToken();
    const m = await signedInMember(shopId);
    const list = (await (await adminCall('GET', `/admin/v1/shops/${shopId}/members`)).json()) as {
      items: { id: string; status: string }[];
    };
    expect(list.items).toEqual([expect.objectContaining({ id: m.memberId, status: 'active' })]);
    expect((await adminCall('DELETE', `/admin/v1/shops/${shopId}/members/${m.memberId}`)).status).toBe(200);
    const after = await appGet('/app/payments', m.cookie);
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toBe('/app/sign-in');
    expect((await appPost('/app/sign-in', { email: m.email, password: PASSWORD })).status).toBe(401);
  });

  it('a new invite resets the password and ends the old sessions', async () => {
    const { shopId } = await createShopWithToken();
    const m = await signedInMember(shopId);
    const { token } = await invite(shopId, m.email);
    const res = await appPost(`/app/invite/${token}`, { password: 'a brand new passphrase', confirm: 'a brand new passphrase' });
    expect(res.status).toBe(303);
    expect((await appGet('/app/payments', m.cookie)).status).toBe(303);
    expect((await appPost('/app/sign-in', { email: m.email, password: PASSWORD })).status).toBe(401);
    expect((await appPost('/app/sign-in', { email: m.email, password: 'a brand new passphrase' })).status).toBe(303);
  });
});
