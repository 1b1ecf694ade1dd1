import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readDevVars } from './dev-vars.mjs';
import { freePort, waitForHttp } from './ports.mjs';

const root = resolve(import.meta.dirname, '..', '..');

/**
 * The local secrets of .dev.vars.example (safe values, committed) that .dev.vars does not set:
 * our Worker gets each one the caller did not pass either, so it starts on a fresh clone (no
 * .dev.vars yet: `npm start` writes it) exactly as on a developer's machine, whose own .dev.vars
 * values wrangler still reads and these never override.
 */
function exampleSecrets() {
  const own = readDevVars(join(root, '.dev.vars'));
  return Object.fromEntries(Object.entries(readDevVars(join(root, '.dev.vars.example'))).filter(([k, v]) => v !== '' && !(k in own)));
}

/**
 * Starts the Worker with `wrangler dev` (workerd + local KV/DO/Queues) and resolves once
 * /healthz answers. `vars` override wrangler.toml vars and secrets (passed as --var, so no
 * .dev.vars is needed: our Worker's unset secrets come from .dev.vars.example). State lives in
 * a fresh folder unless `persistTo` is given.
 * `config` selects another wrangler config (the benchmark's bare Worker); `readyPath` is polled.
 * Returns { url, port, pid, logs(), stop() }; stop() sends SIGINT so workerd exits with wrangler.
 */
export async function startWorker({ vars = {}, port, persistTo, logLevel = 'info', onLine, config, readyPath = '/healthz' } = {}) {
  const workerPort = port ?? (await freePort());
  const inspectorPort = await freePort();
  const state = persistTo ?? mkdtempSync(join(tmpdir(), 'apay-wrangler-'));
  // biome-ignore format: flags and their values read as pairs
  const args = [
    join(root, 'node_modules', 'wrangler', 'bin', 'wrangler.js'),
    'dev',
    ...(config ? ['--config', config] : []),
    '--port', String(workerPort),
    '--ip', '127.0.0.1',
    '--inspector-port', String(inspectorPort),
    '--persist-to', state,
    '--log-level', logLevel,
    '--show-interactive-dev-session=false',
  ];
  const all = config ? vars : { ...exampleSecrets(), ...vars };
  for (const [k, v] of Object.entries(all)) args.push('--var', `${k}:${v}`);
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: 'false',
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
      XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME ?? join(root, '.wrangler', 'config'),
      NO_COLOR: '1',
      FORCE_COLOR: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = [];
  const collect = (chunk) => {
    for (const line of chunk.toString().split('\n')) {
      if (!line) continue;
      lines.push(line);
      onLine?.(line);
    }
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise((r) => child.once('exit', r));
  const url = `http://127.0.0.1:${workerPort}`;
  try {
    await Promise.race([
      waitForHttp(`${url}${readyPath}`, 90_000),
      exited.then((code) => {
        throw new Error(`wrangler dev exited (${code}) before it was ready:\n${lines.slice(-30).join('\n')}`);
      }),
    ]);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    url,
    port: workerPort,
    pid: child.pid,
    logs: () => lines.join('\n'),
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGINT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      if (!persistTo) rmSync(state, { recursive: true, force: true });
    },
  };
}
