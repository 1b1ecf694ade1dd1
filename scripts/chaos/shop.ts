/**
 * The chaos run's shops: one loopback HTTP server that plays every shop's postback endpoints.
 * Each endpoint (`/<shop>/<endpoint>`) behaves as the scenario sets it — answers 204, is down
 * (503), or hangs (never answers) — and every request is recorded with its Standard Webhooks
 * signature checked against that shop's own whsec_ secret.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { ShopPostback } from '../../generated/api/types.gen.ts';
import { readBody } from '../../sandbox/lib/read-body.ts';

/**
 * `first-fails`: 503 the first time a webhook-id arrives, 204 after (one failed attempt, then a retry).
 * `slow`: 204 after 1.5 s (a delivery stays in flight long enough for a kill to cut it).
 */
export type Behaviour = 'ok' | 'down' | 'hang' | 'first-fails' | 'slow';

export interface Receipt {
  shop: string;
  endpoint: string;
  webhookId: string;
  paymentId: string;
  type: string;
  verified: boolean;
  /** What we answered: 204, 503, or null while hanging. */
  answered: number | null;
  /** Date.now() when the request arrived. */
  at: number;
}

export async function startChaosShops() {
  const secrets = new Map<string, Webhook>();
  const behaviour = new Map<string, Behaviour>();
  const receipts: Receipt[] = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer(async (req, res) => {
    const at = Date.now();
    if (req.method !== 'POST') return res.writeHead(200, { 'content-type': 'text/plain' }).end('back at the shop'); // a customer's return
    const [, shop = '', endpoint = ''] = new URL(req.url ?? '/', 'http://x').pathname.split('/');
    let body = '';
    try {
      body = await readBody(req, 256 * 1024);
    } catch {
      return res.writeHead(413).end();
    }
    const hook = secrets.get(shop);
    let verified = false;
    let parsed: Partial<ShopPostback> = {};
    try {
      parsed = JSON.parse(body) as ShopPostback;
      if (hook) {
        hook.verify(body, req.headers as Record<string, string>);
        verified = true;
      }
    } catch {
      verified = false;
    }
    const how = behaviour.get(`${shop}/${endpoint}`) ?? 'ok';
    const r: Receipt = {
      shop,
      endpoint,
      webhookId: String(req.headers['webhook-id'] ?? ''),
      paymentId: parsed.data?.id ?? '',
      type: parsed.type ?? '',
      verified,
      answered: null,
      at,
    };
    const seenBefore = receipts.some((x) => x.webhookId === r.webhookId && x.shop === shop);
    receipts.push(r);
    if (how === 'hang') {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    if (how === 'slow') await new Promise((resolve) => setTimeout(resolve, 1500));
    r.answered = how === 'down' || (how === 'first-fails' && !seenBefore) ? 503 : verified ? 204 : 400;
    if (!res.destroyed) res.writeHead(r.answered).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    /** Registers a shop's webhook secret; its endpoints answer 204 until told otherwise. */
    addShop(name: string, webhookSecret: string) {
      secrets.set(name, new Webhook(webhookSecret));
    },
    endpoint(shop: string, endpoint: string) {
      return `${url}/${shop}/${endpoint}`;
    },
    set(shop: string, endpoint: string, how: Behaviour) {
      behaviour.set(`${shop}/${endpoint}`, how);
      if (how !== 'hang') {
        for (const res of hanging) if (res.req.url === `/${shop}/${endpoint}`) res.destroy();
      }
    },
    receipts(filter: (r: Receipt) => boolean = () => true): Receipt[] {
      return receipts.filter(filter);
    },
    /** Receipts the shop acknowledged (2xx, valid signature): what a real shop would act on. */
    acked(filter: (r: Receipt) => boolean = () => true): Receipt[] {
      return receipts.filter((r) => r.answered !== null && r.answered < 300 && filter(r));
    },
    close: () =>
      new Promise<void>((r) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export type ChaosShops = Awaited<ReturnType<typeof startChaosShops>>;
