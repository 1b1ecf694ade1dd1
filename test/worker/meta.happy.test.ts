import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

const worker = exports.default;

describe('meta endpoints', () => {
  it('GET /healthz answers ok with the contract version', async () => {
    const res = await worker.fetch('http://w/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', version: '1.0.0' });
  });

  it('gives every response a request id and honours a well-formed incoming one', async () => {
    const own = await worker.fetch('http://w/healthz');
    expect(own.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const echoed = await worker.fetch('http://w/healthz', { headers: { 'x-request-id': 'shop-req-12345' } });
    expect(echoed.headers.get('x-request-id')).toBe('shop-req-12345');
    const hostile = await worker.fetch('http://w/healthz', { headers: { 'x-request-id': 'bad id\u0007<script>' } });
    expect(hostile.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
