#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
// Builds the Worker bundle that `wrangler dev` and `wrangler deploy` run (wrangler.toml [build]).
// Our own esbuild step, to keep what the Worker never uses out of it (the Worker stays ≤ 150 KiB gzip, a target of `npm run bench`):
//  - zod's 64 message locales (~260 KiB minified): every message we send is English, so the
//    locales index resolves to English only;
//  - the rest of zod we do not call (JSON Schema conversion, z.compile, …, ~120 KiB minified).
//    esbuild shakes a namespace import (`import * as z from 'zod'`) member by member, but bundles
//    every export of zod when the namespace is used as a value or imported by name
//    (`import { z } from 'zod'`). Our code imports it as a namespace; @hono/zod-openapi imports it
//    by name and passes it to extendZodWithOpenApi, which only reads `ZodType` — rewritten below.
// Tests run src/ directly (vitest-pool-workers).
import { build } from 'esbuild';

const root = resolve(import.meta.dirname, '..', '..');

const englishOnly = {
  name: 'zod-locales-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer) ? { path: resolve(root, 'src/platform/lib/zod-locales.ts') } : undefined,
    );
  },
};

/** Exact rewrites of @hono/zod-openapi's module; the build fails if one no longer applies (a new version). */
const ZOD_OPENAPI_REWRITES = [
  ['import { z } from "zod";', 'import * as z from "zod";'],
  // extendZodWithOpenApi(zod) patches zod.ZodType.prototype and reads nothing else of `zod`.
  ['extendZodWithOpenApi(z);', 'extendZodWithOpenApi({ ZodType: z.ZodType });'],
];

const zodOpenApiShakable = {
  name: 'zod-openapi-shakable-zod',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/]@hono[\\/]zod-openapi[\\/]dist[\\/]index\.mjs$/ }, (args) => {
      let contents = readFileSync(args.path, 'utf8');
      for (const [from, to] of ZOD_OPENAPI_REWRITES) {
        if (contents.split(from).length !== 2) {
          throw new Error(`scripts/build/worker.mjs: "${from}" is not in ${args.path} exactly once any more; update ZOD_OPENAPI_REWRITES`);
        }
        contents = contents.replace(from, to);
      }
      return { contents, loader: 'js' };
    });
  },
};

const result = await build({
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
  // Stack traces in logs (src/platform/observability/logger.ts logs err.stack) keep our function names; wrangler
  // uploads no source map. Costs ≈ 6 KiB gzip of the ≈ 132 (measured); es2024 instead of es2022: 0.
  keepNames: true,
  sourcemap: true,
  metafile: true,
  logLevel: 'warning',
  plugins: [englishOnly, zodOpenApiShakable],
});

// z.compile is one of the things nothing of ours calls: in the bundle, zod is whole again.
const bundled = Object.values(result.metafile.outputs).flatMap((o) => Object.entries(o.inputs).filter(([, i]) => i.bytesInOutput > 0));
if (bundled.some(([path]) => /[\\/]zod[\\/]v4[\\/]core[\\/]compile\.js$/.test(path))) {
  console.warn(
    'scripts/build/worker.mjs: all of zod is in the Worker bundle (~120 KiB minified more): something imports `{ z }` from zod or ' +
      'passes the namespace as a value; import it as `import * as z from "zod"`.',
  );
}
