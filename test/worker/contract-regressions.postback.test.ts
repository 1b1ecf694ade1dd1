/**
 * Regressions found by the schemathesis contract tests (contract-tests/) in what the Worker
 * accepts from Bansky and from shops. Each test names the failing case schemathesis reported.
 */
import { describe, expect, it } from 'vitest';
import contract from '../../generated/openapi.json';
import { BASE, createShopWithToken, shopHeaders, worker } from './helpers';
import { paymentBody, postToVerify, shopApi, signAsBansky } from './payments.support';

describe('Bansky postback: occurredAt is any RFC 3339 date-time', () => {
  // schemathesis ST202 (stateful, init-payment → payment-verify): a correctly signed postback with
  // "occurredAt": "6135-08-05T19:47:17-12:15" → 400 "Invalid ISO datetime". The contract says
  // `format: date-time` (RFC 3339), which allows a numeric offset; the generated validator only
  // took `Z` until the codegen was told `dates.offset`.
  it.each(['2026-11-25T10:15:30Z', '2026-11-25T11:15:30+01:00', '6135-08-05T19:47:17-12:15', '2026-11-25T10:15:30.123456Z'])(
    'occurredAt %s is accepted',
    async (occurredAt) => {
      const api = shopApi((await createShopWithToken()).token);
      const id = (await api.init(paymentBody())).data!.id;
      const body = JSON.stringify({ id, status: 'paid', amount: '49.90', currency: 'EUR', occurredAt });
      const res = await postToVerify(body, await signAsBansky(body));
      expect(res.status).toBe(200);
      expect((await api.get(id)).data!.status).toBe('paid');
    },
  );

  it('a date-time without any zone is still refused (RFC 3339 requires one)', async () => {
    const api = shopApi((await createShopWithToken()).token);
    const id = (await api.init(paymentBody())).data!.id;
    const body = JSON.stringify({ id, status: 'paid', amount: '49.90', currency: 'EUR', occurredAt: '2026-11-25T10:15:30' });
    const res = await postToVerify(body, await signAsBansky(body));
    expect(res.status).toBe(400);
  });
});

describe('init-payment: the contract states which email addresses the Worker accepts', () => {
  // schemathesis ST901 (schema-valid body refused): "email": "#@empty.0c.com" and "`3e6@e3s4.org"
  // are RFC 5322 addresses (`format: email`) that the Worker refuses with 400 validation_failed.
  // The contract now carries the pattern the validator applies, so generated clients and fuzzers
  // know the rule; these tests keep contract and Worker in step.
  const schema = (contract as any).components.schemas.InitPaymentRequest.properties.email;
  const pattern = new RegExp(schema.pattern);

  it.each(['jane.doe@example.com', "o'brien+tag@mail.shop.example", 'a_b-c@x-y.example'])('%s matches and is accepted', async (email) => {
    expect(pattern.test(email)).toBe(true);
    const api = shopApi((await createShopWithToken()).token);
    const res = await api.init(paymentBody({ email }));
    expect(res.response.status).toBe(201);
  });

  it.each(['#@empty.0c.com', '`3e6@e3s4.org', 'a..b@shop.example', 'jane@localhost'])(
    '%s does not match and is refused as invalid',
    async (email) => {
      expect(pattern.test(email)).toBe(false);
      // Raw fetch: the generated SDK would refuse to send it (it validates against the same rule).
      const { token } = await createShopWithToken();
      const res = await worker.fetch(`${BASE}/api/v1/init-payment`, {
        method: 'POST',
        headers: shopHeaders(token),
        body: JSON.stringify(paymentBody({ email })),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { code: string }).code).toBe('validation_failed');
    },
  );
});
