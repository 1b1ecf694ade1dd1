import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDevVars } from '../../scripts/lib/dev-vars.mjs';
import { type RunningWorker, startWorker } from '../../scripts/lib/wrangler-dev.mjs';
import { root } from './e2e.support.ts';

/**
 * A 10 MiB chunked body (no Content-Length) got wrangler's text/plain
 * `503 Your worker restarted mid-request` instead of our 413 problem — the Worker answered
 * before the upload ended and the connection was torn down under the proxy. Over a real socket,
 * as a client sends it.
 */
function upload(url: string, headers: Record<string, string>, total: number): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const write = () => {
      while (sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', write);
      }
      req.end();
    };
    write();
  });
}

describe('oversized bodies under wrangler dev', () => {
  let worker: RunningWorker;
  beforeAll(async () => {
    worker = await startWorker({ vars: readDevVars(join(root, '.dev.vars.example')), logLevel: 'warn' });
  });
  afterAll(async () => {
    await worker?.stop();
  });

  it.each([
    ['chunked, 10 MiB', { 'transfer-encoding': 'chunked' }],
    ['with Content-Length, 10 MiB', { 'content-length': String(10 * 1024 * 1024) }],
  ])('%s → 413 payload_too_large problem', async (_what, sizing) => {
    for (const path of ['/api/v1/init-payment', '/api/payment-verify', '/admin/v1/shops']) {
      const res = await upload(
        worker.url + path,
        { 'content-type': 'application/json', authorization: 'Bearer x', ...sizing },
        10 * 1024 * 1024,
      );
      expect([path, res.status, res.type]).toEqual([path, 413, 'application/problem+json']);
      expect(JSON.parse(res.body)).toMatchObject({ status: 413, code: 'payload_too_large' });
    }
  });

  it('a small chunked body still reaches the handler', async () => {
    const res = await upload(
      `${worker.url}/api/v1/init-payment`,
      { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      0,
    );
    expect(res.status).toBe(401); // auth runs first; the body was not refused
  });
});
