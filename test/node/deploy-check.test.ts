import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { deployProblems } from '../../scripts/deploy/check.mjs';

/**
 * The deploy check in front of `wrangler deploy` (`npm run deploy`): the local development setting,
 * which lets test postbacks reach loopback and private addresses, never reaches a deployment.
 */
const root = resolve(import.meta.dirname, '..', '..');
const toml = readFileSync(join(root, 'wrangler.toml'), 'utf8');
const production = toml.replace(/^PUBLIC_BASE_URL = .*$/m, 'PUBLIC_BASE_URL = "https://api.aimbrellapay.example"');
const dir = mkdtempSync(join(tmpdir(), 'apay-deploy-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the deploy check', () => {
  it("passes the repository's wrangler.toml for a dry run, and a production PUBLIC_BASE_URL for a deploy", () => {
    expect(toml).not.toContain('LOCAL_DEVELOPMENT');
    expect(deployProblems(toml, ['--dry-run'])).toEqual([]);
    expect(deployProblems(production, [])).toEqual([]);
  });

  it.each([
    ['in [vars]', production.replace('[vars]\n', '[vars]\nLOCAL_DEVELOPMENT = "true"\n'), []],
    ['in an environment', `${production}\n[env.staging.vars]\nLOCAL_DEVELOPMENT = "1"\n`, ['--env', 'staging']],
    ['as --var', production, ['--var', 'LOCAL_DEVELOPMENT:true']],
    ['as --var=', production, ['--var=LOCAL_DEVELOPMENT:true', '--dry-run']],
  ])('refuses LOCAL_DEVELOPMENT %s', (_where, config, args) => {
    expect(deployProblems(config, args as string[])).toEqual([expect.stringContaining('LOCAL_DEVELOPMENT')]);
  });

  it.each(['http://localhost:8787', 'https://127.0.0.1', 'http://api.aimbrellapay.example', ''])(
    'refuses a real deploy with PUBLIC_BASE_URL %j',
    (url) => {
      const config = production.replace(/^PUBLIC_BASE_URL = .*$/m, `PUBLIC_BASE_URL = "${url}"`);
      expect(deployProblems(config, [])).toEqual([expect.stringContaining('PUBLIC_BASE_URL')]);
    },
  );

  it('npm run deploy stops before wrangler runs, exit 1, saying why', async () => {
    const config = join(dir, 'wrangler.toml');
    writeFileSync(config, production.replace('[vars]\n', '[vars]\nLOCAL_DEVELOPMENT = "true"\n'));
    const run = await promisify(execFile)(process.execPath, [join(root, 'scripts/deploy/check.mjs'), '--config', config, '--dry-run'], {
      cwd: root,
    }).catch((err: { code: number; stdout: string; stderr: string }) => err);
    expect('code' in run ? run.code : 0).toBe(1);
    expect(run.stderr).toContain('Deploy check failed (nothing was deployed)');
    expect(run.stderr).toContain('LOCAL_DEVELOPMENT is set in wrangler.toml [vars]');
    expect(run.stdout).not.toContain('wrangler');
  });
});
