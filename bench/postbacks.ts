/**
 * Postback latency: Bansky's signed postback is accepted by our Worker (200 on
 * /api/payment-verify) → the shop's server receives our signed postback. A tiny recording shop
 * server verifies each one with the shop's webhook secret (Standard Webhooks), as a shop would.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { signBanskyPostback } from '../sandbox/bansky/postbacks.ts';
import { readBody } from '../sandbox/lib/read-body.ts';
import { summarise } from './stats.ts';

interface Received {
  at: number;
  verified: boolean;
}

export async function startRecordingShop(webhookSecret: string) {
  const waiting = new Map<string, (r: Received) => void>();
  const early = new Map<string, Received>();
  const webhook = new Webhook(webhookSecret);
  const server = createServer(async (req, res) => {
    const at = performance.now();
    const body = await readBody(req, 64 * 1024);
    let verified = true;
    try {
      webhook.verify(body, req.headers as Record<string, string>);
    } catch {
      verified = false;
    }
    res.writeHead(verified ? 204 : 400).end();
    const id = (JSON.parse(body) as { data?: { id?: string } }).data?.id ?? '';
    const got = { at, verified };
    const resolve = waiting.get(id);
    if (resolve) resolve(got);
    else early.set(id, got); // arrived before the bench started waiting (should not happen)
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    /** The first postback for this payment, or null after timeoutMs. */
    next(paymentId: string, timeoutMs: number): Promise<Received | null> {
      const seen = early.get(paymentId);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => {
        const t = setTimeout(() => resolve(null), timeoutMs);
        waiting.set(paymentId, (r) => {
          clearTimeout(t);
          resolve(r);
        });
      });
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/**
 * One payment at a time (a quiet shop: each postback is the first message of its queue batch),
 * so each figure is the whole path, not an artefact of batching with neighbours.
 */
export async function postbackLatency(opts: {
  worker: string;
  token: string;
  banskySecret: string;
  webhookSecret: string;
  samples: number;
  runId: string;
}) {
  const shop = await startRecordingShop(opts.webhookSecret);
  const latencies: number[] = [];
  let lost = 0;
  let unverified = 0;
  try {
    for (let i = 0; i < opts.samples; i++) {
      const init = await fetch(`${opts.worker}/api/v1/init-payment`, {
        method: 'POST',
        headers: { authorization: `Bearer ${opts.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          id: `pb-${opts.runId}-${i}`,
          email: `pb${i}@example.com`,
          amount: '12.34',
          currency: 'EUR',
          successUrl: `${shop.url}/ok`,
          errorUrl: `${shop.url}/err`,
          postbackUrl: `${shop.url}/postbacks`,
        }),
      });
      if (init.status !== 201) throw new Error(`postback bench: init answered ${init.status}: ${await init.text()}`);
      const { id } = (await init.json()) as { id: string };
      // What the sandbox sends after a customer pays, signed the same way (sandbox/bansky/postbacks.ts).
      const body = JSON.stringify({
        id,
        transactionId: `bnk_tx_bench${i}`,
        status: 'paid',
        amount: '12.34',
        currency: 'EUR',
        occurredAt: new Date().toISOString(),
      });
      const received = shop.next(id, 5_000);
      const res = await fetch(`${opts.worker}/api/payment-verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-bansky-signature': signBanskyPostback(body, opts.banskySecret) },
        body,
      });
      const accepted = performance.now();
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`postback bench: payment-verify answered ${res.status}`);
      const got = await received;
      if (!got) lost++;
      else {
        latencies.push(got.at - accepted);
        if (!got.verified) unverified++;
      }
    }
  } finally {
    await shop.close();
  }
  return { ...summarise(latencies), lost, unverified };
}
