import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportPKCS8, generateKeyPair, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Pipeline, startPipeline } from './analytics.pipeline.support.ts';
import { type Emulator, query, startEmulator } from './analytics.support.ts';
import { eventually } from './e2e.support.ts';

// The Worker streaming with a service-account key, as in production: the key is made here, a
// token endpoint verifies the Worker's JWT with the public half, and an authenticating front in
// front of the emulator lets through only requests bearing the token it issued.
const CLIENT_EMAIL = 'streamer@apay-auth-test.iam.gserviceaccount.com';

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => resolve(body));
  });

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('Worker → BigQuery with a service-account key', () => {
  let emu: Emulator;
  let pipeline: Pipeline;
  let tokenServer: Server;
  let front: Server;
  let privatePem: string;
  const exchanges: Array<{ verified: boolean; claims?: Record<string, unknown> }> = [];
  const inserts: Array<{ authorization: string | undefined; status: number }> = [];
  const ACCESS_TOKEN = 'ya29.issued-by-the-test-token-endpoint';

  beforeAll(async () => {
    emu = await startEmulator();
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    privatePem = await exportPKCS8(privateKey);

    tokenServer = createServer(async (req, res) => {
      const form = new URLSearchParams(await readBody(req));
      try {
        const { payload } = await jwtVerify(form.get('assertion') ?? '', publicKey, {
          issuer: CLIENT_EMAIL,
          audience: `${tokenUrl}/token`,
        });
        exchanges.push({ verified: form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:jwt-bearer', claims: payload });
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ access_token: ACCESS_TOKEN, expires_in: 3600, token_type: 'Bearer' }));
      } catch {
        exchanges.push({ verified: false });
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_grant"}');
      }
    });
    const tokenUrl = await listen(tokenServer);

    front = createServer(async (req, res) => {
      const body = await readBody(req);
      const authorized = req.headers.authorization === `Bearer ${ACCESS_TOKEN}`;
      if (req.url?.endsWith('/insertAll')) inserts.push({ authorization: req.headers.authorization, status: authorized ? 200 : 401 });
      if (!authorized) return void res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"code":401}}');
      const upstream = await fetch(emu.url + req.url, {
        method: req.method,
        headers: { 'content-type': 'application/json' },
        body: req.method === 'GET' ? undefined : body,
      });
      res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(await upstream.text());
    });
    const frontUrl = await listen(front);

    const key = {
      type: 'service_account',
      project_id: emu.project,
      private_key_id: 'test-kid',
      private_key: privatePem,
      client_email: CLIENT_EMAIL,
      token_uri: `${tokenUrl}/token`,
    };
    pipeline = await startPipeline({ ...emu, url: frontUrl }, { BIGQUERY_SERVICE_ACCOUNT_JSON: JSON.stringify(key), LOG_LEVEL: 'debug' });
  });
  afterAll(async () => {
    await pipeline?.stop();
    tokenServer?.close();
    front?.close();
    await emu?.stop();
  });

  it('exchanges a JWT that verifies with the public key, once, and streams with the token', async () => {
    const first = await pipeline.pay({ order: 'order-auth-1', amount: '9.99', currency: 'EUR', button: 'Pay' });
    await eventually(
      async () =>
        (
          await query(
            emu,
            `SELECT 1 FROM \`{{dataset}}.payment_events\` WHERE payment_id = '${first}' AND event_type = 'shop_postback_attempt'`,
          )
        ).length > 0,
      'rows of the first payment',
      60_000,
    );
    const second = await pipeline.pay({ order: 'order-auth-2', amount: '1.00', currency: 'EUR', button: 'Decline' });
    await eventually(
      async () =>
        (
          await query(
            emu,
            `SELECT 1 FROM \`{{dataset}}.payment_events\` WHERE payment_id = '${second}' AND event_type = 'shop_postback_attempt'`,
          )
        ).length > 0,
      'rows of the second payment',
      60_000,
    );

    expect(exchanges.length).toBe(1); // cached for every later batch
    expect(exchanges[0]).toMatchObject({
      verified: true,
      claims: { sub: CLIENT_EMAIL, scope: 'https://www.googleapis.com/auth/bigquery.insertdata' },
    });
    expect(inserts.length).toBeGreaterThanOrEqual(2);
    expect(inserts.every((i) => i.authorization === `Bearer ${ACCESS_TOKEN}`)).toBe(true);
  });

  it('never writes the private key or the access token to the Worker’s log', () => {
    const logs = pipeline.logs();
    expect(logs).toMatch(/analytics rows streamed/);
    for (const line of privatePem.split('\n').filter((l) => l && !l.startsWith('-----'))) expect(logs).not.toContain(line);
    expect(logs).not.toContain(ACCESS_TOKEN);
  });
});
