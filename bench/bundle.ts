/**
 * What a deploy would upload: `wrangler deploy --dry-run --minify --outdir` (+ esbuild's
 * metafile), measured minified and gzip (Cloudflare's size limits are on the gzip figure).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

const root = resolve(import.meta.dirname, '..');

export interface Bundle {
  raw: number;
  gzip: number;
  /** Minified bytes per input (package or source file), largest first. */
  inputs: Array<{ input: string; bytes: number }>;
}

/** node_modules/<pkg>/… → <pkg>; src files stay as paths. */
const groupOf = (path: string) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? path;

export function bundle(config: string, keep?: string): Bundle {
  const out = keep ?? mkdtempSync(join(tmpdir(), 'apay-bundle-'));
  try {
    execFileSync(
      process.execPath,
      [
        join(root, 'node_modules/wrangler/bin/wrangler.js'),
        'deploy',
        '--dry-run',
        '--minify',
        '--outdir',
        out,
        '--metafile',
        '--config',
        config,
      ],
      {
        cwd: root,
        stdio: 'ignore',
        env: { ...process.env, WRANGLER_SEND_METRICS: 'false', XDG_CONFIG_HOME: join(root, '.wrangler', 'config') },
      },
    );
    const js = readdirSync(out).filter((f) => f.endsWith('.js'));
    const bytes = Buffer.concat(js.map((f) => readFileSync(join(out, f))));
    const meta = JSON.parse(readFileSync(join(out, 'bundle-meta.json'), 'utf8')) as {
      outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
    };
    const sizes = new Map<string, number>();
    for (const o of Object.values(meta.outputs)) {
      for (const [path, { bytesInOutput }] of Object.entries(o.inputs))
        sizes.set(groupOf(path), (sizes.get(groupOf(path)) ?? 0) + bytesInOutput);
    }
    const inputs = [...sizes].map(([input, b]) => ({ input, bytes: b })).sort((a, b) => b.bytes - a.bytes);
    return { raw: bytes.length, gzip: gzipSync(bytes).length, inputs };
  } finally {
    if (!keep) rmSync(out, { recursive: true, force: true });
  }
}
