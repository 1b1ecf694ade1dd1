#!/usr/bin/env node
import { resolve } from 'node:path';
// Builds the Worker bundle that `wrangler dev` and `wrangler deploy` run (wrangler.toml [build]).
// Our own esbuild step for one reason: zod's `z` namespace is passed around as a value
// (@hono/zod-openapi's extendZodWithOpenApi(z)), so a plain bundle keeps all 64 of zod's message
// locales (~260 KiB minified, a third of the Worker). Every message we send is English, so the
// locales index resolves to English only. Tests run src/ directly (vitest-pool-workers).
import { build } from 'esbuild';

const root = resolve(import.meta.dirname, '..', '..');

const englishOnly = {
  name: 'zod-locales-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer) ? { path: resolve(root, 'src/lib/zod-locales.ts') } : undefined,
    );
  },
};

await build({
  absWorkingDir: root,
  entryPoints: ['src/index.ts'],
  outfile: 'dist/worker/index.js',
  bundle: true,
  format: 'esm',
  target: 'es2022',
  platform: 'neutral',
  conditions: ['workerd', 'worker', 'browser'],
  mainFields: ['module', 'main'],
  external: ['cloudflare:*', 'node:*'],
  jsx: 'automatic',
  jsxImportSource: 'hono/jsx',
  minify: true,
  keepNames: true, // stack traces and error names stay readable in logs
  sourcemap: true,
  logLevel: 'warning',
  plugins: [englishOnly],
});
