/**
 * What the payment-flow tests share: a shop's generated client wired to the Worker, the
 * customer's browser (follows our links into the Worker and Bansky's into the sandbox), the
 * relay that forwards what Bansky sent to our public URL into the Worker, and the recorder that
 * plays the shop's postback endpoint.
 */
import { env } from 'cloudflare:workers';
import { inject } from 'vitest';
import { createClient } from '../../generated/api/client';
import { getPayment, initPayment } from '../../generated/api/sdk.gen';
import type { InitPaymentRequest } from '../../generated/api/types.gen';
import '../support/provided-context';
import { CANARY, RELAY_PREFIX } from '../support/test-bindings';
import { BASE, worker } from './helpers';

export const recorderUrl = () => inject('recorderUrl');
export const publicBase = () => recorderUrl() + RELAY_PREFIX;

/** The shop's side, exactly as an integrator would use the generated SDK. */
export function shopApi(token: string) {
  const client = createClient({ baseUrl: BASE, fetch: (input, init) => worker.fetch(input as Request, init) });
  return {
    init: (body: InitPaymentRequest) => initPayment({ client, body, auth: token }),
    get: (id: string) => getPayment({ client, path: { id }, auth: token }),
  };
}

let seq = 0;
/** A unique path on the recorder for one test's shop postbacks. */
export function shopHookPath(): string {
  return `/shop/${Date.now().toString(36)}-${++seq}`;
}

export function paymentBody(overrides: Partial<InitPaymentRequest> = {}): InitPaymentRequest {
  return {
    email: 'jane@example.com',
    name: 'Jane Doe',
    amount: '49.90',
    currency: 'EUR',
    successUrl: 'https://shop.example/thanks',
    errorUrl: 'https://shop.example/failed',
    ...overrides,
  };
}

/** Our URLs (on the relay) go into the Worker; everything else is real HTTP. */
export function visit(url: string, init?: RequestInit): Promise<Response> {
  if (url.startsWith(publicBase())) return worker.fetch(BASE + url.slice(publicBase().length), { redirect: 'manual', ...init });
  return fetch(url, { redirect: 'manual', ...init });
}

/** The customer at Bansky's checkout: reads the form and submits Pay or Decline like a browser. */
export async function checkout(banskyUrl: string, action: 'pay' | 'decline'): Promise<Response> {
  const page = await fetch(banskyUrl);
  const html = await page.text();
  const formAction = /<form[^>]*method="post"[^>]*action="([^"]+)"/i.exec(html)?.[1];
  if (!formAction) throw new Error(`no checkout form at ${banskyUrl}: ${html.slice(0, 200)}`);
  if (!html.includes(`name="action" value="${action}"`)) throw new Error(`no ${action} button on the checkout page`);
  return fetch(new URL(formAction, banskyUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ action }).toString(),
    redirect: 'manual',
  });
}

export interface Recorded {
  seq: number;
  at: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  answeredStatus: number;
}

export async function recorded(prefix: string): Promise<Recorded[]> {
  const res = await fetch(`${recorderUrl()}/_recorder/requests?prefix=${encodeURIComponent(prefix)}`);
  return ((await res.json()) as { requests: Recorded[] }).requests;
}

export async function failNext(prefix: string, times: number, status = 500, hangMs = 0): Promise<void> {
  await fetch(`${recorderUrl()}/_recorder/fail`, { method: 'POST', body: JSON.stringify({ prefix, times, status, hangMs }) });
}

export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const relayed = new Set<number>();
/**
 * Bansky posted to our public URL (the recorder); forward each of this payment's postbacks, with
 * its exact headers and raw body, into the Worker's /api/payment-verify, in arrival order.
 */
export async function relayBanskyPostbacks(paymentId: string, count = 1): Promise<Response[]> {
  const captured = await waitFor(`${count} Bansky postback(s) for ${paymentId}`, async () => {
    const mine = (await recorded(`${RELAY_PREFIX}/api/payment-verify`)).filter((r) => r.body.includes(`"${paymentId}"`));
    return mine.length >= count ? mine : null;
  });
  const out: Response[] = [];
  for (const req of captured.filter((r) => !relayed.has(r.seq))) {
    relayed.add(req.seq);
    const headers: Record<string, string> = { 'content-type': req.headers['content-type'] ?? 'application/json' };
    if (req.headers['x-bansky-signature']) headers['x-bansky-signature'] = req.headers['x-bansky-signature'];
    out.push(await worker.fetch(`${BASE}/api/payment-verify`, { method: 'POST', headers, body: req.body }));
  }
  return out;
}

/** The sandbox's view of a payment: how often init was called, what it posted back. */
export async function sandboxStats(
  mode: 'test' | 'live',
  paymentId: string,
): Promise<{
  initCalls: number;
  statusLookups: number;
  sessions: Array<{ session: string; amount: string; currency: string; receivedFields: string[] }>;
  postbacks: unknown[];
}> {
  const base = mode === 'live' ? inject('banskyLiveUrl') : inject('banskyTestUrl');
  return (await fetch(`${base}/_sandbox/payments/${paymentId}`)).json();
}

/** Bansky's signed `paid` postback for `id` (49.90 EUR, as `paymentBody` sends), posted to the Worker. */
export async function banskyPaidPostback(id: string): Promise<Response> {
  const body = JSON.stringify({ id, transactionId: `bx_${id.slice(4, 14)}`, status: 'paid', amount: '49.90', currency: 'EUR' });
  return worker.fetch(`${BASE}/api/payment-verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-bansky-signature': await signAsBansky(body) },
    body,
  });
}

/** Signs like Bansky, independently of the Worker's code: `sha256=` + hex HMAC-SHA256 of the raw body. */
export async function signAsBansky(body: string, secret: string = CANARY.BANSKY_POSTBACK_SECRET): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(body)));
  return `sha256=${[...mac].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** Posts a Bansky postback straight to the Worker. */
export function postToVerify(body: string, signature?: string, contentType = 'application/json'): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': contentType };
  if (signature !== undefined) headers['x-bansky-signature'] = signature;
  return worker.fetch(`${BASE}/api/payment-verify`, { method: 'POST', headers, body });
}

export interface TxlogEntry {
  id: string;
  shopTransactionId: string | null;
  status: string;
  transitions: { status: string; reason?: string | null }[];
}

/** The KV transaction log is written right after the answer: poll until it shows `status`. */
export function txlogWhen(paymentId: string, status: string): Promise<TxlogEntry> {
  return waitFor(`txlog ${paymentId} ${status}`, async () => {
    const entry = await env.KV.get<TxlogEntry>(`txlog:${paymentId}`, 'json');
    return entry?.status === status ? entry : null;
  });
}

/** A failed init answers no payment id; find it the way support would, in the transaction log. */
export function txlogByShopTransactionId(shopTransactionId: string): Promise<TxlogEntry> {
  return waitFor(`txlog for ${shopTransactionId}`, async () => {
    const keys = (await env.KV.list({ prefix: 'txlog:' })).keys;
    const entries = await Promise.all(keys.map((k) => env.KV.get<TxlogEntry>(k.name, 'json')));
    return entries.find((e) => e?.shopTransactionId === shopTransactionId) ?? null;
  });
}
