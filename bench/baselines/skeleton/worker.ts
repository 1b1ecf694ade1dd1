import { DurableObject } from 'cloudflare:workers';
import { Hono } from 'hono';

/**
 * Baseline (c) and (d2): only what the design cannot avoid. init = one KV read (token hash →
 * shop) + one Durable Object call that writes the record before and after the Bansky fetch.
 * pay link and the customer's return = one Durable Object read, then a 302; a status poll = the
 * same KV read + one Durable Object read. No validation, logging, analytics or txlog:
 * the gap between this and the real Worker is what our code adds.
 */
interface Env {
  KV: KVNamespace;
  PAYMENTS: DurableObjectNamespace<Payment>;
  SANDBOX_URL: string;
  BANSKY_API_TOKEN: string;
}
interface Rec {
  id: string;
  shopId: string;
  status: 'created' | 'awaiting_payment' | 'init_failed';
  body: Record<string, string>;
  banskyUrl: string | null;
}

export class Payment extends DurableObject<Env> {
  async init(id: string, shopId: string, body: Record<string, string>): Promise<Rec> {
    const rec: Rec = { id, shopId, status: 'created', body, banskyUrl: null };
    await this.ctx.storage.put('r', rec); // before Bansky: a crash cannot lose the payment
    const res = await fetch(`${this.env.SANDBOX_URL}/v1/payments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.env.BANSKY_API_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, id, type: 'fiat', postbackUrl: 'http://127.0.0.1:9/pb' }),
    });
    const answer = res.ok ? ((await res.json()) as { url: string }) : null;
    const done: Rec = { ...rec, status: answer ? 'awaiting_payment' : 'init_failed', banskyUrl: answer?.url ?? null };
    await this.ctx.storage.put('r', done);
    return done;
  }

  async get(): Promise<Rec | null> {
    return (await this.ctx.storage.get<Rec>('r')) ?? null;
  }
}

async function sha256Hex(s: string): Promise<string> {
  const d = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s));
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function randomId(): string {
  const a = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return `pay_${[...crypto.getRandomValues(new Uint8Array(22))].map((b) => a[b % 62]).join('')}`;
}

/** The one KV read: the bearer token's hash → its shop. */
async function shopOf(env: Env, authorization: string | undefined) {
  const token = /^Bearer\s+(\S+)$/.exec(authorization ?? '')?.[1];
  return token ? await env.KV.get<{ shopId: string }>(`token:${await sha256Hex(token)}`, { type: 'json', cacheTtl: 60 }) : null;
}

/** The one Durable Object read. */
const recOf = (env: Env, id: string) => (/^pay_[A-Za-z0-9]{22}$/.test(id) ? env.PAYMENTS.get(env.PAYMENTS.idFromName(id)).get() : null);

const app = new Hono<{ Bindings: Env }>();
app.get('/healthz', (c) => c.json({ status: 'ok' }));

// The bench seeds the one token it uses (the real Worker gets its token from the admin API).
app.put('/_bench/token/:token', async (c) => {
  await c.env.KV.put(`token:${await sha256Hex(c.req.param('token'))}`, JSON.stringify({ shopId: 'shop_bench' }));
  return c.body(null, 204);
});

app.post('/api/v1/init-payment', async (c) => {
  const shop = await shopOf(c.env, c.req.header('authorization'));
  if (!shop) return c.json({ error: 'unauthorized' }, 401);
  const id = randomId();
  const rec = await c.env.PAYMENTS.get(c.env.PAYMENTS.idFromName(id)).init(id, shop.shopId, await c.req.json());
  if (rec.status !== 'awaiting_payment') return c.json({ error: 'bansky_error' }, 502);
  return c.json({ status: 'success', id, url: `${new URL(c.req.url).origin}/integration/pay?id=${id}` }, 201);
});

app.get('/integration/pay', async (c) => {
  const id = c.req.query('id') ?? '';
  const rec = await recOf(c.env, id);
  if (!rec?.banskyUrl) return c.text('unknown payment', 404);
  return c.body(null, 302, { location: rec.banskyUrl, 'cache-control': 'no-store' });
});

// The customer back from Bansky: the shop's own URL, from the same one read.
app.get('/integration/:outcome{success|error}', async (c) => {
  const id = c.req.query('id') ?? '';
  const rec = await recOf(c.env, id);
  const to = rec?.body[c.req.param('outcome') === 'success' ? 'successUrl' : 'errorUrl'];
  if (!to) return c.text('unknown payment', 404);
  return c.body(null, 302, { location: to, 'cache-control': 'no-store' });
});

app.get('/api/v1/payments/:id', async (c) => {
  const shop = await shopOf(c.env, c.req.header('authorization'));
  if (!shop) return c.json({ error: 'unauthorized' }, 401);
  const id = c.req.param('id');
  const rec = await recOf(c.env, id);
  if (!rec || rec.shopId !== shop.shopId) return c.json({ error: 'not_found' }, 404);
  return c.json({ id: rec.id, status: rec.status, ...rec.body });
});

export default app;
