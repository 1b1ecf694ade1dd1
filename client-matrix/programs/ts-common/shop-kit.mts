// What both TypeScript shop programs share: the shop's postback endpoint (verified with the
// standardwebhooks package), the customer paying at the Bansky sandbox, and the check lines the
// matrix reads. Plain Node: no part of a generated client.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export const env = {
  url: required('AIMBRELLAPAY_URL'),
  token: required('AIMBRELLAPAY_TOKEN'),
  webhookSecret: required('AIMBRELLAPAY_WEBHOOK_SECRET'),
  rateLimit: Number(required('MATRIX_RATE_LIMIT')),
};

export interface VerifiedPostback {
  webhookId: string;
  type: string;
  id: string;
  status: string;
  amount: string;
}

/** The shop's server: successUrl/errorUrl pages and the postback endpoint. */
export async function startShop() {
  const webhook = new Webhook(env.webhookSecret);
  const verified: VerifiedPostback[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/hooks/aimbrellapay') return void res.writeHead(200).end('shop');
      try {
        const headers = Object.fromEntries(
          ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((h) => [h, String(req.headers[h])]),
        );
        const p = webhook.verify(body, headers) as { type: string; data: { id: string; status: string; amount: string } };
        verified.push({ webhookId: headers['webhook-id']!, type: p.type, id: p.data.id, status: p.data.status, amount: p.data.amount });
        res.writeHead(204).end();
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    verified,
    async waitFor(predicate: (p: VerifiedPostback) => boolean, what: string): Promise<VerifiedPostback> {
      for (let i = 0; i < 150; i++) {
        const found = verified.find(predicate);
        if (found) return found;
        await sleep(200);
      }
      throw new Error(`no verified postback: ${what} (verified: ${JSON.stringify(verified)})`);
    },
    close: () => server.close(),
  };
}

/** The customer: the pay link redirects to Bansky's checkout page, where they click Pay. */
export async function payAtSandbox(payUrl: string): Promise<void> {
  const page = await fetch(payUrl);
  if (page.status !== 200) throw new Error(`pay link ${payUrl} answered ${page.status}`);
  const done = await fetch(page.url, { method: 'POST', body: new URLSearchParams({ action: 'pay' }), redirect: 'manual' });
  if (done.status !== 303) throw new Error(`Bansky checkout answered ${done.status}`);
}

/** Runs one check and prints the line the matrix reads. */
export async function check<T>(name: string, fn: () => Promise<T>): Promise<T | undefined> {
  try {
    const value = await fn();
    console.log(`check ${name} ok`);
    return value;
  } catch (err) {
    console.log(`check ${name} FAIL ${String((err as Error)?.message ?? err).replace(/\n/g, ' ')}`);
    return undefined;
  }
}

export function expectEqual(actual: unknown, expected: unknown, what: string): void {
  if (actual !== expected) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

export function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
}
