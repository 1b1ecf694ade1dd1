import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, exportPKCS8, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BIGQUERY_READ_SCOPE,
  BIGQUERY_SCOPE,
  clearAccessTokenCache,
  getAccessToken,
  type ServiceAccountKey,
} from '../../src/insight/analytics/google-auth.ts';

// The insert path and the Stats page's jobs.query ask Google for different scopes (insertdata is
// refused by jobs.query with 403): each scope is signed into the assertion and cached on its own.
const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => resolve(body));
  });

describe('service-account tokens per scope', () => {
  const scopes: string[] = [];
  const server = createServer(async (req, res) => {
    const scope = String(decodeJwt(new URLSearchParams(await readBody(req)).get('assertion') ?? '').scope);
    scopes.push(scope);
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ access_token: `token-for ${scope}`, expires_in: 3600 }));
  });
  let key: ServiceAccountKey;

  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    key = {
      client_email: 'sa@p.iam.gserviceaccount.com',
      private_key: await exportPKCS8(privateKey),
      token_uri: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`,
    };
    clearAccessTokenCache();
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('defaults to the insert scope, signs the read scope when asked, and caches them apart', async () => {
    expect(await getAccessToken(key)).toBe(`token-for ${BIGQUERY_SCOPE}`);
    expect(await getAccessToken(key, undefined, BIGQUERY_READ_SCOPE)).toBe(`token-for ${BIGQUERY_READ_SCOPE}`);
    expect(await getAccessToken(key)).toBe(`token-for ${BIGQUERY_SCOPE}`); // cached
    expect(await getAccessToken(key, undefined, BIGQUERY_READ_SCOPE)).toBe(`token-for ${BIGQUERY_READ_SCOPE}`); // cached
    expect(scopes).toEqual([BIGQUERY_SCOPE, 'https://www.googleapis.com/auth/bigquery.readonly']);
  });
});
