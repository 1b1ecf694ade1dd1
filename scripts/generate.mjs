#!/usr/bin/env node
// Regenerates everything under generated/ from openapi.yaml:
//   generated/api/*          @hey-api/openapi-ts: types, zod v4 schemas, typed fetch SDK
//   generated/openapi.d.ts   openapi-typescript: path-level types
//   generated/openapi.json   the contract as JSON, bundled into the Worker and served at /openapi.json
// Usage: node scripts/generate.mjs [outDir]   (outDir defaults to generated/; the freshness check
// generates into a temporary folder and compares)
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

const root = resolve(import.meta.dirname, '..');
const outDir = resolve(process.argv[2] ?? join(root, 'generated'));
const bin = (name) => join(root, 'node_modules', '.bin', name);

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });

const spec = parse(readFileSync(join(root, 'openapi.yaml'), 'utf8'));
writeFileSync(join(outDir, 'openapi.json'), `${JSON.stringify(spec, null, 2)}\n`);

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
console.log(`generated ${outDir}`);
