import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';
import { workerTestBindingsWith } from './test/support/test-bindings.ts';

/**
 * Two projects:
 *  - worker: tests run inside workerd with the real KV, Durable Object and Queue bindings of
 *    wrangler.toml (miniflare), calling the Worker through `exports.default.fetch`.
 *  - node: tests across real processes (wrangler dev, the Bansky sandbox, the demo shop,
 *    Chromium, the BigQuery emulator), talking HTTP like the real parties do.
 */
export default defineConfig({
  test: {
    // The Worker logs every request as a JSON line (LOG_LEVEL=debug in tests, so the redaction of
    // secrets is exercised on every level); printed only for a failing test, where it helps.
    silent: 'passed-only',
    projects: [
      {
        plugins: [
          // A function, so the URLs of the servers started by globalSetup reach the bindings.
          cloudflareTest(async ({ inject }) => ({
            main: './src/index.ts',
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: workerTestBindingsWith({
                banskyTestUrl: inject('banskyTestUrl'),
                banskyLiveUrl: inject('banskyLiveUrl'),
                recorderUrl: inject('recorderUrl'),
              }),
            },
          })),
        ],
        test: {
          name: 'worker',
          include: ['test/worker/**/*.test.ts'],
          globalSetup: ['./test/support/node/worker-global-setup.ts'],
          // A file's first test also boots its isolate: seconds on a busy 2-core machine.
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'node',
          include: ['test/node/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Each file starts its own processes on its own ports; keep the 2-core machine calm.
          fileParallelism: false,
        },
      },
    ],
  },
});
