import { env } from 'cloudflare:workers';
import { OpenAPIHono } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import contract from '../../generated/openapi.json';
import { onError } from '../../src/api/http/errors';
import type { AppEnv } from '../../src/app-env';
import { adminHeaders, BASE, worker } from './helpers';

type Json = Record<string, any>;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** The public contract is public, the full one is the operators'; every answer is declared. */
describe('GET /openapi.json is the public contract', () => {
  it('holds what shops use and nothing internal', async () => {
    const res = await worker.fetch(`${BASE}/openapi.json`);
    expect(res.status).toBe(200);
    const spec = (await res.json()) as Json;
    const paths = Object.keys(spec.paths);
    expect(paths).toEqual(expect.arrayContaining(['/api/v1/init-payment', '/api/v1/payments/{id}', '/integration/pay']));
    expect(paths.filter((p) => p.startsWith('/admin') || p === '/v1/payments' || p === '/api/payment-verify')).toEqual([]);
    const text = JSON.stringify(spec);
    for (const internal of ['x-internal', 'adminToken', 'banskySignature', 'BANSKY_API_TOKEN', 'AdminCreateShop'])
      expect(text).not.toContain(internal);
    expect(Object.keys(spec.components.securitySchemes).sort()).toEqual(['shopToken', 'shopTokenScheme']);
  });

  it("lists the origin it is served from first, this deployment's PUBLIC_BASE_URL next, and no local-development port", async () => {
    const spec = (await (await worker.fetch(`${BASE}/openapi.json`)).json()) as Json;
    expect(spec.servers.slice(0, 2).map((s: Json) => s.url)).toEqual([BASE, env.PUBLIC_BASE_URL]);
    expect(JSON.stringify(spec.servers)).not.toContain('localhost:8787');
  });

  it('is also served as YAML at /openapi.yaml: the same document, read back by a YAML parser', async () => {
    const [json, yamlRes] = await Promise.all([worker.fetch(`${BASE}/openapi.json`), worker.fetch(`${BASE}/openapi.yaml`)]);
    expect(yamlRes.status).toBe(200);
    expect(yamlRes.headers.get('content-type')).toBe('application/yaml; charset=utf-8');
    const text = await yamlRes.text();
    expect(text.startsWith('openapi: "3.1.0"\n')).toBe(true);
    expect(parseYaml(text)).toEqual(await json.json());
  });

  it('every link points at an operation in the served document, in a form strict validators take', async () => {
    for (const url of [`${BASE}/openapi.json`, `${BASE}/admin/v1/openapi.json`]) {
      const spec = (await (await worker.fetch(url, { headers: adminHeaders })).json()) as Json;
      const ids = new Set<string>();
      for (const item of Object.values(spec.paths as Json)) for (const m of METHODS) if (item[m]?.operationId) ids.add(item[m].operationId);
      const links: Array<[string, Json]> = [];
      for (const item of Object.values(spec.paths as Json))
        for (const m of METHODS)
          for (const response of Object.values((item[m]?.responses ?? {}) as Json))
            for (const [name, link] of Object.entries((response.links ?? {}) as Json)) {
              const resolved = link.$ref ? spec.components.links[link.$ref.split('/').pop()] : link;
              links.push([name, resolved]);
            }
      expect(links.length, url).toBeGreaterThan(0);
      for (const [name, link] of links) {
        expect(ids.has(link.operationId), `${url}: link ${name} → ${link.operationId}`).toBe(true);
        // openapi-generator's parser takes a link's requestBody only as a runtime expression string.
        if (link.requestBody !== undefined) expect(typeof link.requestBody, name).toBe('string');
      }
    }
  });

  it('a number amount is a double, and the exact string form comes first', async () => {
    const spec = (await (await worker.fetch(`${BASE}/openapi.json`)).json()) as Json;
    const amount = spec.components.schemas.AmountInput;
    expect(amount.oneOf[0]).toEqual({ $ref: '#/components/schemas/Amount' });
    expect(amount.oneOf[1]).toMatchObject({ type: 'number', format: 'double' });
    // oapi-codegen names the wrapper of operation `initPayment` `InitPaymentResponse`: no schema may take it.
    const wrappers = new Set<string>();
    for (const item of Object.values(spec.paths as Json))
      for (const m of METHODS) {
        const id = item[m]?.operationId as string | undefined;
        if (id)
          for (const suffix of ['Response', 'Params', 'JSONBody', 'JSONRequestBody'])
            wrappers.add(id[0]!.toUpperCase() + id.slice(1) + suffix);
      }
    expect(Object.keys(spec.components.schemas).filter((name) => wrappers.has(name))).toEqual([]);
  });

  it('the full contract needs the admin token', async () => {
    expect((await worker.fetch(`${BASE}/admin/v1/openapi.json`)).status).toBe(401);
    const res = await worker.fetch(`${BASE}/admin/v1/openapi.json`, { headers: adminHeaders });
    expect(res.status).toBe(200);
    const spec = (await res.json()) as Json;
    expect(Object.keys(spec.paths)).toEqual(Object.keys(contract.paths));
  });
});

describe('every answer the Worker can give is declared', () => {
  const served = Object.entries(contract.paths as Json).filter(([, item]) => !item.servers);
  const operations = served.flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((m) => [`${m.toUpperCase()} ${path}`, item[m]] as const),
  );

  it.each(operations)('%s declares 429 and 503 with Retry-After, and 500', (_key, op) => {
    for (const status of ['429', '500', '503']) expect(Object.keys(op.responses)).toContain(status);
    const resolve = (r: Json) => (r.$ref ? (contract as Json).components.responses[r.$ref.split('/').pop()] : r);
    for (const status of ['429', '503']) expect(Object.keys(resolve(op.responses[status]).headers)).toContain('Retry-After');
  });

  it.each(operations.filter(([, op]) => op.security?.some((s: Json) => 'shopToken' in s)))('%s accepts Bearer or Token', (_key, op) => {
    expect(op.security).toEqual([{ shopToken: [] }, { shopTokenScheme: [] }]);
  });

  it('a transient storage failure is a 503 service_unavailable with Retry-After, not a 500', async () => {
    const app = new OpenAPIHono<AppEnv>();
    app.get('/overloaded', () => {
      throw Object.assign(new Error('Durable Object is overloaded. Requests queued for too long.'), { overloaded: true, retryable: true });
    });
    app.get('/broken', () => {
      throw new Error('a bug');
    });
    app.onError(onError);
    const res = await app.request('/overloaded');
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(((await res.json()) as Json).code).toBe('service_unavailable');
    expect((await app.request('/broken')).status).toBe(500);
  });
});
