/**
 * `tsx bench/profile/bundle-whatif.ts`: how much gzip each bundle lever would save, by bundling
 * src/index.ts with esbuild (as wrangler does: ESM, minified, workerd conditions) with one
 * module replaced at a time. Absolute sizes differ from wrangler's by its small shims; the
 * differences are what matter.
 */

import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Plugin } from 'esbuild';

const root = resolve(import.meta.dirname, '../..');
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

/** Replaces modules whose resolved path matches `filter` with `contents`. */
const stub = (name: string, filter: RegExp, contents: string): Plugin => ({
  name,
  setup(b) {
    b.onLoad({ filter }, () => ({ contents, loader: 'js' }));
  },
});

// The contract and the docs' Markdown are static assets (public/_private/); what
// is left to weigh is code.
const STUBS: Record<string, Plugin[]> = {
  'zod locales (keep en only)': [stub('locales', /zod\/v4\/locales\/index\.js$/, `export { default as en } from './en.js';`)],
  'standardwebhooks (its fast-sha256 + base64 instead of WebCrypto)': [
    stub('standardwebhooks', /standardwebhooks\/dist\/index\.js$/, 'export class Webhook { constructor() {} sign() { return ""; } }'),
  ],
};
STUBS.all = Object.values(STUBS).flat();

async function size(plugins: Plugin[]): Promise<{ raw: number; gzip: number }> {
  const r = await build({
    entryPoints: [resolve(root, 'src/index.ts')],
    bundle: true,
    write: false,
    minify: true,
    format: 'esm',
    target: 'es2024',
    conditions: ['workerd', 'worker', 'browser'],
    platform: 'neutral',
    mainFields: ['module', 'main'],
    external: ['cloudflare:*', 'node:*'],
    loader: { '.json': 'json' },
    logLevel: 'silent',
    plugins,
  });
  const js = r.outputFiles[0]!.contents;
  return { raw: js.length, gzip: gzipSync(js).length };
}

const base = await size([]);
console.log(`as built: ${kib(base.raw)} minified, ${kib(base.gzip)} gzip`);
for (const [what, plugins] of Object.entries(STUBS)) {
  const s = await size(plugins);
  console.log(`without ${what}: ${kib(s.gzip)} gzip (−${kib(base.gzip - s.gzip)}), ${kib(s.raw)} minified (−${kib(base.raw - s.raw)})`);
}
