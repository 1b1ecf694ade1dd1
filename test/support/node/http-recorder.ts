/**
 * A small HTTP server for tests that play a shop's postback endpoint (and relay what Bansky
 * sends to our public URL): it records every request with headers and raw body, can be told
 * to fail the next N requests under a path prefix, and shows what it captured over HTTP so
 * tests running inside workerd can read it.
 *
 *   GET  /_recorder/requests?prefix=/shop/abc   → { requests: RecordedRequest[] }
 *   POST /_recorder/fail {prefix, times, status, hangMs?} → the next `times` requests answer
 *        `status` (after `hangMs`: a shop endpoint that does not answer in time)
 *   anything else                                → recorded; 200 "ok" (or the failure status)
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from '../../../sandbox/lib/read-body.ts';

export interface RecordedRequest {
  seq: number;
  at: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  answeredStatus: number;
}

export interface HttpRecorder {
  url: string;
  close(): Promise<void>;
}

export async function startHttpRecorder(): Promise<HttpRecorder> {
  const requests: RecordedRequest[] = [];
  const failures = new Map<string, { times: number; status: number; hangMs: number }>();
  let seq = 0;

  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://recorder');
    const send = (status: number, text: string, type = 'text/plain') => res.writeHead(status, { 'content-type': type }).end(text);

    if (url.pathname === '/_recorder/requests' && req.method === 'GET') {
      const prefix = url.searchParams.get('prefix') ?? '/';
      return send(200, JSON.stringify({ requests: requests.filter((r) => r.path.startsWith(prefix)) }), 'application/json');
    }
    if (url.pathname === '/_recorder/fail' && req.method === 'POST') {
      const { prefix, times, status, hangMs } = JSON.parse(body) as { prefix: string; times: number; status?: number; hangMs?: number };
      failures.set(prefix, { times, status: status ?? 500, hangMs: hangMs ?? 0 });
      return send(204, '');
    }

    const path = url.pathname + url.search;
    const rule = [...failures.entries()].find(([prefix, f]) => path.startsWith(prefix) && f.times > 0);
    const status = rule ? rule[1].status : 200;
    if (rule) rule[1].times--;
    if (rule?.[1].hangMs) await new Promise((r) => setTimeout(r, rule[1].hangMs));
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    requests.push({ seq: ++seq, at: new Date().toISOString(), method: req.method ?? 'GET', path, headers, body, answeredStatus: status });
    send(status, status === 200 ? 'ok' : 'failing on purpose');
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
