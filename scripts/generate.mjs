#!/usr/bin/env node
// Regenerates everything under generated/ from openapi.yaml:
//   generated/api/*          @hey-api/openapi-ts: types, zod v4 schemas, typed fetch SDK
//   generated/openapi.d.ts   openapi-typescript: path-level types
//   generated/openapi.json   the contract as JSON, for tests and tools (the Worker serves its copy in
//                            public/_private/, written by `npm run docs:build`, as a static asset)
//   generated/contract-index.ts  the little the Worker needs of the contract at run time (version,
//                            the paths it serves for 404/405, request bodies' field names and
//                            x-error-message for validation hints), so it does not bundle the JSON
//   generated/routes.ts      the route of every operation we serve (scripts/generate-routes.mjs)
// Usage: node scripts/generate.mjs [outDir]   (outDir defaults to generated/; the freshness check
// generates into a temporary folder and compares)
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { routesModule } from './generate-routes.mjs';

const root = resolve(import.meta.dirname, '..');
const outDir = resolve(process.argv[2] ?? join(root, 'generated'));
const bin = (name) => join(root, 'node_modules', '.bin', name);

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });

const spec = parse(readFileSync(join(root, 'openapi.yaml'), 'utf8'));
writeFileSync(join(outDir, 'openapi.json'), `${JSON.stringify(spec, null, 2)}\n`);
writeFileSync(join(outDir, 'contract-index.ts'), contractIndex(spec));

execFileSync(bin('openapi-ts'), ['-f', join(root, 'openapi-ts.config.ts'), '-o', join(outDir, 'api')], {
  cwd: root,
  stdio: ['ignore', 'ignore', 'inherit'],
});
// biome-ignore format: flags and their values read as pairs
execFileSync(bin('openapi-typescript'), [
  join(root, 'openapi.yaml'),
  '--redocly', join(root, 'scripts/codegen/openapi-typescript.redocly.yaml'),
  '-o', join(outDir, 'openapi.d.ts'),
], {
  cwd: root,
  stdio: ['ignore', 'ignore', 'inherit'],
});
const zodExports = new Set([...readFileSync(join(outDir, 'api/zod.gen.ts'), 'utf8').matchAll(/^export const (\w+)/gm)].map((m) => m[1]));
writeFileSync(join(outDir, 'routes.ts'), routesModule(spec, zodExports));
console.log(`generated ${outDir}`);

/** Follows a schema's `$ref`s inside the document (at most 8 hops, as src/api/http/validation.ts did). */
function resolveRef(doc, node) {
  let n = node;
  for (let hops = 0; n && typeof n.$ref === 'string' && hops < 8; hops++) {
    n = n.$ref
      .slice(2)
      .split('/')
      .reduce((at, key) => at?.[key], doc);
  }
  return n;
}

/** A request body schema reduced to what validation hints read: field names, items, x-error-message. */
function bodyNode(doc, schema, seen = []) {
  const s = resolveRef(doc, schema);
  if (!s || typeof s !== 'object') return {};
  if (seen.includes(s)) throw new Error('contract-index: a recursive request body schema needs a by-name index');
  const out = {};
  if (typeof s['x-error-message'] === 'string') out.errorMessage = s['x-error-message'];
  if (s.properties && typeof s.properties === 'object') {
    out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, bodyNode(doc, v, [...seen, s])]));
  }
  if (s.items) out.items = bodyNode(doc, s.items, [...seen, s]);
  if (s.additionalProperties && typeof s.additionalProperties === 'object')
    out.values = bodyNode(doc, s.additionalProperties, [...seen, s]);
  return out;
}

function contractIndex(doc) {
  const served = Object.entries(doc.paths)
    .filter(([, item]) => !item.servers) // operations served by Bansky, not by us
    .map(([path, item]) => ({
      path,
      methods: Object.keys(item)
        .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
        .map((m) => m.toUpperCase()),
    }));
  const bodies = {};
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const schema = op?.requestBody?.content?.['application/json']?.schema;
      if (schema) bodies[`${method} ${path}`] = bodyNode(doc, schema);
    }
  }
  const json = (v) => JSON.stringify(v, null, 2);
  return `// Written by scripts/generate.mjs from openapi.yaml. Do not edit: run \`npm run generate\`.
// What the Worker needs of the contract at run time, without bundling all of it.

/** A request body schema, $refs resolved: its fields, its items, a map's values, its \`x-error-message\`. */
export interface BodySchema {
  errorMessage?: string;
  properties?: Record<string, BodySchema>;
  items?: BodySchema;
  values?: BodySchema;
}

/** \`info.version\`. */
export const CONTRACT_VERSION = ${JSON.stringify(doc.info.version)};

/** Every path template we serve (not Bansky's), with its methods in the contract's order. */
export const SERVED_PATHS: ReadonlyArray<{ path: string; methods: readonly string[] }> = ${json(served)};

/** The JSON request body schema of each operation, keyed \`<method> <path template>\` (method in lower case). */
export const REQUEST_BODIES: Readonly<Record<string, BodySchema>> = ${json(bodies)};
`;
}
