/**
 * Starts a Worker the way scripts/local/stack.ts does (wrangler dev via scripts/lib/wrangler-dev.mjs)
 * and finds, under it, the workerd process that runs the Worker itself. wrangler dev runs two
 * workerd processes: a ProxyWorker on the public port (reload/inspector plumbing that exists only
 * in local dev) and the Worker's own. CPU and RSS are read from the Worker's process only, and
 * requests go straight to its entry socket so the dev-only proxy hop does not dilute every ratio.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { startWorker } from '../scripts/lib/wrangler-dev.mjs';
import type { BENCH_SECRETS } from './secrets.ts';

export interface Target {
  name: string;
  /** The Worker's own workerd entry socket (no ProxyWorker hop). */
  url: string;
  /** wrangler dev's public port, through the ProxyWorker (what a developer's curl hits). */
  publicUrl: string;
  workerdPid: number;
  /** wrangler's inspector proxy (workerd allows one session per isolate, and wrangler holds it). */
  inspectorPort: number;
  stop(): Promise<void>;
}

/** Every process under pid (children first-level, then theirs), from /proc. */
export const descendants = (pid: number): number[] => {
  let kids: number[] = [];
  try {
    kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    /* gone */
  }
  return kids.flatMap((k) => [k, ...descendants(k)]);
};

export const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');

/** TCP ports the process listens on (from /proc/<pid>/net/tcp, matched to its own socket fds). */
export function listeningPorts(pid: number): number[] {
  const inodes = new Set(
    readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
      try {
        const l = readlinkSync(`/proc/${pid}/fd/${fd}`);
        return l.startsWith('socket:[') ? [l.slice(8, -1)] : [];
      } catch {
        return [];
      }
    }),
  );
  return readFileSync(`/proc/${pid}/net/tcp`, 'utf8')
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[3] === '0A' && inodes.has(f[9]!)) // 0A = LISTEN
    .map((f) => parseInt(f[1]!.split(':')[1]!, 16));
}

export async function startTarget(name: string, opts: { config?: string; vars?: Record<string, string>; port?: number }): Promise<Target> {
  const w = await startWorker({ ...opts, logLevel: 'warn' });
  try {
    // The Worker's workerd is the one wrangler gave an inspector; the ProxyWorker has none.
    const pid = descendants(w.pid!).find(
      (p) => cmdline(p)[0]!.endsWith('workerd') && cmdline(p).some((a) => a.startsWith('--inspector-addr')),
    );
    if (!pid) throw new Error(`${name}: no workerd with an inspector under wrangler ${w.pid}`);
    for (const port of listeningPorts(pid)) {
      const url = `http://127.0.0.1:${port}`;
      const ok = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) }).then(
        (r) => r.ok,
        () => false,
      );
      const args = cmdline(w.pid!);
      const inspectorPort = Number(args[args.indexOf('--inspector-port') + 1]);
      if (ok) return { name, url, publicUrl: w.url, workerdPid: pid, inspectorPort, stop: () => w.stop() };
    }
    throw new Error(`${name}: workerd ${pid} has no socket answering /healthz`);
  } catch (err) {
    await w.stop();
    throw err;
  }
}

/** The init-payment body every bench sends: one fixed shop payment, `id` varying per request. */
export const benchInitBody = (id: string) => ({
  id,
  email: 'bench@example.com',
  amount: '10.00',
  currency: 'EUR',
  successUrl: 'http://127.0.0.1:9/ok',
  errorUrl: 'http://127.0.0.1:9/err',
  postbackUrl: 'http://127.0.0.1:9/pb',
});

/** Our Worker as every bench runs it: test-mode Bansky at the sandbox, warn-level logs, on `port`. */
export function startOurs(port: number, secrets: typeof BENCH_SECRETS, sandboxUrl: string): Promise<Target> {
  return startTarget('ours', {
    port,
    vars: { ...secrets, PUBLIC_BASE_URL: `http://127.0.0.1:${port}`, BANSKY_TEST_BASE_URL: sandboxUrl, LOG_LEVEL: 'warn' },
  });
}

/** The skeleton baseline (`bench/baselines/skeleton`) against the same sandbox. */
export function startSkeleton(secrets: typeof BENCH_SECRETS, sandboxUrl: string): Promise<Target> {
  return startTarget('skeleton', {
    config: join(import.meta.dirname, 'baselines/skeleton/wrangler.toml'),
    vars: { SANDBOX_URL: sandboxUrl, BANSKY_API_TOKEN: secrets.BANSKY_API_TOKEN },
  });
}
