import { describe, expect, it } from 'vitest';
import contract from '../../generated/openapi.json';
import { BASE, worker } from './helpers';

type Json = Record<string, any>;
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
const INTERNAL_TAGS = ['admin', 'bansky', 'bansky-upstream'];

function operations(doc: Json): Array<{ id: string; tags: string[] }> {
  return Object.values({ ...doc.paths, ...(doc.webhooks ?? {}) }).flatMap((item: any) =>
    METHODS.filter((m) => item[m]).map((m) => ({ id: item[m].operationId as string, tags: (item[m].tags ?? []) as string[] })),
  );
}

function refs(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const n of node) refs(n, out);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) k === '$ref' && typeof v === 'string' ? out.add(v) : refs(v, out);
  }
  return out;
}

describe('public docs (/docs)', { timeout: 30_000 }, () => {
  it('serves the Scalar page with our own bundle and fonts, and a CSP that admits only this page and our origin', async () => {
    const res = await worker.fetch(`${BASE}/docs`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<script src="/docs/assets/scalar/standalone.js"></script>');
    expect(html).toContain('"url": "/docs/openapi.json"');
    expect(html).toContain('"withDefaultFonts": false');
    expect(html).toContain('/docs/assets/fonts/inter-latin-400-normal.woff2');
    expect(html).not.toMatch(/(src|href)="https?:/);
    expect(html).not.toMatch(/jsdelivr|fonts\.scalar\.com|proxy\.scalar\.com/);

    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/https?:|\*|'unsafe-eval'/);
    const inline = /<script type="text\/javascript">([\s\S]*?)<\/script>/.exec(html)![1]!;
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(inline)));
    expect(csp).toContain(`'sha256-${btoa(String.fromCharCode(...digest))}'`);
  });

  it('serves the public spec: every shop operation, nothing tagged internal, no dangling or internal-only components', async () => {
    const res = await worker.fetch(`${BASE}/docs/openapi.json`);
    expect(res.status).toBe(200);
    const spec = (await res.json()) as Json;

    const expected = operations(contract as Json).filter((op) => !op.tags.some((t) => INTERNAL_TAGS.includes(t)));
    expect(
      operations(spec)
        .map((o) => o.id)
        .sort(),
    ).toEqual(expected.map((o) => o.id).sort());
    expect(operations(spec).map((o) => o.id)).toContain('initPayment');
    expect(spec.tags.map((t: Json) => t.name)).toEqual(['payments', 'browser', 'events', 'postbacks', 'meta']);
    expect(JSON.stringify(spec)).not.toContain('x-internal');

    for (const ref of refs(spec)) {
      const [, , kind, name] = ref.split('/');
      expect(spec.components[kind!]?.[name!], `dangling ${ref}`).toBeDefined();
    }
    for (const internalOnly of ['BanskyPostback', 'BanskyInitRequest', 'CreateShopRequest', 'IssuedToken', 'DeadLetter']) {
      expect(spec.components.schemas[internalOnly], internalOnly).toBeUndefined();
    }
    expect(Object.keys(spec.components.securitySchemes)).toEqual(['shopToken', 'shopTokenScheme']);
    expect(spec.components.schemas.Problem).toBeDefined();
  });

  it("lists the origin the docs are served from first, then PUBLIC_BASE_URL, then the contract's other public servers", async () => {
    const spec = (await (await worker.fetch(`${BASE}/docs/openapi.json`)).json()) as Json;
    const { env } = await import('cloudflare:workers');
    expect(spec.servers.slice(0, 2)).toEqual([
      { url: BASE, description: 'This AimbrellaPay deployment' },
      { url: env.PUBLIC_BASE_URL, description: "This deployment's public address" },
    ]);
    // The contract's local-development entry names a port this deployment may not listen on.
    const others = (contract as Json).servers.filter((s: Json) => s.url !== env.PUBLIC_BASE_URL && !s.url.includes('localhost'));
    expect(spec.servers.slice(2)).toEqual(others);
  });

  it("served locally at another port, the servers and the guide's samples name that origin, not :8787", async () => {
    const origin = 'http://127.0.0.1:9876';
    const spec = (await (await worker.fetch(`${origin}/docs/openapi.json`)).json()) as Json;
    expect(spec.servers[0].url).toBe(origin);
    expect(spec.info.description).toContain(`AIMBRELLAPAY_URL=https://api.aimbrellapay.example   # or ${origin}`);
    expect(JSON.stringify(spec)).not.toContain('localhost:8787');
  });

  it('puts the integration guide, with the error codes generated from the spec, in the spec description', async () => {
    const spec = (await (await worker.fetch(`${BASE}/docs/openapi.json`)).json()) as Json;
    const guide = spec.info.description as string;
    for (const heading of [
      '# Quick start',
      '# Payment flow',
      '# Test and live mode',
      '# Idempotency',
      '# Redirect hosts',
      '# Postbacks',
      '# Retries and status',
      '# Errors',
      '# Go-live checklist',
    ]) {
      expect(guide.split('\n')).toContain(heading);
    }
    const codes = (contract as Json).components.schemas.ErrorCode;
    for (const code of codes.enum as string[]) expect(guide).toContain(`| \`${code}\` | ${codes['x-enumDescriptions'][code]} |`);
  });

  it('redirects /docs/ to /docs', async () => {
    const res = await worker.fetch(`${BASE}/docs/`, { redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('/docs');
  });
});
