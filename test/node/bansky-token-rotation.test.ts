import { afterAll, describe, expect, it } from 'vitest';
import { createClient } from '../../generated/api/client/index.ts';
import { banskyInitPayment } from '../../generated/api/sdk.gen.ts';
import { type BanskySandbox, startBanskySandbox } from '../../sandbox/bansky/server.ts';

/**
 * Rotating our Bansky API token without a failed request (docs/internal/runbook.md): Bansky
 * accepts the old and the new token during the overlap, we switch BANSKY_API_TOKEN, then Bansky
 * revokes the old one. Each step calls the sandbox over HTTP with the client our Bansky gateway is
 * generated from (src/core/bansky/http-gateway.ts), bearer token as the gateway sends it.
 */
const OLD = 'bansky_token_old_5c1e';
const NEW = 'bansky_token_new_9a7d';
const sandboxes: BanskySandbox[] = [];
afterAll(async () => {
  await Promise.all(sandboxes.map((s) => s.close()));
});

async function bansky(tokens: string[]): Promise<BanskySandbox> {
  const s = await startBanskySandbox({ port: 0, apiToken: tokens, postbackSecret: 'sandbox-postback-secret' });
  sandboxes.push(s);
  return s;
}

let n = 0;
/** Bansky's init with `token`: the HTTP status it answers. */
async function init(baseUrl: string, token: string): Promise<number | undefined> {
  const { response } = await banskyInitPayment({
    client: createClient({ baseUrl }),
    auth: token,
    body: {
      id: `pay_ROTATION${String(++n).padStart(14, '0')}`,
      email: 'a@example.com',
      amount: '1.00',
      currency: 'EUR',
      type: 'fiat',
      successUrl: 'http://127.0.0.1:8787/integration/success',
      errorUrl: 'http://127.0.0.1:8787/integration/error',
      postbackUrl: 'http://127.0.0.1:8787/api/payment-verify',
    },
  });
  return response?.status;
}

describe('Bansky API token rotation', () => {
  it('old token → both accepted → new token → old revoked: no step refuses a request', async () => {
    const before = await bansky([OLD]);
    expect(await init(before.url, OLD)).toBe(200);

    const overlap = await bansky([OLD, NEW]); // Bansky issued the new token; the old one still works
    expect(await init(overlap.url, OLD)).toBe(200); // isolates not yet on the new secret
    expect(await init(overlap.url, NEW)).toBe(200); // after `wrangler secret put BANSKY_API_TOKEN`

    const revoked = await bansky([NEW]);
    expect(await init(revoked.url, NEW)).toBe(200);
    // Had the old token still been in use, this is the refusal the overlap avoids.
    expect(await init(revoked.url, OLD)).toBe(401);
  });
});
