/**
 * The Bansky sandbox in its own Node process (not in the bench's): under load the sandbox and
 * autocannon would otherwise share one event loop, and a saturated load generator flatters
 * every ratio towards 1.
 */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { freePort, waitForHttp } from '../scripts/lib/ports.mjs';

const root = resolve(import.meta.dirname, '..');

/** `env` adds settings the sandbox reads (e.g. BANSKY_SANDBOX_STALL_MS, see sandbox/bansky/server.ts). */
export async function spawnSandbox(
  apiToken: string,
  postbackSecret: string,
  env: Record<string, string> = {},
): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'sandbox/bansky/server.ts')], {
    cwd: root,
    env: { ...process.env, ...env, BANSKY_SANDBOX_PORT: String(port), BANSKY_API_TOKEN: apiToken, BANSKY_POSTBACK_SECRET: postbackSecret },
    stdio: ['ignore', 'ignore', 'inherit'], // it logs every init on stdout
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await Promise.race([waitForHttp(`${url}/_sandbox/health`, 30_000), exited.then(() => Promise.reject(new Error('sandbox exited')))]);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    url,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(t);
    },
  };
}
