import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PRODUCT } from '../../sandbox/demo-shop/server.ts';
import { freePort } from '../../scripts/lib/ports.mjs';
import { type Stack, startStack } from '../../scripts/local/stack.ts';
import { browse, eventually, root, submitCheckout } from './e2e.support.ts';

// The local path a newcomer takes: the stack `npm start` runs (with its BigQuery emulator), one
// demo payment in the demo shop, then `npm run stats` with no BigQuery setting at all.
describe('npm run stats after a local demo payment', () => {
  const state = mkdtempSync(join(tmpdir(), 'apay-stats-'));
  let stack: Stack;
  let bigqueryPort: number;
  const statsEnv = () => {
    const env: NodeJS.ProcessEnv = { ...process.env, APAY_BIGQUERY_PORT: String(bigqueryPort) };
    for (const k of Object.keys(env)) if (k.startsWith('BIGQUERY_')) delete env[k];
    return env;
  };
  const stats = async (...args: string[]) =>
    (await promisify(execFile)('npm', ['run', '-s', 'stats', '--', ...args], { cwd: root, env: statsEnv() })).stdout;

  beforeAll(async () => {
    bigqueryPort = await freePort();
    stack = await startStack({
      workerPort: await freePort(),
      sandboxPort: await freePort(),
      shopPort: await freePort(),
      bigqueryPort,
      bigquery: true,
      stateDir: state,
      log: () => {},
    });
  });
  afterAll(async () => {
    await stack?.stop();
    rmSync(state, { recursive: true, force: true });
  });

  it('shows the demo shop’s paid payment, its amount, the Bansky call and the delivered postback', async () => {
    expect(stack.bigqueryUrl).toBe(`http://127.0.0.1:${bigqueryPort}`);
    const bought = await browse(`${stack.shopUrl}/buy`, { method: 'POST' });
    await submitCheckout(bought.hops.at(-1)!.url, 'Pay');

    type ShopStats = {
      shopId: string;
      payments: number;
      paid: number;
      volume: Array<{ currency: string; amountPaid: string }>;
      bansky: { calls: number } | null;
      postbacks: { delivered: number } | null;
    };
    const mine = await eventually(
      async () => {
        const all = JSON.parse(await stats('--json', '--days', '1')) as ShopStats[];
        const shop = all.find((s) => s.shopId === stack.demo.shopId);
        return shop?.paid === 1 && shop.postbacks?.delivered === 1 ? shop : undefined;
      },
      'the demo payment in npm run stats',
      60_000,
    );
    expect(mine).toMatchObject({ payments: 1, paid: 1, bansky: { calls: 1 }, postbacks: { delivered: 1 } });
    expect(mine.volume).toEqual([
      expect.objectContaining({ currency: DEMO_PRODUCT.currency, amountPaid: String(Number(DEMO_PRODUCT.amount)) }),
    ]);

    const text = await stats('--days', '1');
    expect(text).toContain(`shop ${stack.demo.shopId} (test)`);
    expect(text).toMatch(/conversion 100\.0%/);
    expect(text).not.toContain('@'); // no customer email in the report
  });
});
