import { describe, expect, it } from 'vitest';
import contract from '../../generated/openapi.json';
import { buildPublicSpec } from '../../src/api/contract/specs';
import { handlers } from '../../src/api/operations';
import { adminHeaders, BASE, createShopWithToken, shopHeaders, worker } from './helpers';

/**
 * The routes are generated from openapi.yaml (generated/routes.ts); what is left to check is how
 * the Worker behaves: every operation has a handler, it asks for the credentials its `security`
 * names, its body is as strict as the schema says, its integer query parameters are read from
 * text, and the documents it serves are the contract.
 */
type Json = Record<string, any>;
const doc = contract as Json;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Every operation we serve (Bansky's own paths carry `servers`), with $refs of its parameters and body resolved. */
const served = Object.entries(doc.paths as Json).flatMap(([path, item]: [string, Json]) =>
  item.servers
    ? []
    : METHODS.filter((m) => item[m]).map((method) => {
        const op = item[method] as Json;
        const body = op.requestBody ? resolve(resolve(op.requestBody).content['application/json'].schema) : undefined;
        return {
          id: op.operationId as string,
          method: method.toUpperCase(),
          path,
          security: Object.keys(Object.assign({}, ...((op.security ?? []) as Json[]))),
          parameters: ((op.parameters ?? []) as Json[]).map(resolve),
          body,
        };
      }),
);

function resolve(node: Json): Json {
  let n = node;
  while (typeof n?.$ref === 'string')
    n = n.$ref
      .slice(2)
      .split('/')
      .reduce((at: Json, k: string) => at[k], doc);
  return n;
}

async function credentials(security: string[]): Promise<Record<string, string>> {
  if (security.includes('adminToken')) return adminHeaders;
  if (security.includes('shopToken')) return shopHeaders((await createShopWithToken()).token);
  if (security.length) throw new Error(`no test credentials for ${security.join(', ')}`);
  return { 'content-type': 'application/json' };
}

const call = (method: string, path: string, headers: Record<string, string>, body?: unknown) =>
  worker.fetch(BASE + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });

describe('every operation of openapi.yaml is served', () => {
  it('has exactly one handler per operation, and no handler without an operation', () => {
    expect(Object.keys(handlers).sort()).toEqual(served.map((o) => o.id).sort());
  });

  const secured = served.filter((o) => o.security.length);
  it.each(secured.map((o) => [o.id, o] as const))('%s refuses a request without the credentials its security names', async (_id, o) => {
    const res = await call(o.method, o.path.replace(/\{\w+\}/g, 'x'), { 'content-type': 'application/json' }, o.body ? {} : undefined);
    expect(res.status).toBe(401);
  });

  it('serves openapi.yaml: its public part at /openapi.json, all of it to operators', async () => {
    const publicSpec = (await (await worker.fetch('http://w/openapi.json')).json()) as Json;
    expect(withoutServers(publicSpec)).toEqual(withoutServers(buildPublicSpec(doc)));
    const full = await worker.fetch('http://w/admin/v1/openapi.json', { headers: adminHeaders });
    expect(withoutServers((await full.json()) as Json)).toEqual(withoutServers(doc));
  });
});

describe('request bodies are as strict as the contract says', () => {
  // Validation runs before the handler, so a shop that exists is the only fixture these need.
  const withPath = async (path: string) =>
    path.includes('{shopId}') ? path.replace('{shopId}', (await createShopWithToken()).shopId) : path;

  const strict = served.filter((o) => o.body?.additionalProperties === false);
  it('finds the strict bodies', () => expect(strict.length).toBeGreaterThan(0));
  it.each(strict.map((o) => [o.id, o] as const))('%s refuses an unknown field by name', async (_id, o) => {
    const res = await call(o.method, await withPath(o.path), await credentials(o.security), { zz_unknown: 1 });
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { code: string; errors: Array<{ path: string }> };
    expect(problem.code).toBe('validation_failed');
    expect(problem.errors.map((e) => e.path)).toContain('/zz_unknown');
  });

  const nonEmpty = served.filter((o) => o.body?.minProperties);
  it('finds the bodies with minProperties', () => expect(nonEmpty.length).toBeGreaterThan(0));
  it.each(nonEmpty.map((o) => [o.id, o] as const))('%s refuses an empty object', async (_id, o) => {
    const res = await call(o.method, await withPath(o.path), await credentials(o.security), {});
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe('validation_failed');
  });
});

describe('integer query parameters are read from their text', () => {
  const cases = served.flatMap((o) =>
    o.parameters
      .filter((p) => p.in === 'query' && [resolve(p.schema).type].flat().includes('integer'))
      .map((p) => [`${o.id} ?${p.name}`, o, p.name as string, (resolve(p.schema).minimum as number | undefined) ?? 0] as const),
  );
  it('finds them', () => expect(cases.length).toBeGreaterThan(0));
  it.each(cases)('%s: the smallest allowed integer passes, 1.5 does not', async (_key, o, name, minimum) => {
    const headers = await credentials(o.security);
    const path = o.path.includes('{shopId}') ? o.path.replace('{shopId}', (await createShopWithToken()).shopId) : o.path;
    expect((await call(o.method, `${path}?${name}=${minimum}`, headers)).status).toBe(200);
    const bad = await call(o.method, `${path}?${name}=1.5`, headers);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: Array<{ path: string }> }).errors.map((e) => e.path)).toContain(`/${name}`);
  });
});

const withoutServers = ({ servers: _servers, ...rest }: Json) => rest;
