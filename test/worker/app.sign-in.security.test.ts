/**
 * Sign-in security of the shop app: the flood a stranger can aim at a member's email, the device
 * cookie that keeps the member able to sign in, the __Host- cookies, the NIST password rules,
 * two-step sign-in (TOTP codes computed here from RFC 6238, not by the library the app uses) and
 * sign-out everywhere.
 */
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { APP_SIGN_IN_POLICIES } from '../../src/platform/limits/login-throttle';
import { passwordProblem } from '../../src/platform/security/password-policy';
import type { ShopMembersObject } from '../../src/shop-app/members/members-object';
import { appGet, appPost, csrfOf, deviceCookieOf, invite, PASSWORD, sessionCookieOf, signedInMember } from './app.support';
import { createShopWithToken } from './helpers';

/** RFC 6238 TOTP (HMAC-SHA1, 30 s), written from the RFC with WebCrypto. */
async function totpCode(base32: string, at: number, digits = 6): Promise<string> {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of base32.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  const key = new Uint8Array(Math.floor(bits.length / 8)).map((_, i) => Number.parseInt(bits.slice(i * 8, i * 8 + 8), 2));
  return hotp(key, Math.floor(at / 1000 / 30), digits);
}

async function hotp(key: Uint8Array, counter: number, digits: number): Promise<string> {
  const msg = new DataView(new ArrayBuffer(8));
  msg.setUint32(0, Math.floor(counter / 2 ** 32));
  msg.setUint32(4, counter >>> 0);
  const k = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-1' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', k, msg.buffer));
  const offset = mac[19]! & 0xf;
  const bin = ((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) | (mac[offset + 2]! << 8) | mac[offset + 3]!;
  return String(bin % 10 ** digits).padStart(digits, '0');
}

const membersObject = (shopId: string) => {
  const ns = env.MEMBERS as unknown as DurableObjectNamespace<ShopMembersObject>;
  return ns.get(ns.idFromName(`members:${shopId}`));
};

describe('the code helper used by these tests', () => {
  it("matches RFC 6238's SHA-1 test vectors", async () => {
    // Appendix B: secret "12345678901234567890" (base32 GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ), 8 digits.
    const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
    expect(await totpCode(secret, 59_000, 8)).toBe('94287082');
    expect(await totpCode(secret, 1_111_111_109_000, 8)).toBe('07081804');
    expect(await totpCode(secret, 20_000_000_000_000, 8)).toBe('65353130');
  });
});

describe('the session and device cookies', () => {
  it('are __Host- cookies (Secure, Path=/, no Domain); the device cookie is set once per browser and member', async () => {
    const { shopId } = await createShopWithToken();
    const m = await signedInMember(shopId);
    const first = await appPost('/app/sign-in', { email: m.email, password: PASSWORD });
    expect(first.status).toBe(303);
    const set = first.headers.getSetCookie();
    expect(set.find((c) => c.startsWith('__Host-apay_app_session='))).toMatch(/; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    expect(set.find((c) => c.startsWith('__Host-apay_app_device='))).toMatch(
      /; Max-Age=15552000; Path=\/; HttpOnly; Secure; SameSite=Strict$/,
    );
    expect(set.join('\n')).not.toMatch(/Domain=/i);
    const device = deviceCookieOf(first)!;
    const again = await appPost('/app/sign-in', { email: m.email, password: PASSWORD }, { device });
    expect(again.status).toBe(303);
    expect(deviceCookieOf(again)).toBeNull(); // the browser keeps its cookie
  });

  it("a device cookie is this member's only: another member's or a forged one counts on the account", async () => {
    const { shopId } = await createShopWithToken();
    const a = await signedInMember(shopId);
    const b = await signedInMember(shopId);
    const deviceOfA = deviceCookieOf(await appPost('/app/sign-in', { email: a.email, password: PASSWORD }))!;
    for (let i = 0; i < APP_SIGN_IN_POLICIES.account.maxFailures; i++) {
      await appPost('/app/sign-in', { email: b.email, password: `wrong ${i}` }, { headers: { 'cf-connecting-ip': `198.18.0.${i}` } });
    }
    for (const device of [deviceOfA, `${'A'.repeat(22)}.${'B'.repeat(43)}`]) {
      const res = await appPost(
        '/app/sign-in',
        { email: b.email, password: PASSWORD },
        { device, headers: { 'cf-connecting-ip': '198.18.1.1' } },
      );
      expect(res.status).toBe(429);
    }
  });
});

describe('a stranger floods a member’s email', () => {
  it('50 parallel wrong passwords from 50 addresses: at most 5 are checked; the member signs in from their usual browser at once', async () => {
    const { shopId } = await createShopWithToken();
    const m = await signedInMember(shopId);
    // The member's usual browser: it signed in before and holds the device cookie.
    const usual = await appPost('/app/sign-in', { email: m.email, password: PASSWORD }, { headers: { 'cf-connecting-ip': '192.0.2.10' } });
    const device = deviceCookieOf(usual)!;
    expect(device).toBeTruthy();

    const flood = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        appPost(
          '/app/sign-in',
          { email: m.email, password: `guess number ${i}` },
          { headers: { 'cf-connecting-ip': `203.0.113.${i + 1}` } },
        ),
      ),
    );
    const statuses = flood.map((r) => r.status);
    const checked = statuses.filter((s) => s === 401).length; // a password was compared
    expect(checked).toBe(APP_SIGN_IN_POLICIES.account.maxFailures);
    expect(statuses.filter((s) => s === 429)).toHaveLength(50 - checked);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);

    // At once, from the usual browser: signed in.
    const member = await appPost(
      '/app/sign-in',
      { email: m.email, password: PASSWORD },
      { device, headers: { 'cf-connecting-ip': '192.0.2.10' } },
    );
    expect(member.status).toBe(303);
    expect((await appGet('/app/payments', sessionCookieOf(member))).status).toBe(200);

    // A brand-new browser waits, like the attacker, and is told why and what to do.
    const fresh = await appPost('/app/sign-in', { email: m.email, password: PASSWORD }, { headers: { 'cf-connecting-ip': '192.0.2.11' } });
    expect(fresh.status).toBe(429);
    const text = await fresh.text();
    expect(text).toContain('Sign-in is locked for 15 minutes, even with the right password.');
    expect(text).toContain('A browser you have signed in with before is not affected');
    expect(sessionCookieOf(fresh)).toBeNull();

    // The attacker's next wave gets nothing more, and the device's success did not reopen the account key.
    const wave = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        appPost('/app/sign-in', { email: m.email, password: `more ${i}` }, { headers: { 'cf-connecting-ip': `203.0.114.${i + 1}` } }),
      ),
    );
    expect(wave.map((r) => r.status)).toEqual(Array(10).fill(429));
  });

  it('a stolen-looking device cookie still gets only its own 5 guesses', async () => {
    const { shopId } = await createShopWithToken();
    const m = await signedInMember(shopId);
    const device = deviceCookieOf(await appPost('/app/sign-in', { email: m.email, password: PASSWORD }))!;
    const tries = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        appPost('/app/sign-in', { email: m.email, password: `x${i}` }, { device, headers: { 'cf-connecting-ip': `198.51.100.${i + 1}` } }),
      ),
    );
    expect(tries.filter((r) => r.status === 401)).toHaveLength(APP_SIGN_IN_POLICIES.device.maxFailures);
  });
});

describe('password rules (NIST SP 800-63B)', () => {
  const email = 'jane.doe@demo-shop.example';
  it.each([
    ['short1', 'length'],
    ['x'.repeat(201), 'length'],
    ['1234567890', 'common'],
    ['Password123', 'common'],
    ['qwertyuiop', 'common'],
    ['aaaaaaaaaaaa', 'repetitive'],
    ['abab12abab12', 'repetitive'],
    ['passpasspass', 'repetitive'],
    ['3456789012', 'sequential'],
    ['lkjhgfdsa', 'length'],
    ['mnbvcxzlkjh', null],
    ['zyxwvutsrqpo', 'sequential'],
    ['jane.doe@demo-shop.example', 'email'],
    ['janedoe2024!', 'email'],
    ['demo-shop.example1', 'email'],
    ['Doe Jane Shop 7', 'email'],
    ['correct horse battery staple', null],
    ['my shop sells green tents', null],
    ['🦊 fox and 🐻 bear', null],
  ] as const)('%s → %s', (password, rule) => {
    expect(passwordProblem(password, email)).toBe(rule);
  });

  it('the set-password page refuses a weak password with the rule it breaks, and keeps the invite usable', async () => {
    const { shopId } = await createShopWithToken();
    const { token } = await invite(shopId, 'sam.lee@tents.example');
    const weak = await appPost(`/app/invite/${token}`, { password: 'samlee12345', confirm: 'samlee12345' });
    expect(weak.status).toBe(400);
    expect(await weak.text()).toContain('Do not build the password from your email address');
    const common = await appPost(`/app/invite/${token}`, { password: 'basketball', confirm: 'basketball' });
    expect(await common.text()).toContain('list of the most common passwords');
    expect((await appPost(`/app/invite/${token}`, { password: PASSWORD, confirm: PASSWORD })).status).toBe(303);
  });
});

describe('two-step sign-in (TOTP)', () => {
  async function enrol(shopId: string) {
    const m = await signedInMember(shopId);
    // Stay clear of a 30 s step boundary, so "the enrolment's step" below is the step the server saw.
    if (Date.now() % 30_000 > 25_000) await new Promise((r) => setTimeout(r, 30_000 - (Date.now() % 30_000) + 50));
    const start = await appPost('/app/account/two-step/start', { _csrf: m.csrf }, { cookie: m.cookie });
    const html = await start.text();
    expect(start.status).toBe(200);
    const secret = /id="totp-secret"[^>]*value="([A-Z2-7]+)"/.exec(html)?.[1] ?? '';
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(html).toContain('<svg'); // the QR code
    const wrong = await appPost(
      '/app/account/two-step/confirm',
      { _csrf: m.csrf, code: '000000' === (await totpCode(secret, Date.now())) ? '111111' : '000000' },
      { cookie: m.cookie },
    );
    expect(wrong.status).toBe(400);
    const on = await appPost(
      '/app/account/two-step/confirm',
      { _csrf: m.csrf, code: await totpCode(secret, Date.now()) },
      { cookie: m.cookie },
    );
    const onHtml = await on.text();
    expect(on.status).toBe(200);
    const codes = [...onHtml.matchAll(/<li>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})<\/li>/g)].map((x) => x[1]!);
    expect(codes).toHaveLength(10);
    return { ...m, secret, codes };
  }

  it('enrol with a computed code; sign-in then asks for a code; a used code cannot be replayed; recovery codes work once', async () => {
    const { shopId } = await createShopWithToken();
    const m = await enrol(shopId);
    // Shown once: the account page never shows them again.
    const page = await (await appGet('/app/account', m.cookie)).text();
    expect(page).toContain('10 of 10 recovery codes left');
    for (const code of m.codes) expect(page).not.toContain(code);

    // At rest: the secret sealed, the recovery codes hashed.
    await runInDurableObject(membersObject(shopId), async (_o, state) => {
      const row = state.storage.sql.exec('SELECT totp_secret FROM members WHERE email = ?', m.email).one();
      expect(String(row.totp_secret)).not.toContain(m.secret);
      expect(JSON.parse(String(row.totp_secret))).toMatchObject({ v: 1, keyId: expect.any(String) });
      const stored = state.storage.sql
        .exec('SELECT hash FROM recovery_codes')
        .toArray()
        .map((r) => String(r.hash));
      for (const code of m.codes) expect(stored.join()).not.toContain(code.replace(/-/g, ''));
    });

    const step1 = await appPost('/app/sign-in', { email: m.email, password: PASSWORD });
    expect(step1.status).toBe(200);
    expect(sessionCookieOf(step1)).toBeNull();
    const challenge = /name="challenge" value="([^"]+)"/.exec(await step1.text())![1]!;
    const wrong = await appPost('/app/sign-in/code', { challenge, code: '12345' });
    expect(wrong.status).toBe(401);
    // The enrolment used the current step; a code of the same step is a replay. The next step's code is accepted (window ±1).
    expect((await appPost('/app/sign-in/code', { challenge, code: await totpCode(m.secret, Date.now()) })).status).toBe(401);
    const ok = await appPost('/app/sign-in/code', { challenge, code: await totpCode(m.secret, Date.now() + 30_000) });
    expect(ok.status).toBe(303);
    expect((await appGet('/app/payments', sessionCookieOf(ok))).status).toBe(200);
    // The challenge is spent.
    expect((await appPost('/app/sign-in/code', { challenge, code: m.codes[1]! })).status).toBe(401);

    // A recovery code (typed in capitals with spaces) signs in once.
    const again = /name="challenge" value="([^"]+)"/.exec(
      await (await appPost('/app/sign-in', { email: m.email, password: PASSWORD })).text(),
    )![1]!;
    const typed = m.codes[0]!.toUpperCase().replace(/-/g, ' ');
    expect((await appPost('/app/sign-in/code', { challenge: again, code: typed })).status).toBe(303);
    const third = /name="challenge" value="([^"]+)"/.exec(
      await (await appPost('/app/sign-in', { email: m.email, password: PASSWORD })).text(),
    )![1]!;
    expect((await appPost('/app/sign-in/code', { challenge: third, code: m.codes[0]! })).status).toBe(401);
    expect(await (await appGet('/app/account', m.cookie)).text()).toContain('9 of 10 recovery codes left');
  });

  it('wrong codes spend the same sign-in budget as wrong passwords; turning it off takes a current code', async () => {
    const { shopId } = await createShopWithToken();
    const m = await enrol(shopId);
    const challenge = /name="challenge" value="([^"]+)"/.exec(
      await (await appPost('/app/sign-in', { email: m.email, password: PASSWORD })).text(),
    )![1]!;
    const codes = [];
    for (let i = 0; i < 5; i++)
      codes.push(
        (await appPost('/app/sign-in/code', { challenge, code: `99999${i}` }, { headers: { 'cf-connecting-ip': `198.19.0.${i}` } })).status,
      );
    // The password was attempt 1 of 5 on the account key: 4 wrong codes, then locked.
    expect(codes).toEqual([401, 401, 401, 401, 429]);
    const after = await appPost('/app/sign-in/code', { challenge, code: await totpCode(m.secret, Date.now() + 30_000) });
    expect(after.status).toBe(429);

    const refused = await appPost('/app/account/two-step/disable', { _csrf: m.csrf, code: '000000' }, { cookie: m.cookie });
    expect(await refused.text()).toContain('Two-step sign-in is still on');
    const off = await appPost(
      '/app/account/two-step/disable',
      { _csrf: m.csrf, code: await totpCode(m.secret, Date.now() + 30_000) },
      { cookie: m.cookie },
    );
    expect(await off.text()).toContain('Two-step sign-in is off');
    // The wrong codes locked the account key; the member's own browser (set when they accepted the invite) still signs in.
    expect((await appPost('/app/sign-in', { email: m.email, password: PASSWORD })).status).toBe(429);
    expect((await appPost('/app/sign-in', { email: m.email, password: PASSWORD }, { device: m.device })).status).toBe(303);
  });
});

describe('sign out everywhere', () => {
  it('ends every session of the member, in every browser, and no other member’s', async () => {
    const { shopId } = await createShopWithToken();
    const m = await signedInMember(shopId);
    const other = await signedInMember(shopId);
    const second = sessionCookieOf(await appPost('/app/sign-in', { email: m.email, password: PASSWORD }))!;
    expect((await appGet('/app/payments', second)).status).toBe(200);
    const out = await appPost('/app/account/sign-out-everywhere', { _csrf: m.csrf }, { cookie: m.cookie });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/app/sign-in');
    expect((await appGet('/app/payments', m.cookie)).status).toBe(303);
    expect((await appGet('/app/payments', second)).status).toBe(303);
    expect((await appGet('/app/payments', other.cookie)).status).toBe(200);
    expect(csrfOf(await (await appGet('/app/account', other.cookie)).text())).toBe(other.csrf);
  });
});
