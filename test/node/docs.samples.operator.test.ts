import { pbkdf2Sync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANARY } from '../support/test-bindings.ts';
import { sample } from './docs.code-blocks.ts';
import { runShell, runShellJson } from './docs.sample-runner.ts';
import { SampleStack } from './docs.sample-stack.ts';
import { ROOT } from './docs.support.ts';

// Every sample of the operator docs (docs/internal), run as written against the Worker under
// wrangler dev and the Bansky sandbox: an operator can onboard a shop and check a deploy with them.
describe('the operator docs samples work against a local AimbrellaPay', () => {
  let stack: SampleStack;
  const operator = (extra: Record<string, string> = {}) => ({
    cwd: stack.workdir,
    env: { APAY_BASE_URL: stack.worker.url, APAY_ADMIN_TOKEN: CANARY.ADMIN_TOKEN, ...extra },
  });

  beforeAll(async () => {
    stack = await SampleStack.start({ browser: false });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('the CLI samples onboard a shop whose token can start a payment', async () => {
    const created = await runShell(sample('onboard-shop-cli'), operator());
    expect(created.status, created.stderr).toBe(0);
    const shopId = /shop_[A-Za-z0-9]+/.exec(created.stdout)?.[0];
    expect(created.stdout).toMatch(/whsec_[A-Za-z0-9+/=]+/);
    const issued = await runShell(sample('issue-token-cli'), operator({ SHOP_ID: shopId! }));
    expect(issued.status, issued.stderr).toBe(0);
    const token = /apay_test_[A-Za-z0-9]+/.exec(issued.stdout)?.[0];
    expect(token, issued.stdout).toBeDefined();

    const res = await fetch(`${stack.worker.url}/api/v1/init-payment`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        email: 'a@example.com',
        amount: '5.00',
        currency: 'EUR',
        successUrl: 'https://shop.example/ok',
        errorUrl: 'https://checkout.shop.example/err',
      }),
    });
    expect(res.status).toBe(201);
  });

  it('the admin API curl samples onboard a shop and issue a token', async () => {
    const created = await runShellJson(sample('onboard-shop-curl'), operator());
    expect(created).toMatchObject({
      shop: { id: expect.stringMatching(/^shop_/), allowedRedirectHosts: ['shop.example', '*.shop.example'] },
    });
    expect(created.webhookSecret).toMatch(/^whsec_/);
    const issued = await runShellJson(sample('issue-token-curl'), operator({ SHOP_ID: created.shop.id }));
    expect(issued.token).toMatch(/^apay_test_/);
  });

  it('the deploy dry run bundles the Worker', async () => {
    const dryRun = await runShell(sample('deploy-dry-run'), { cwd: ROOT, env: { TMPDIR: stack.workdir } });
    expect(dryRun.status, dryRun.stderr).toBe(0);
    expect(dryRun.stdout).toMatch(/Total Upload: [\d.]+ KiB \/ gzip: [\d.]+ KiB/);
    expect(dryRun.stdout).toContain('--dry-run: exiting now.');
  }, 120_000);

  it('the piped docs:hash-password makes a hash of exactly that password', async () => {
    const made = await runShell(sample('hash-password-pipe'), { cwd: ROOT, env: { NEW_PASSWORD: 'a-new-docs-password-42' } });
    expect(made.status, made.stderr).toBe(0);
    const [, iterations, salt, hash] = /^pbkdf2-sha256:(\d+):([\w-]+):([\w-]+)\n$/.exec(made.stdout)!;
    expect(Number(iterations)).toBe(100_000);
    const expected = pbkdf2Sync('a-new-docs-password-42', Buffer.from(salt!, 'base64url'), 100_000, 32, 'sha256');
    expect(Buffer.from(hash!, 'base64url').equals(expected)).toBe(true);
  });
});
