/** Attributes a V8 CPU profile's self time to packages / source files via the bundle's source maps. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { originalPositionFor, TraceMap } from '@jridgewell/trace-mapping';
import type { CpuProfile } from './inspector.ts';

// wrangler dev bundles into <config dir>/.wrangler/tmp/dev-XXXX/<main>.js (+ .map); the profile names only <main>.js.
function devBundle(name: string, configDirs: string[]): string {
  const found = configDirs.flatMap((d) => {
    const tmp = join(d, '.wrangler', 'tmp');
    if (!existsSync(tmp)) return [];
    return readdirSync(tmp)
      .map((x) => join(tmp, x, name))
      .filter((f) => existsSync(`${f}.map`));
  });
  return found.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0] ?? name;
}

const maps = new Map<string, TraceMap | null>();
function mapFor(url: string, configDirs: string[]): TraceMap | null {
  if (!maps.has(url)) {
    let m: TraceMap | null = null;
    try {
      const file = url.startsWith('file:') ? fileURLToPath(url) : url.includes('/') ? url : devBundle(url, configDirs);
      if (existsSync(`${file}.map`)) m = new TraceMap(readFileSync(`${file}.map`, 'utf8'));
    } catch {
      m = null;
    }
    maps.set(url, m);
  }
  return maps.get(url)!;
}

/** node_modules/<pkg>/… → <pkg>; our files stay as repo paths; V8/runtime pseudo-frames keep their names. */
function group(source: string | null, fn: string, url: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(runtime built-ins)';
  if (!source) return `(unmapped) ${url.split('/').pop()}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source)?.[1];
  return pkg ?? source.replace(/^(\.\.\/)+/, '').replace(/^bench\/(src|generated|bench)\//, '$1/');
}

export function summariseProfile(
  p: CpuProfile,
  requests: number,
  configDirs: string[],
  top = Number(process.env.PROFILE_TOP ?? 16),
): string {
  const byNode = new Map(p.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  p.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  });
  const groups = new Map<string, number>();
  const fns = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber, columnNumber } = byNode.get(id)!.callFrame;
    if (functionName === '(idle)') continue;
    busy += us;
    const pos = url ? mapFor(url, configDirs) : null;
    const orig = pos ? originalPositionFor(pos, { line: lineNumber + 1, column: columnNumber }) : null;
    const g = group(orig?.source ?? null, functionName, url);
    groups.set(g, (groups.get(g) ?? 0) + us);
    const file = orig?.source ? (/node_modules\/(.*)$/.exec(orig.source)?.[1] ?? g) : g;
    const where = orig?.source ? `${file}:${orig.line}` : g;
    const fn = `${functionName || '(anonymous)'} ${where}`;
    fns.set(fn, (fns.get(fn) ?? 0) + us);
  }
  // Total (inclusive) time per function of ours (src/, generated/): what a call costs with everything under it.
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const nameOf = new Map<number, string | null>();
  const ownName = (id: number): string | null => {
    if (!nameOf.has(id)) {
      const { functionName, url, lineNumber, columnNumber } = byNode.get(id)!.callFrame;
      const pos = url ? mapFor(url, configDirs) : null;
      const orig = pos ? originalPositionFor(pos, { line: lineNumber + 1, column: columnNumber }) : null;
      const src = /(?:^|\/)((?:src|generated)\/.*)$/.exec(orig?.source ?? '')?.[1];
      nameOf.set(id, src && !orig!.source!.includes('node_modules') ? `${functionName || '(anonymous)'} ${src}:${orig!.line}` : null);
    }
    return nameOf.get(id)!;
  };
  const total = new Map<string, number>();
  for (const [id, us] of selfUs) {
    if (byNode.get(id)!.callFrame.functionName === '(idle)') continue;
    const seen = new Set<string>();
    for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) {
      const k = ownName(x);
      if (k && !seen.has(k)) {
        seen.add(k);
        total.set(k, (total.get(k) ?? 0) + us);
      }
    }
  }
  const per = (us: number) => `${(us / 1000 / requests).toFixed(3)} ms/req  ${((100 * us) / busy).toFixed(1)}%`;
  const list = (m: Map<string, number>, n = top) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => `  ${per(us).padEnd(24)} ${k}`);
  return [
    `sampled ${(busy / 1000).toFixed(0)} ms = ${(busy / 1000 / requests).toFixed(3)} ms/req (isolate thread not idle; includes blocking native calls such as storage)`,
    'by package / file (self time):',
    ...list(groups),
    'by function (self time):',
    ...list(fns),
    'our functions (total time: self and everything they call):',
    ...list(total, top * 2),
  ].join('\n');
}
