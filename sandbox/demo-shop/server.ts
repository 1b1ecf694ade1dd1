/**
 * The demo shop: what a shop integrating AimbrellaPay looks like, in one small Node server.
 *   GET  /            landing page with a Buy button and the verified postbacks
 *   POST /buy         server-side init-payment with the shop's test token → 303 to the pay link
 *   GET  /success     the customer's return (successUrl); shows the status read from our API
 *   GET  /error       the customer's return (errorUrl); likewise
 *   POST /postbacks   the postbackUrl: Standard Webhooks verification over the raw body
 *   GET  /postbacks.json  verified postbacks as JSON (for tests and curious newcomers)
 * Shop API calls go through the client generated from openapi.yaml, exactly as a shop's would.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient } from '../../generated/api/client/index.ts';
import { getPayment, initPayment } from '../../generated/api/sdk.gen.ts';
import type { Payment } from '../../generated/api/types.gen.ts';
import { readBody } from '../lib/read-body.ts';
import { landingPage, problemPage, returnPage } from './pages.ts';
import { PostbackInbox, type VerifiedPostback } from './postbacks.ts';

export interface DemoShopOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** Where AimbrellaPay's API is, e.g. http://localhost:8787. */
  apiBaseUrl: string;
  token: string;
  webhookSecret: string;
  /** How browsers and AimbrellaPay reach this shop (default http://localhost:<port>). */
  publicUrl?: string;
  log?: (line: string) => void;
}

export interface DemoShop {
  url: string;
  port: number;
  postbacks(): VerifiedPostback[];
  close(): Promise<void>;
}

export const DEMO_PRODUCT = { name: 'AimbrellaPay umbrella', amount: '19.90', currency: 'EUR' };

export async function startDemoShop(opts: DemoShopOptions): Promise<DemoShop> {
  const log = opts.log ?? (() => {});
  const api = createClient({ baseUrl: opts.apiBaseUrl, auth: opts.token });
  const inbox = new PostbackInbox(opts.webhookSecret);
  const orders = new Map<string, string>(); // our order id → AimbrellaPay payment id
  let publicUrl = opts.publicUrl ?? '';

  async function buy(res: ServerResponse) {
    const orderId = `order-${randomBytes(6).toString('hex')}`;
    const { data, error, response } = await initPayment({
      client: api,
      body: {
        id: orderId,
        email: 'customer@example.com',
        name: 'Demo Customer',
        amount: DEMO_PRODUCT.amount,
        currency: DEMO_PRODUCT.currency,
        successUrl: `${publicUrl}/success?order=${orderId}`,
        errorUrl: `${publicUrl}/error?order=${orderId}`,
        postbackUrl: `${publicUrl}/postbacks`,
      },
    });
    if (!data) {
      const p = error as { code?: string; detail?: string; requestId?: string } | undefined;
      log(`init-payment failed: ${response?.status ?? 'no answer'} ${p?.code ?? ''}`);
      return html(
        res,
        502,
        problemPage(
          `AimbrellaPay answered ${response?.status ?? 'nothing'} ${p?.code ?? ''}: ${p?.detail ?? ''} (request id ${p?.requestId ?? '-'})`,
        ),
      );
    }
    orders.set(orderId, data.id);
    log(`order ${orderId} → payment ${data.id}`);
    res.writeHead(303, { location: data.url }).end();
  }

  async function returned(kind: 'success' | 'error', url: URL, res: ServerResponse) {
    const orderId = url.searchParams.get('order') ?? '';
    const postbacks = inbox.forOrder(orderId);
    // Orders started with the printed curl are known here only through their postback.
    const paymentId = orders.get(orderId) ?? postbacks[0]?.payload.data.id;
    let payment: Payment | null = null;
    let lookupError: string | undefined;
    if (paymentId) {
      const { data, error } = await getPayment({ client: api, path: { id: paymentId } });
      payment = data ?? null;
      lookupError = data ? undefined : ((error as { code?: string })?.code ?? 'status lookup failed');
    } else {
      lookupError = 'this shop has not seen a postback for it yet; the page refreshes';
    }
    html(res, 200, returnPage({ kind, orderId, payment, lookupError, postbacks }));
  }

  async function postback(req: IncomingMessage, res: ServerResponse) {
    const raw = await readBody(req); // the exact bytes that were signed: never re-serialise
    const verified = inbox.receive(raw, req.headers);
    if (!verified) {
      log('postback REJECTED: signature did not verify');
      return json(res, 401, { error: 'invalid signature' });
    }
    log(`postback verified: ${verified.payload.type} ${verified.payload.data.id} (${verified.webhookId})`);
    json(res, 200, { received: true });
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://demo-shop');
    const route = `${req.method} ${url.pathname}`;
    const handle = async () => {
      if (route === 'GET /') return html(res, 200, landingPage(DEMO_PRODUCT, inbox.list()));
      if (route === 'POST /buy') return buy(res);
      if (route === 'GET /success') return returned('success', url, res);
      if (route === 'GET /error') return returned('error', url, res);
      if (route === 'POST /postbacks') return postback(req, res);
      if (route === 'GET /postbacks.json') return json(res, 200, { verified: inbox.list(), rejected: inbox.rejected });
      html(res, 404, problemPage('Not found.'));
    };
    handle().catch((err) => {
      log(`error on ${route}: ${(err as Error).message}`);
      if (!res.headersSent) html(res, 500, problemPage('Something went wrong in the demo shop.'));
    });
  });
  await listen(server, opts.port ?? 0, opts.host ?? '127.0.0.1');
  const port = (server.address() as AddressInfo).port;
  // "localhost" may resolve to ::1 first (browsers, Node, workerd): answer there too when we can.
  const v6 = opts.host ? null : createServer(server.listeners('request')[0] as Parameters<typeof createServer>[0]);
  if (v6) await listen(v6, port, '::1').catch(() => log('IPv6 loopback unavailable; serving 127.0.0.1 only'));
  publicUrl ||= `http://localhost:${port}`;
  const closeOne = (s: ReturnType<typeof createServer>) =>
    new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve()));
  return {
    url: publicUrl,
    port,
    postbacks: () => inbox.list(),
    close: async () => {
      server.closeAllConnections();
      v6?.closeAllConnections();
      await Promise.all([closeOne(server), ...(v6 ? [closeOne(v6)] : [])]);
    },
  };
}

function listen(server: ReturnType<typeof createServer>, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function html(res: ServerResponse, status: number, body: string) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }).end(body);
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
