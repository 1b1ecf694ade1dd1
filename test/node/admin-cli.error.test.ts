import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/lib/ports.mjs';
import { type RunningWorker, startWorker } from '../../scripts/lib/wrangler-dev.mjs';
import { root, runCli } from './e2e.support.ts';

const ADMIN_TOKEN = 'cli_test_admin_token_4f8a2c9e1b7d';

/** What an operator sees when something is wrong: one clear line, the request id, non-zero exit. */
describe('operator CLI errors', () => {
  let worker: RunningWorker;
  let base: string;

  beforeAll(async () => {
    worker = await startWorker({ vars: { ADMIN_TOKEN }, logLevel: 'warn' });
    base = `http://localhost:${worker.port}`;
  });
  afterAll(async () => {
    await worker?.stop();
  });

  it('a wrong admin token: exit 1, the problem code and request id, nothing on stdout', async () => {
    const run = await runCli(['shops', 'list', '--base-url', base, '--admin-token', 'wrong_token_wrong_token']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^Error 401 unauthorized: .+\n {2}request id: [0-9a-f-]{36}\n$/);
    expect(run.stderr).not.toContain('wrong_token_wrong_token');
  });

  it('a wrong admin token from the environment, with --json: the problem document on stdout', async () => {
    const run = await runCli(['tokens', 'issue', '--shop', 'shop_AAAAAAAAAAAAAAAA', '--mode', 'test', '--json', '--base-url', base], {
      APAY_ADMIN_TOKEN: 'wrong_token_wrong_token',
    });
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 401, code: 'unauthorized' });
  });

  it('an unknown shop: exit 1 with 404 shop_not_found', async () => {
    const run = await runCli(['shops', 'show', 'shop_ZZZZZZZZZZZZZZZZ', '--base-url', base, '--admin-token', ADMIN_TOKEN]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Error 404 shop_not_found');
  });

  it('input the contract forbids is refused before sending: exit 2', async () => {
    const run = await runCli([
      'shops',
      'create',
      '--name',
      'X',
      '--allow-host',
      'https://x.example/',
      '--base-url',
      base,
      '--admin-token',
      ADMIN_TOKEN,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Invalid input');
    expect(run.stderr).toContain('allowedRedirectHosts');
  });

  it('usage mistakes: exit 2 with help', async () => {
    const unknown = await runCli(['shops', 'explode']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown command: shops explode');
    const missing = await runCli(['tokens', 'issue', '--shop', 'shop_AAAAAAAAAAAAAAAA', '--base-url', base, '--admin-token', ADMIN_TOKEN]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--mode test or --mode live');
    const extra = await runCli(['shops', 'list', '--colour']);
    expect(extra.code).toBe(2);
    expect(extra.stderr).toContain("Unknown option '--colour'");
  });

  it('never guesses an admin token for a non-local Worker', async () => {
    const run = await runCli(['shops', 'list', '--base-url', 'https://api.aimbrellapay.example']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('No admin token');
  });

  it('a Worker that is not running: exit 1 and a hint', async () => {
    const run = await runCli(['shops', 'list', '--base-url', `http://127.0.0.1:${await freePort()}`, '--admin-token', ADMIN_TOKEN]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Cannot reach .* Is the Worker running\?/);
  });

  it('`npm run admin -- --help` lists every command and says how long a revocation takes', async () => {
    const { stdout } = await promisify(execFile)('npm', ['run', '--silent', 'admin', '--', '--help'], { cwd: root });
    const run = { stdout };
    for (const command of ['shops create', 'tokens revoke', 'webhook-secret rotate', 'postbacks redeliver', 'postbacks dead-letters']) {
      expect(run.stdout).toContain(command);
    }
    expect(run.stdout).toMatch(/Revocation: .*60 s/);
  });
});
