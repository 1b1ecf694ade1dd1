// The server's routes, written from openapi.yaml by scripts/generate.mjs into generated/routes.ts:
// for every operation we serve (not the ones Bansky serves), its method, path, parameters (query
// text read as the numbers the contract declares), request body (strict where the schema says
// `additionalProperties: false`, non-empty where it says `minProperties`), every declared response
// and its `security`. The Worker binds a handler to each by operationId (src/api/operations.ts), so
// none of these facts is written a second time in src/.
//
// It builds on the zod schemas @hey-api/openapi-ts writes (generated/api/zod.gen.ts) and fails
// loudly on anything it cannot express exactly, instead of serving something else than the contract.

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/**
 * @param {Record<string, any>} doc the contract
 * @param {Set<string>} zodExports the names generated/api/zod.gen.ts exports
 * @returns {string} the TypeScript module
 */
export function routesModule(doc, zodExports) {
  const z = (name, why) => {
    if (!zodExports.has(name)) throw new Error(`generate-routes: ${why} needs ${name}, which generated/api/zod.gen.ts does not export`);
    return `g.${name}`;
  };
  const routes = [];
  const schemes = new Set();
  for (const [path, item] of Object.entries(doc.paths)) {
    if (item.servers) continue; // served by Bansky; we are its client
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const id = op.operationId;
      if (!id) throw new Error(`generate-routes: ${method.toUpperCase()} ${path} has no operationId`);
      const pascal = id[0].toUpperCase() + id.slice(1);
      const fields = [`operationId: '${id}'`, `method: '${method}'`, `path: '${path}'`];
      const security = op.security ?? doc.security ?? [];
      for (const requirement of security) for (const name of Object.keys(requirement)) schemes.add(name);
      fields.push(`security: [${security.map(requirementOf).join(', ')}] as Requirement[]`);
      const request = requestOf(doc, op, item, pascal, z);
      if (request.length) fields.push(`request: { ${request.join(', ')} }`);
      fields.push(`responses: {\n${responsesOf(doc, op, pascal, z)}\n  }`);
      routes.push({ id, source: `export const ${id} = createRoute({\n  ${fields.join(',\n  ')},\n});` });
    }
  }
  const ids = routes.map((r) => r.id);
  return `// Written by scripts/generate-routes.mjs from openapi.yaml. Do not edit: run \`npm run generate\`.
// The route of every operation this Worker serves, exactly as the contract declares it. Handlers bind
// to them by operationId in src/api/operations.ts, and the auth each needs comes from \`security\`.
import { createRoute } from '@hono/zod-openapi';
// A namespace import: esbuild shakes \`z.x\` member by member then (\`import { z }\` bundles all of zod).
import * as z from 'zod';
import * as g from './api/zod.gen';

// Descriptions stay in openapi.yaml (the Worker serves the contract itself, not a document built from
// these routes), so they do not weigh on the bundle.
const problem = { 'application/problem+json': { schema: g.zProblem } } as const;
const html = { 'text/html': { schema: z.string() } } as const;
const json = <T>(schema: T) => ({ 'application/json': { schema } }) as const;
/** One of an operation's alternative security requirements (typed, so alternatives with different names infer). */
type Requirement = Record<string, string[]>;

/** Query strings are text: an integer-looking value becomes the number an \`integer\` parameter declares. */
const queryInteger = (v: unknown) => (typeof v === 'string' && /^-?\\d{1,15}$/.test(v) ? Number(v) : v);

/**
 * \`style: deepObject\` parameters arrive as flat entries: \`{ 'metadata[a]': '1' }\` → \`{ metadata: { a: '1' } }\`
 * before the query schema validates them. Typed as the schema itself: the router takes object schemas.
 */
const foldDeepObjects = <T extends z.ZodObject>(names: string[], schema: T): T =>
  z.preprocess((query: unknown) => {
    if (typeof query !== 'object' || query === null) return query;
    let out: Record<string, unknown> | null = null;
    for (const [entry, value] of Object.entries(query)) {
      const m = /^([A-Za-z0-9_]+)\\[([^\\]]*)\\]$/.exec(entry);
      if (!m || !names.includes(m[1]!)) continue;
      out ??= { ...query };
      delete out[entry];
      out[m[1]!] = { ...(out[m[1]!] as Record<string, unknown> | undefined), [m[2]!]: value };
    }
    return out ?? query;
  }, schema) as unknown as T;

${routes.map((r) => r.source).join('\n\n')}

/** Every operation we serve, by operationId. */
export const operations = { ${ids.join(', ')} } as const;

export type OperationId = keyof typeof operations;

/** The security schemes our operations name; each maps to one check in src/api/operations.ts. */
export type SecuritySchemeName = ${[...schemes].map((s) => `'${s}'`).join(' | ') || 'never'};
`;
}

/** One security requirement as TypeScript: `{ shopToken: [] }`. Scopes are not used by any scheme here. */
function requirementOf(requirement) {
  for (const [name, scopes] of Object.entries(requirement)) {
    if (scopes.length) throw new Error(`generate-routes: security scheme ${name} with scopes; the Worker's checks take none`);
  }
  return `{ ${Object.keys(requirement)
    .map((name) => `${name}: []`)
    .join(', ')} }`;
}

function requestOf(doc, op, item, pascal, z) {
  const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p) => resolve(doc, p));
  const out = [];
  for (const where of ['path', 'query']) {
    const mine = params.filter((p) => p.in === where);
    if (!mine.length) continue;
    const base = z(`z${pascal}${where === 'path' ? 'Path' : 'Query'}`, `${where} parameters of ${pascal}`);
    const coerced = mine.filter((p) => where === 'query' && typeOf(doc, p.schema) === 'integer').map((p) => p.name);
    const deep = mine.filter((p) => where === 'query' && p.style === 'deepObject').map((p) => p.name);
    for (const p of mine) {
      const t = typeOf(doc, p.schema);
      const readable = t === 'string' || t === 'integer' || (t === 'object' && p.style === 'deepObject');
      if (where === 'query' && !readable) {
        throw new Error(`generate-routes: query parameter ${p.name} of ${pascal} is ${t}; teach the generator to read it from text`);
      }
    }
    let schema = coerced.length
      ? `${base}.extend({ ${coerced.map((n) => `${n}: z.preprocess(queryInteger, ${base}.shape.${n})`).join(', ')} })`
      : base;
    if (deep.length) schema = `foldDeepObjects(${JSON.stringify(deep).replaceAll('"', "'")}, ${schema})`;
    out.push(`${where === 'path' ? 'params' : 'query'}: ${schema}`);
  }
  const other = params.filter((p) => !['path', 'query'].includes(p.in));
  if (other.length) throw new Error(`generate-routes: ${pascal} has ${other[0].in} parameters; the generator reads only path and query`);

  if (op.requestBody) {
    const body = resolve(doc, op.requestBody);
    const types = Object.keys(body.content ?? {});
    if (types.length !== 1 || types[0] !== 'application/json')
      throw new Error(`generate-routes: ${pascal}'s body must be application/json only`);
    const schema = resolve(doc, body.content['application/json'].schema);
    let zod = z(`z${pascal}Body`, `the body of ${pascal}`);
    // additionalProperties: false: a misspelt field ("sucessUrl") is an error the caller must see, not dropped.
    if (schema.additionalProperties === false) zod += '.strict()';
    if (schema.minProperties !== undefined) {
      const n = schema.minProperties;
      const message = n === 1 ? 'at least one field is required' : `at least ${n} fields are required`;
      zod += `.refine((b) => Object.keys(b).length >= ${n}, { message: '${message}' })`;
    }
    assertNoNestedStrictness(doc, schema, pascal);
    out.push(`body: { required: ${body.required === true}, content: { 'application/json': { schema: ${zod} } } }`);
  }
  return out;
}

function responsesOf(doc, op, pascal, z) {
  const lines = [];
  for (const [status, ref] of Object.entries(op.responses)) {
    const r = resolve(doc, ref);
    const content = Object.entries(r.content ?? {}).map(([type, { schema }]) => {
      if (type === 'application/problem+json' && schema?.$ref === '#/components/schemas/Problem') return 'problem';
      if (type === 'text/html') return 'html';
      let zod;
      if (schema?.$ref) zod = z(`z${schema.$ref.split('/').pop()}`, `response ${status} of ${pascal}`);
      else if (/^2/.test(status)) zod = z(`z${pascal}Response`, `response ${status} of ${pascal}`);
      else throw new Error(`generate-routes: response ${status} of ${pascal} has an inline schema; give it a name in components`);
      return type === 'application/json' ? `json(${zod})` : `{ '${type}': { schema: ${zod} } }`;
    });
    if (content.length > 1) throw new Error(`generate-routes: response ${status} of ${pascal} has several media types`);
    lines.push(`    ${status}: ${content[0] ? `{ description: '', content: ${content[0]} }` : `{ description: '' }`},`);
  }
  return lines.join('\n');
}

/** Strictness is applied to the body's own object; a nested `additionalProperties: false` would go unenforced. */
function assertNoNestedStrictness(doc, schema, pascal, depth = 0, seen = new Set()) {
  const s = resolve(doc, schema);
  if (!s || typeof s !== 'object' || seen.has(s)) return;
  seen.add(s);
  if (depth > 0 && (s.additionalProperties === false || s.minProperties !== undefined)) {
    throw new Error(
      `generate-routes: a nested object in ${pascal}'s body is strict or has minProperties; the generator enforces those on the body's own object only`,
    );
  }
  for (const v of Object.values(s.properties ?? {})) assertNoNestedStrictness(doc, v, pascal, depth + 1, seen);
  if (s.items) assertNoNestedStrictness(doc, s.items, pascal, depth + 1, seen);
  for (const k of ['allOf', 'anyOf', 'oneOf']) for (const v of s[k] ?? []) assertNoNestedStrictness(doc, v, pascal, depth, seen);
}

function typeOf(doc, schema) {
  const s = resolve(doc, schema);
  const t = Array.isArray(s?.type) ? s.type.filter((x) => x !== 'null') : [s?.type];
  if (t.length === 1 && t[0]) return t[0];
  if (s?.enum?.every((v) => typeof v === 'string')) return 'string';
  return JSON.stringify(s?.type ?? 'untyped');
}

/** Follows `$ref`s inside the document. */
function resolve(doc, node) {
  let n = node;
  for (let hops = 0; n && typeof n.$ref === 'string'; hops++) {
    if (hops > 8) throw new Error(`generate-routes: $ref chain too long at ${node.$ref}`);
    n = n.$ref
      .slice(2)
      .split('/')
      .reduce((at, key) => at?.[key], doc);
  }
  return n;
}
