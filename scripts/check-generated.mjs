#!/usr/bin/env node
// Fails when generated/ is not exactly what `npm run generate` produces from openapi.yaml now
// (someone edited the spec without regenerating, or edited generated code by hand).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const fresh = mkdtempSync(join(tmpdir(), 'apay-generated-'));
try {
  execFileSync(process.execPath, [join(root, 'scripts/generate.mjs'), fresh], { stdio: ['ignore', 'ignore', 'inherit'] });
  const list = (dir) =>
    readdirSync(dir).flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? list(p) : [p];
    });
  const committed = new Set(list(join(root, 'generated')).map((p) => relative(join(root, 'generated'), p)));
  const expected = new Set(list(fresh).map((p) => relative(fresh, p)));
  const problems = [];
  for (const f of expected) {
    if (!committed.has(f)) problems.push(`missing: generated/${f}`);
    else if (readFileSync(join(fresh, f), 'utf8') !== readFileSync(join(root, 'generated', f), 'utf8'))
      problems.push(`stale or edited: generated/${f}`);
  }
  for (const f of committed) if (!expected.has(f)) problems.push(`unexpected: generated/${f}`);
  if (problems.length) {
    console.error(`generated/ is out of date with openapi.yaml. Run \`npm run generate\`.\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`generated/ is fresh (${expected.size} files)`);
  // The bundled common-password list, written from its npm package by `npm run passwords:build`.
  execFileSync(process.execPath, [join(root, 'scripts/build/common-passwords.mjs'), '--check'], { stdio: 'inherit' });
} finally {
  rmSync(fresh, { recursive: true, force: true });
}
