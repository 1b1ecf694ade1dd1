/**
 * The payment path with analytics on, as separate real processes: the Worker under `wrangler dev`
 * (real Queues, consumers in the same Worker) pointed at a BigQuery emulator URL, the Bansky
 * sandbox, and a shop's postback receiver. The emulator is started by the test, so a test can
 * also start it late (BigQuery down while payments happen).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startBanskySandbox } from '../../sandbox/bansky/server.ts';
import { readDevVars } from '../../scripts/lib/dev-vars.mjs';
import { freePort } from '../../scripts/lib/ports.mjs';
import { startWorker } from '../../scripts/lib/wrangler-dev.mjs';
import { browse, root, submitCheckout } from './e2e.support.ts';

export interface Pipeline {
  workerUrl: string;
  shopToken: string;
  shopId: string;
  logs(): string;
  /** init-payment, the pay link opened (`opens` times, default once), the sandbox's button. */
  pay(opts: {
    order: string;
    amount: string;
    currency: string;
    button: 'Pay' | 'Decline';
    opens?: number;
    metadata?: Record<string, string>;
  }): Promise<string>;
  stop(): Promise<void>;
}

export async function startPipeline(
  bigquery: { url: string; project: string; dataset: string },
  extraVars: Record<string, string> = {},
): Promise<Pipeline> {
  const secrets = readDevVars(join(root, '.dev.vars.example'));
  const stops: Array<() => Promise<unknown>> = [];
  try {
    const sandbox = await startBanskySandbox({
      port: 0,
      apiToken: secrets.BANSKY_API_TOKEN!,
      postbackSecret: secrets.BANSKY_POSTBACK_SECRET!,
      log: () => {},
    });
    stops.push(() => sandbox.close());
    const receiver = await startPostbackReceiver();
    stops.push(() => new Promise((r) => receiver.server.close(r)));

    const workerPort = await freePort();
    const workerUrl = `http://127.0.0.1:${workerPort}`;
    const worker = await startWorker({
      port: workerPort,
      logLevel: 'log', // wrangler hides console.log (our info/debug lines) below this level
      vars: {
        ...secrets,
        PUBLIC_BASE_URL: workerUrl,
        BANSKY_TEST_BASE_URL: sandbox.url,
        BIGQUERY_BASE_URL: bigquery.url,
        BIGQUERY_PROJECT: bigquery.project,
        BIGQUERY_DATASET: bigquery.dataset,
        ...extraVars,
      },
    });
    stops.push(() => worker.stop());

    const admin = (path: string, body: unknown) =>
      fetch(workerUrl + path, {
        method: 'POST',
        headers: { authorization: `Bearer ${secrets.ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const shopRes = await admin('/admin/v1/shops', { name: 'Analytics Shop', allowedRedirectHosts: ['shop.analytics.test'] });
    const { shop } = (await shopRes.json()) as { shop: { id: string } };
    const tokenRes = await admin(`/admin/v1/shops/${shop.id}/tokens`, { mode: 'test', label: 'analytics tests' });
    const { token } = (await tokenRes.json()) as { token: string };

    return {
      workerUrl,
      shopToken: token,
      shopId: shop.id,
      logs: () => worker.logs(),
      async pay({ order, amount, currency, button, opens = 1, metadata }) {
        const res = await fetch(`${workerUrl}/api/v1/init-payment`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            id: order,
            email: `${order}@customer.example`,
            amount,
            currency,
            successUrl: 'https://shop.analytics.test/ok',
            errorUrl: 'https://shop.analytics.test/err',
            postbackUrl: receiver.url,
            ...(metadata ? { metadata } : {}),
          }),
        });
        if (!res.ok) throw new Error(`init-payment ${res.status}: ${await res.text()}`);
        const started = (await res.json()) as { id: string; url: string };
        for (let i = 1; i < opens; i++) {
          const again = await fetch(started.url, { redirect: 'manual' });
          if (again.status !== 302) throw new Error(`pay link open ${i + 1}: ${again.status}`);
        }
        const link = await browse(started.url);
        const toShop = (url: string) => url.startsWith('https://shop.analytics.test/');
        await submitCheckout(link.hops.at(-1)!.url, button, toShop);
        return started.id;
      },
      async stop() {
        for (const stop of stops.reverse()) await stop().catch(() => {});
      },
    };
  } catch (err) {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    throw err;
  }
}

/** A shop's postback endpoint that accepts everything (signatures are the postback tests' job). */
async function startPostbackReceiver(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/postbacks` };
}
