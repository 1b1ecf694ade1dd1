import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Problem } from '../../generated/api/types.gen';
import type { PaymentObject } from '../../src/core/payments/payment-object';
import type { PaymentRecord } from '../../src/core/payments/record';
import { BASE, createShopWithToken, shopHeaders, worker } from './helpers';
import { paymentBody } from './payments.support';

/** One focused test per hole in the input policy (URLs, text, the body limit); each failed before its fix. */
let testToken: string;
let liveToken: string;
beforeAll(async () => {
  testToken = (await createShopWithToken({ mode: 'test', allowedRedirectHosts: ['shop.example'] })).token;
  liveToken = (await createShopWithToken({ mode: 'live', allowedRedirectHosts: ['shop.example'] })).token;
});

async function init(token: string, overrides: Record<string, unknown>) {
  const res = await worker.fetch(`${BASE}/api/v1/init-payment`, {
    method: 'POST',
    headers: shopHeaders(token),
    body: JSON.stringify(paymentBody(overrides)),
  });
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as Problem & { id?: string } };
}

function stubOf(id: string) {
  const ns = env.PAYMENTS as unknown as DurableObjectNamespace<PaymentObject>;
  return ns.get(ns.idFromName(id));
}

describe('item 6: SSRF through wildcard DNS, IPv6 transition forms, internal names, service ports (12 of these were accepted)', () => {
  it.each([
    'https://127.0.0.1.nip.io/hook',
    'https://169.254.169.254.nip.io/latest/meta-data',
    'https://10.0.0.1.sslip.io/hook',
    'https://localtest.me/hook',
    'https://foo.lvh.me/hook',
    'https://app.localhost/hook',
    'https://[2002:7f00:1::1]/hook', // 6to4 of 127.0.0.1
    'https://[2002:a9fe:a9fe::]/hook', // 6to4 of 169.254.169.254
    'https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook', // Teredo, client 127.0.0.1
    'https://[64:ff9b::a9fe:a9fe]/hook', // NAT64 of 169.254.169.254
    'https://[::7f00:1]/hook', // IPv4-compatible 127.0.0.1
    'https://metadata.google.internal/computeMetadata/v1/',
    'https://kubernetes.default.svc/hook',
    'https://router.lan/hook',
    'https://nas.home.arpa/hook',
    'https://hooks.shop.example:22/hook',
    'https://hooks.shop.example:6379/hook',
    'https://hooks.shop.example:11211/hook',
    'https://[2001:db8::1]/hook',
    'https://198.18.0.1/hook',
    'https://255.255.255.255/hook',
  ])('live postbackUrl %s → 400 postback_url_not_allowed', async (url) => {
    const { status, body } = await init(liveToken, { postbackUrl: url, id: 'order-ssrf' });
    expect([status, body.code, body.errors?.[0]?.path]).toEqual([400, 'postback_url_not_allowed', '/postbackUrl']);
    expect(body.errors?.[0]?.message).toMatch(/not a public address|port \d+ is not allowed/);
  });

  it('public hosts on 443 and 8443 stay accepted', async () => {
    for (const url of ['https://hooks.shop.example/apay', 'https://hooks.shop.example:8443/apay', 'https://93.184.216.34/hook']) {
      expect((await init(liveToken, { postbackUrl: url })).status).toBe(201);
    }
  });
});

describe('item 7: control characters, bidi and raw UTF-8', () => {
  it('a NUL in successUrl → 400 invalid_characters naming the field and the character', async () => {
    const { status, type, body } = await init(testToken, { successUrl: 'https://shop.example/th\u0000anks' });
    expect([status, type, body.code]).toEqual([400, 'application/problem+json', 'invalid_characters']);
    expect(body.errors).toEqual([{ path: '/successUrl', message: 'contains U+0000 (a control character) at character 24' }]);
  });

  it.each([
    ['CR LF in the middle', 'https://shop.example/ok\r\nSet-Cookie: a=b', 'U+000D'],
    ['a tab in the host', 'https://shop.\texample/ok', 'U+0009'],
    ['a BOM at the end', 'https://shop.example/ok\uFEFF', 'U+FEFF'],
    ['a line separator at the end', 'https://shop.example/ok\u2028', 'U+2028'],
  ])("%s of successUrl (which the schema's url() silently strips) → 400 invalid_characters", async (_what, successUrl, cp) => {
    const { status, body } = await init(testToken, { successUrl });
    expect([status, body.code, body.errors?.[0]?.path]).toEqual([400, 'invalid_characters', '/successUrl']);
    expect(body.errors?.[0]?.message).toContain(cp);
  });

  it.each([
    ['a NUL', 'Jane\u0000Doe', 'U+0000'],
    ['a right-to-left override', 'Jane \u202Eeod', 'U+202E'],
    ['a first-strong isolate', 'Jane \u2068Doe', 'U+2068'],
    ['a lone surrogate', 'Jane \uD800Doe', 'U+D800'],
    ['a zero-width space', 'Ja\u200Bne', 'U+200B'],
    ['a C1 control', 'Jane\u0085Doe', 'U+0085'],
  ])('%s in name → 400 invalid_characters', async (_what, name, cp) => {
    const { status, body } = await init(testToken, { name });
    expect([status, body.code, body.errors?.[0]?.path]).toEqual([400, 'invalid_characters', '/name']);
    expect(body.errors?.[0]?.message).toContain(cp);
  });

  it('real names keep their characters: accents, RTL scripts, ZWNJ, emoji sequences', async () => {
    for (const name of ['Zoë Ångström', 'محمد علی', 'می\u200Cخواهم', 'Łukasz 👩‍👩‍👧', 'José\u0301']) {
      expect([name, (await init(testToken, { name })).status]).toEqual([name, 201]);
    }
  });

  it("raw UTF-8 in successUrl is stored and redirected to in the parser's ASCII form", async () => {
    const { status, body } = await init(testToken, { successUrl: 'https://shop.example/merci/café?q=ü ö' });
    expect(status).toBe(201);
    const res = await worker.fetch(`${BASE}/integration/success?id=${body.id}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://shop.example/merci/caf%C3%A9?q=%C3%BC%20%C3%B6');
  });

  it('a record stored before the fix with a NUL in successUrl: the customer is redirected, not given a 500', async () => {
    const { body } = await init(testToken, {});
    await runInDurableObject(stubOf(body.id!), async (_i: PaymentObject, state) => {
      const r = (await state.storage.get<PaymentRecord>('payment'))!;
      await state.storage.put('payment', { ...r, successUrl: 'https://shop.example/th\u0000anks', errorUrl: 'not a url' });
    });
    const ok = await worker.fetch(`${BASE}/integration/success?id=${body.id}`, { redirect: 'manual' });
    expect([ok.status, ok.headers.get('location')]).toEqual([302, 'https://shop.example/th%00anks']);
    const bad = await worker.fetch(`${BASE}/integration/error?id=${body.id}`, { redirect: 'manual' });
    expect([bad.status, bad.headers.get('content-type'), bad.headers.get('location')]).toEqual([400, 'text/html; charset=utf-8', null]);
  });
});

describe('item 12: upper bound on amount, chunked oversized bodies', () => {
  it.each([
    ['1000000000000', 'EUR'],
    ['999999999999999', 'JPY'],
    ['1000000000000.5', 'USD'],
  ])('amount %s %s → 400 invalid_amount', async (amount, currency) => {
    const { status, body } = await init(testToken, { amount, currency });
    expect([status, body.code, body.errors?.[0]?.path]).toEqual([400, 'invalid_amount', '/amount']);
    expect(body.errors?.[0]?.message).toMatch(/less than 1000000000000/);
  });

  it('the largest amount, 999999999999.99 EUR, is accepted', async () => {
    expect((await init(testToken, { amount: '999999999999.99' })).status).toBe(201);
  });

  it('a 10 MiB chunked body is read to its end and answered 413 payload_too_large (problem+json)', async () => {
    const total = 10 * 1024 * 1024;
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= total) return controller.close();
        controller.enqueue(new Uint8Array(64 * 1024).fill(0x20));
        sent += 64 * 1024;
      },
    });
    const res = await worker.fetch(`${BASE}/api/v1/init-payment`, {
      method: 'POST',
      headers: shopHeaders(testToken),
      body,
      duplex: 'half',
    } as RequestInit);
    expect([res.status, res.headers.get('content-type')]).toEqual([413, 'application/problem+json']);
    expect(((await res.json()) as Problem).code).toBe('payload_too_large');
    // Left unread, the upload is torn down under the client (wrangler dev answered a text/plain 503).
    expect(sent).toBe(total);
  });
});
