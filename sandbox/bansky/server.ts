/**
 * The Bansky sandbox: a stand-in for Bansky that speaks exactly the `bansky-upstream` part of
 * openapi.yaml (request bodies validated with the generated zod schemas, bearer token checked),
 * hosts a plain-HTML checkout page (works without JavaScript: Pay / Decline), sends the customer
 * back to the return URLs and posts a signed postback — with fault switches for tests
 * (see README.md beside this file). Test mode in AimbrellaPay points here.
 *
 *   tsx sandbox/bansky/server.ts        # port from BANSKY_SANDBOX_PORT (default 8788)
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import type { BanskyInitRequest } from '../../generated/api/types.gen.ts';
import { zBanskyInitRequest } from '../../generated/api/zod.gen.ts';
import { readBody } from '../lib/read-body.ts';
import { type Fault, parseFaults } from './faults.ts';
import { checkoutPage, donePage } from './pages.ts';
import { type PostbackRecord, PostbackSender } from './postbacks.ts';

const MAX_BODY_BYTES = 1024 * 1024;

export interface BanskySandboxOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** The bearer token it accepts; several while a token is being rotated (Bansky accepts old and new alike then). */
  apiToken: string | string[];
  postbackSecret: string;
  /** How long `init_timeout` stalls before answering (default 30 s: longer than our timeout). */
  stallMs?: number;
  /** Delay for `postback_delay` (default 2 s). */
  postbackDelayMs?: number;
  log?: (line: string) => void;
}

export interface SandboxSession {
  session: string;
  request: BanskyInitRequest;
  /** The top-level fields of the init request as it arrived, before the contract's schema dropped unknown ones. */
  receivedFields: string[];
  faults: Set<Fault>;
  transactionId: string;
  outcome: 'open' | 'paid' | 'declined';
}

export interface SandboxPaymentStats {
  initCalls: number;
  statusLookups: number;
  /** Each checkout session with the amount Bansky was asked for, as it arrived. */
  sessions: Array<Pick<SandboxSession, 'session' | 'transactionId' | 'outcome' | 'receivedFields'> & { amount: string; currency: string }>;
  postbacks: PostbackRecord[];
}

export interface SandboxLedger {
  sessions: Array<{ paymentId: string; session: string; outcome: SandboxSession['outcome'] }>;
  /** Init calls per payment id, including the ones that opened no session (faults). */
  initCalls: Record<string, number>;
}

export interface BanskySandbox {
  url: string;
  port: number;
  stats(paymentId: string): SandboxPaymentStats;
  close(): Promise<void>;
}

export async function startBanskySandbox(opts: BanskySandboxOptions): Promise<BanskySandbox> {
  const log = opts.log ?? (() => {});
  const sessions = new Map<string, SandboxSession>();
  const initCalls = new Map<string, number>();
  const statusLookups = new Map<string, number>();
  const postbacks = new PostbackSender(opts.postbackSecret, log);
  const stalls = new Set<NodeJS.Timeout>();
  let baseUrl = '';

  const tokens = new Set([opts.apiToken].flat().map((t) => `Bearer ${t}`));
  const authorized = (req: IncomingMessage) => tokens.has(req.headers.authorization ?? '');

  const stats = (paymentId: string): SandboxPaymentStats => ({
    initCalls: initCalls.get(paymentId) ?? 0,
    statusLookups: statusLookups.get(paymentId) ?? 0,
    sessions: [...sessions.values()]
      .filter((s) => s.request.id === paymentId)
      .map(({ session, transactionId, outcome, request, receivedFields }) => ({
        session,
        transactionId,
        outcome,
        receivedFields,
        amount: request.amount,
        currency: request.currency,
      })),
    postbacks: postbacks.records(paymentId),
  });

  /** Every checkout session Bansky opened, whoever asked: the chaos run's ground truth of where money could move. */
  const ledger = (): SandboxLedger => ({
    sessions: [...sessions.values()].map(({ session, outcome, request }) => ({ paymentId: request.id, session, outcome })),
    initCalls: Object.fromEntries(initCalls),
  });

  async function initPayment(req: IncomingMessage, res: ServerResponse) {
    if (!authorized(req)) {
      return json(res, 401, { error: 'unauthorized', message: 'invalid token' });
    }
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req, MAX_BODY_BYTES));
    } catch {
      return json(res, 400, { error: 'invalid_request', message: 'body is not JSON' });
    }
    const parsed = zBanskyInitRequest.safeParse(body);
    if (!parsed.success) {
      return json(res, 400, {
        error: 'invalid_request',
        message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      });
    }
    const request = parsed.data;
    initCalls.set(request.id, (initCalls.get(request.id) ?? 0) + 1);
    const faults = parseFaults(request.email);
    log(`init ${request.id} ${request.amount} ${request.currency} faults=[${[...faults].join(',')}]`);

    if (faults.has('init_fail')) return json(res, 500, { error: 'internal', message: 'temporarily unavailable' });
    if (faults.has('init_reject')) return json(res, 400, { error: 'invalid_request', message: 'payment refused' });
    if (faults.has('init_html')) return send(res, 200, 'text/html', '<html><body>Bad gateway</body></html>');
    if (faults.has('init_garbage')) return json(res, 200, { redirect: 42, ok: 'maybe' });

    // Idempotent on our payment id, as a real provider's create call is: the same request again
    // gets the checkout it already made (a caller whose first answer was lost finishes with it),
    // the same id with another body is a conflict. Never a second checkout for one payment.
    const existing = [...sessions.values()].find((x) => x.request.id === request.id);
    if (existing) {
      if (canonicalJson(existing.request) !== canonicalJson(request)) {
        return json(res, 409, { error: 'conflict', message: `payment ${request.id} exists with another body` });
      }
      return json(res, 200, { url: `${baseUrl}/checkout/${existing.session}` });
    }
    const session = `cs_${randomBytes(12).toString('hex')}`;
    const receivedFields = Object.keys(body as object).sort();
    sessions.set(session, {
      session,
      request,
      receivedFields,
      faults,
      transactionId: `bnk_tx_${randomBytes(8).toString('hex')}`,
      outcome: 'open',
    });
    const answer = () => json(res, 200, { url: `${baseUrl}/checkout/${session}` });
    if (faults.has('init_timeout')) {
      const t = setTimeout(() => {
        stalls.delete(t);
        if (!res.destroyed) answer();
      }, opts.stallMs ?? 30_000);
      stalls.add(t);
      return;
    }
    return answer();
  }

  /** GET /v1/payments/{id}: what Bansky knows of a payment (its checkout session, and the page's URL while it is open). */
  function paymentStatus(req: IncomingMessage, res: ServerResponse, paymentId: string) {
    if (!authorized(req)) return json(res, 401, { error: 'unauthorized', message: 'invalid token' });
    const s = [...sessions.values()].find((x) => x.request.id === paymentId);
    if (!s) return json(res, 404, { error: 'not_found', message: `no payment ${paymentId}` });
    if (s.faults.has('status_unavailable')) return json(res, 500, { error: 'internal', message: 'temporarily unavailable' });
    statusLookups.set(paymentId, (statusLookups.get(paymentId) ?? 0) + 1);
    const status = s.outcome === 'paid' ? 'paid' : s.outcome === 'declined' ? 'failed' : 'pending';
    return json(res, 200, {
      id: paymentId,
      status,
      amount: s.request.amount,
      currency: s.request.currency,
      transactionId: s.transactionId,
      ...(s.outcome === 'open' ? { url: `${baseUrl}/checkout/${s.session}` } : {}),
    });
  }

  async function completeCheckout(s: SandboxSession, req: IncomingMessage, res: ServerResponse) {
    const form = new URLSearchParams(await readBody(req, MAX_BODY_BYTES));
    const action = form.get('action');
    if (action !== 'pay' && action !== 'decline') return send(res, 400, 'text/html', donePage('Choose Pay or Decline.'));
    if (s.outcome !== 'open') return send(res, 409, 'text/html', donePage('This checkout is already complete.'));
    s.outcome = action === 'pay' ? 'paid' : 'declined';
    const status = action === 'pay' ? 'paid' : 'failed';
    log(`checkout ${s.request.id} → ${status}`);
    // The customer goes back first; the postback follows on its own, as with a real provider.
    res.writeHead(303, { location: action === 'pay' ? s.request.successUrl : s.request.errorUrl }).end();
    postbacks.deliver(s, status, { delayMs: opts.postbackDelayMs ?? 2_000 });
  }

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://sandbox');
      const checkout = /^\/checkout\/(cs_[0-9a-f]+)$/.exec(url.pathname);
      const statsPath = /^\/_sandbox\/payments\/([A-Za-z0-9_]+)$/.exec(url.pathname);
      if (req.method === 'POST' && url.pathname === '/v1/payments') return await initPayment(req, res);
      const lookup = /^\/v1\/payments\/([A-Za-z0-9_]+)$/.exec(url.pathname);
      if (req.method === 'GET' && lookup) return paymentStatus(req, res, lookup[1]!);
      if (checkout) {
        const s = sessions.get(checkout[1]!);
        if (!s) return send(res, 404, 'text/html', donePage('Unknown checkout session.'));
        if (req.method === 'GET') return send(res, 200, 'text/html', checkoutPage(s));
        if (req.method === 'POST') return await completeCheckout(s, req, res);
      }
      if (req.method === 'GET' && statsPath) return json(res, 200, stats(statsPath[1]!));
      if (req.method === 'GET' && url.pathname === '/_sandbox/ledger') return json(res, 200, ledger());
      const forget = /^\/_sandbox\/payments\/([A-Za-z0-9_]+)\/forget$/.exec(url.pathname);
      if (req.method === 'POST' && forget) {
        // Test hook: Bansky as if our init for this payment had never reached it.
        for (const [key, x] of sessions) if (x.request.id === forget[1]) sessions.delete(key);
        return json(res, 200, { forgotten: forget[1] });
      }
      if (req.method === 'GET' && url.pathname === '/_sandbox/health') return json(res, 200, { status: 'ok' });
      return json(res, 404, { error: 'not_found', message: `${req.method} ${url.pathname}` });
    } catch (err) {
      log(`error ${(err as Error).message}`);
      if (!res.headersSent) json(res, 500, { error: 'internal', message: 'sandbox error' });
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://${opts.host ?? '127.0.0.1'}:${port}`;

  return {
    url: baseUrl,
    port,
    stats,
    async close() {
      for (const t of stalls) clearTimeout(t);
      postbacks.stop();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A request's identity for idempotency: its fields in a fixed order. */
function canonicalJson(value: object): string {
  return JSON.stringify(Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1))));
}

function send(res: ServerResponse, status: number, type: string, body: string) {
  res.writeHead(status, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' }).end(body);
}

function json(res: ServerResponse, status: number, body: unknown) {
  send(res, status, 'application/json', JSON.stringify(body));
}

// Run directly: `tsx sandbox/bansky/server.ts`
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const sandbox = await startBanskySandbox({
    port: Number(process.env.BANSKY_SANDBOX_PORT ?? 8788),
    // Comma-separated: several accepted at once, to rehearse a token rotation (docs/internal/runbook.md).
    apiToken: (process.env.BANSKY_API_TOKEN ?? 'bansky_local_sandbox_token').split(','),
    postbackSecret: process.env.BANSKY_POSTBACK_SECRET ?? 'bansky_local_postback_secret',
    // Optional, for runs that shorten the faults (npm run chaos): see BanskySandboxOptions.
    stallMs: process.env.BANSKY_SANDBOX_STALL_MS ? Number(process.env.BANSKY_SANDBOX_STALL_MS) : undefined,
    postbackDelayMs: process.env.BANSKY_SANDBOX_POSTBACK_DELAY_MS ? Number(process.env.BANSKY_SANDBOX_POSTBACK_DELAY_MS) : undefined,
    log: (line) => console.log(`[bansky-sandbox] ${line}`),
  });
  console.log(`Bansky sandbox on ${sandbox.url}`);
  const stop = () => void sandbox.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
