import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { exportPKCS8, generateKeyPair, jwtVerify } from 'jose';
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import worker from '../../src/index';
import type { AnalyticsEvent } from '../../src/insight/analytics/events';
import {
  BIGQUERY_SCOPE,
  clearAccessTokenCache,
  parseServiceAccountKey,
  signServiceAccountJwt,
} from '../../src/insight/analytics/google-auth';

// A key made here, never a real one: the test owns both halves.
async function makeServiceAccount(tokenUri: string) {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const privatePem = await exportPKCS8(privateKey);
  const json = JSON.stringify({
    type: 'service_account',
    project_id: 'apay-test',
    private_key_id: 'kid-123',
    private_key: privatePem,
    client_email: 'streamer@apay-test.iam.gserviceaccount.com',
    token_uri: tokenUri,
  });
  const bodyLines = privatePem.split('\n').filter((l) => l && !l.startsWith('-----'));
  return { publicKey, json, bodyLines };
}

const event = (over: Partial<AnalyticsEvent> = {}): AnalyticsEvent => ({
  event_id: crypto.randomUUID(),
  event_type: 'payment_created',
  occurred_at: new Date().toISOString(),
  shop_id: 'shop_sec',
  mode: 'test',
  payment_id: 'pay_sec',
  shop_transaction_id: 'order-1',
  amount: '10.00',
  currency: 'EUR',
  type: 'fiat',
  status: 'created',
  email: 'secret.customer@example.com',
  http_status: null,
  latency_ms: null,
  request_id: 'req-1',
  attributes: {},
  metadata: null,
  ...over,
});

describe('service-account JWT signed in the Worker', () => {
  it('verifies with the public half of the key and carries the grant claims', async () => {
    const sa = await makeServiceAccount('https://oauth2.example.test/token');
    const jwt = await signServiceAccountJwt(parseServiceAccountKey(sa.json), new Date());
    const { payload, protectedHeader } = await jwtVerify(jwt, sa.publicKey, {
      issuer: 'streamer@apay-test.iam.gserviceaccount.com',
      audience: 'https://oauth2.example.test/token',
    });
    expect(protectedHeader).toMatchObject({ alg: 'RS256', typ: 'JWT', kid: 'kid-123' });
    expect(payload.sub).toBe('streamer@apay-test.iam.gserviceaccount.com');
    expect(payload.scope).toBe(BIGQUERY_SCOPE);
    expect(payload.exp! - payload.iat!).toBe(3600);
  });

  it('does not verify with another key', async () => {
    const sa = await makeServiceAccount('https://oauth2.example.test/token');
    const other = await makeServiceAccount('https://oauth2.example.test/token');
    const jwt = await signServiceAccountJwt(parseServiceAccountKey(sa.json), new Date());
    await expect(jwtVerify(jwt, other.publicKey)).rejects.toThrow(/signature/i);
  });

  it('names what is missing from a broken key without echoing it', () => {
    expect(() => parseServiceAccountKey('{"private_key":"-----BEGIN PRIVATE KEY-----abc"}')).toThrow(/lacks client_email/);
    expect(() => parseServiceAccountKey('not json at all, secret')).toThrow(/not valid JSON/);
    try {
      parseServiceAccountKey('not json at all, secret');
    } catch (err) {
      expect(String(err)).not.toContain('secret');
    }
  });
});

describe('analytics consumer when the token exchange fails', () => {
  let lines: string[];
  beforeEach(() => {
    clearAccessTokenCache();
    lines = [];
    for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')));
    }
  });
  afterEach(() => vi.restoreAllMocks());

  it('keeps the events for a retry and never logs the private key, the assertion or the email', async () => {
    // The token endpoint is the HTTP recorder (a real server), told to refuse like an outage would.
    const recorder = inject('recorderUrl');
    const path = `/token-${crypto.randomUUID()}`;
    await fetch(`${recorder}/_recorder/fail`, { method: 'POST', body: JSON.stringify({ prefix: path, times: 5, status: 503 }) });
    const sa = await makeServiceAccount(recorder + path);
    const workerEnv = { ...env, BIGQUERY_PROJECT: 'apay-test', BIGQUERY_SERVICE_ACCOUNT_JSON: sa.json, LOG_LEVEL: 'debug' };
    const batch = createMessageBatch('aimbrellapay-analytics', [
      { id: 'm1', timestamp: new Date(), attempts: 1, body: event() },
      { id: 'm2', timestamp: new Date(), attempts: 3, body: event({ event_type: 'status_changed', status: 'paid' }) },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, workerEnv, ctx);
    const result = await getQueueResult(batch, ctx);

    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId).sort()).toEqual(['m1', 'm2']);
    const logged = lines.join('\n');
    expect(logged).toMatch(/token exchange failed: HTTP 503/);
    for (const line of sa.bodyLines) expect(logged).not.toContain(line);
    expect(logged).not.toContain('secret.customer@example.com');

    // What reached the token endpoint was a JWT-bearer grant whose assertion verifies with the public key.
    const { requests } = (await (await fetch(`${recorder}/_recorder/requests?prefix=${path}`)).json()) as {
      requests: Array<{ body: string }>;
    };
    const form = new URLSearchParams(requests[0]!.body);
    expect(form.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
    await jwtVerify(form.get('assertion')!, sa.publicKey, { audience: recorder + path });
    expect(logged).not.toContain(form.get('assertion')!);
  });
});
