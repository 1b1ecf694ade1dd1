import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GUIDES, staleDocsFiles } from '../../scripts/docs/build-content.mjs';
import { codeBlocks } from './docs.code-blocks.ts';
import { ROOT } from './docs.support.ts';

// The docs cannot silently drift from the code: what the Worker serves is rebuilt from docs/ and
// openapi.yaml, and every executable sample is run by a docs.samples.*.test.ts or the client matrix.
describe('docs content', () => {
  it('is up to date: docs:build would change nothing (generated tables, public/_private/)', () => {
    expect(staleDocsFiles(), 'run `npm run docs:build` and commit the result').toEqual([]);
  });

  it('lists every ErrorCode of openapi.yaml with its x-enumDescriptions meaning', () => {
    const spec = parse(readFileSync(join(ROOT, 'openapi.yaml'), 'utf8'));
    const { enum: codes, 'x-enumDescriptions': meanings } = spec.components.schemas.ErrorCode;
    const errors = readFileSync(join(ROOT, 'docs', 'public', 'errors.md'), 'utf8');
    const rows = errors.split('\n').filter((l: string) => /^\| `[a-z_]+` \|/.test(l) && !l.startsWith('| `code`'));
    expect(rows).toEqual(codes.map((c: string) => `| \`${c}\` | ${meanings[c]} |`));
  });

  it('runs every doc-test sample, and every documented output belongs to a sample', () => {
    const blocks = codeBlocks();
    const testDir = join(ROOT, 'test', 'node');
    // The client generators' commands are run by the client matrix (npm run test:clients).
    const testSource = readdirSync(testDir)
      .filter((f) => /^docs\.samples\..+\.test\.ts$/.test(f))
      .map((f) => readFileSync(join(testDir, f), 'utf8'))
      .concat(readFileSync(join(ROOT, 'client-matrix', 'run.ts'), 'utf8'))
      .join('\n');
    const exercised = new Set([...testSource.matchAll(/sample\('([\w-]+)'/g)].map((m) => m[1]));
    const samples = blocks.filter((b) => b.kind === 'test');
    expect(samples.map((b) => `${b.name} (${b.where})`).filter((s) => !exercised.has(s.split(' ')[0]))).toEqual([]);
    expect(new Set(samples.map((b) => b.name)).size).toBe(samples.length);
    for (const out of blocks.filter((b) => b.kind === 'output')) expect(samples.map((b) => b.name)).toContain(out.name);
    // The guide's promise: samples in each language a shop may use.
    const langs = new Set(samples.map((b) => b.lang));
    for (const lang of ['sh', 'ts', 'js', 'python', 'php']) expect(langs).toContain(lang);
  });

  it('puts every Markdown file under docs/public and docs/internal in a guide', () => {
    for (const [dir, guide] of [
      ['public', GUIDES.PUBLIC_GUIDE],
      ['internal', GUIDES.INTERNAL_GUIDE],
    ] as const) {
      const files = readdirSync(join(ROOT, 'docs', dir)).filter((f) => f.endsWith('.md'));
      expect(files.map((f) => `${dir}/${f}`).sort()).toEqual([...guide].sort());
    }
  });
});
