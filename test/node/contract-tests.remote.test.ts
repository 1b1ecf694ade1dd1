/**
 * `npm run test:contract -- --base-url … --token …` runs the schemathesis suite against a
 * deployment without starting anything locally. Here the "deployment" is a Worker this test starts
 * (wrangler dev + the Bansky sandbox), reached only through its URL and a shop's test token.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BanskySandbox, startBanskySandbox } from '../../sandbox/bansky/server.ts';
import type { RunningWorker } from '../../scripts/lib/wrangler-dev.mjs';
import { CANARY } from '../support/test-bindings.ts';
import { startDocsWorker } from './docs.support.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const contract = JSON.parse(readFileSync(join(ROOT, 'generated', 'openapi.json'), 'utf8')) as {
  paths: Record<string, Record<string, { operationId?: string; tags?: string[] }>>;
};
const adminOperations = Object.values(contract.paths)
  .flatMap((item) => Object.values(item))
  .filter((op) => op.operationId && op.tags?.includes('admin'))
  .map((op) => op.operationId!);

function runContract(args: string[]): Promise<{ status: number | null; output: string }> {
  const child = spawn(process.execPath, ['contract-tests/run.mjs', ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  return new Promise((r) => child.once('close', (status) => r({ status, output })));
}

describe('contract tests against a deployment (--base-url)', () => {
  let sandbox: BanskySandbox;
  let worker: RunningWorker;
  let token: string;

  beforeAll(async () => {
    sandbox = await startBanskySandbox({ port: 0, apiToken: CANARY.BANSKY_API_TOKEN, postbackSecret: CANARY.BANSKY_POSTBACK_SECRET });
    // The deployment's own limits would slow the fuzzer to --rate-limit; this one allows it all.
    // Not a local development Worker: postbacks only to public https URLs, as on a deployment.
    worker = await startDocsWorker({
      LOCAL_DEVELOPMENT: 'false',
      BANSKY_TEST_BASE_URL: sandbox.url,
      RATE_LIMIT_PER_TOKEN: '1000000',
      RATE_LIMIT_PER_IP: '1000000',
      LOG_LEVEL: 'warn',
    });
    const admin = async (path: string, body: unknown) => {
      const res = await fetch(worker.url + path, {
        method: 'POST',
        headers: { authorization: `Bearer ${CANARY.ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(201);
      return (await res.json()) as { shop: { id: string }; token: string };
    };
    const { shop } = await admin('/admin/v1/shops', { name: 'QA shop', allowedRedirectHosts: ['qa.example'] });
    token = (await admin(`/admin/v1/shops/${shop.id}/tokens`, { mode: 'test', label: 'QA' })).token;
  }, 120_000);
  afterAll(async () => {
    await worker?.stop();
    await sandbox?.close();
  });

  it('runs the suite with only a test token, starting nothing, and lists what it skipped', async () => {
    // biome-ignore format: flags and their values read as pairs
    const { status, output } = await runContract([
      '--base-url', worker.url, '--token', token, '--rate-limit', '100000/m',
      '--include-operation-id', 'initPayment', '--include-operation-id', 'getPayment', '--max-examples', '10',
    ]);
    expect(status, output).toBe(0);
    expect(output).toContain(`[contract] against ${worker.url} (nothing started locally)`);
    expect(output).not.toMatch(/Bansky sandbox on|Worker on/);
    // Schema-valid init-payment bodies were steered onto http://localhost returns and accepted.
    expect(output).toMatch(/POST \/api\/v1\/init-payment\s+\d+\s+.*201×\d+/);
    const skippedBlock = output.slice(output.indexOf(`not tested against ${worker.url}`));
    for (const id of adminOperations) expect(skippedBlock).toContain(`  - ${id}: admin operation, no --admin-token`);
    expect(skippedBlock).toContain('  - receiveBanskyPostback: signed Bansky postbacks, no --bansky-key');
    expect(output).toContain(`operations skipped (listed above)`);
    expect(output, 'a deployment token is not printed').not.toContain(token);
  }, 240_000);

  it('fails when the token does not work there', async () => {
    // biome-ignore format: flags and their values read as pairs
    const { status, output } = await runContract([
      '--base-url', worker.url, '--token', 'apay_test_not_a_token_of_this_deployment', '--rate-limit', '100000/m',
      '--include-operation-id', 'initPayment', '--include-operation-id', 'getPayment', '--max-examples', '5',
    ]);
    expect(status, output).not.toBe(0);
    expect(output).toContain('A request with valid credentials was refused with 401');
    expect(output).toContain('contract tests FAILED');
  }, 240_000);

  it('refuses --base-url without a token, and a live token', async () => {
    expect((await runContract(['--base-url', worker.url])).output).toContain('--base-url needs --token');
    expect((await runContract(['--base-url', worker.url, '--token', 'apay_live_x'])).output).toContain('--token must be a test token');
  });
});
