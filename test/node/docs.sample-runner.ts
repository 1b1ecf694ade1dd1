/**
 * Runs doc samples as a reader would: shell blocks through bash, the Node, Python and PHP postback
 * servers as processes. The only change made to a sample is pointing the documented shop address
 * (http://localhost:3000) at the server the test started; the rest runs as written.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CodeBlock } from './docs.code-blocks.ts';
import { ROOT } from './docs.support.ts';

const DOCUMENTED_SHOP_URL = 'http://localhost:3000';

/** A scratch folder inside the repository (gitignored .tmp/), so samples resolve its node_modules like a shop's project would. */
export function sampleWorkdir(): string {
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  return mkdtempSync(join(ROOT, '.tmp', 'doc-samples-'));
}

function pointAtShop(code: string, shopUrl: string): string {
  return code.split(DOCUMENTED_SHOP_URL).join(shopUrl);
}

const PATH = `${join(ROOT, 'node_modules', '.bin')}:${process.env.PATH}`;

/**
 * An empty folder outside the repository, as a shop starts from: no package.json, nothing of ours
 * on PATH or in node_modules, so a sample's `npx` fetches exactly what the sample pins.
 */
export function emptyShopProject(): string {
  return mkdtempSync(join(tmpdir(), 'aimbrellapay-shop-'));
}

export interface ShellResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a shell sample with `bash -eu -o pipefail`; env holds the variables the docs tell readers
 * to export. Asynchronous on purpose: the Bansky sandbox runs in this process and must keep
 * answering while the sample waits for the Worker.
 */
export async function runShell(
  block: CodeBlock,
  opts: { cwd: string; env: Record<string, string>; shopUrl?: string; outsideRepo?: boolean },
): Promise<ShellResult> {
  const code = opts.shopUrl ? pointAtShop(block.code, opts.shopUrl) : block.code;
  const path = opts.outsideRepo ? process.env.PATH : PATH;
  const child = spawn('bash', ['-eu', '-o', 'pipefail', '-c', code], { cwd: opts.cwd, env: { ...process.env, PATH: path, ...opts.env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  const timer = setTimeout(() => child.kill('SIGKILL'), 240_000); // npx may fetch packages first
  const status = await new Promise<number | null>((resolve) => child.once('close', resolve));
  clearTimeout(timer);
  return { status, stdout, stderr };
}

export async function runShellJson<T = Record<string, any>>(block: CodeBlock, opts: Parameters<typeof runShell>[1]): Promise<T> {
  const r = await runShell(block, opts);
  if (r.status !== 0) throw new Error(`${block.where} (${block.name}) exited ${r.status}:\n${r.stderr}\n${r.stdout}`);
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`${block.where} (${block.name}) did not print JSON:\n${r.stdout}\n${r.stderr}`);
  }
}

/** A long-running sample (a postback server): its output lines, and a way to wait for one. */
export interface SampleProcess {
  output(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  stop(): Promise<void>;
}

export function startSampleProcess(command: string, args: string[], opts: { cwd: string; env: Record<string, string> }): SampleProcess {
  const child: ChildProcess = spawn(command, args, {
    cwd: opts.cwd,
    env: { ...process.env, PATH, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  const exited = new Promise((r) => child.once('exit', r));
  return {
    output: () => out,
    async waitFor(pattern, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = pattern.exec(out);
        if (m) return m;
        if (child.exitCode !== null) throw new Error(`${command} exited (${child.exitCode}) before printing ${pattern}:\n${out}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern} from ${command}:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

export function writeSample(dir: string, file: string, block: CodeBlock, shopUrl?: string): string {
  const path = join(dir, file);
  writeFileSync(path, shopUrl ? pointAtShop(block.code, shopUrl) : block.code);
  return path;
}

/** A venv with the pinned Python packages the docs tell shops to install (kept in .tmp/ between runs). */
export function pythonWithStandardWebhooks(): string {
  const venv = join(ROOT, '.tmp', 'docs-python-venv');
  const python = join(venv, 'bin', 'python');
  const requirements = join(ROOT, 'scripts', 'docs', 'python-requirements.txt');
  const ready = existsSync(python) && spawnSync(python, ['-c', 'import standardwebhooks'], { encoding: 'utf8' }).status === 0;
  if (!ready) {
    for (const [cmd, args] of [
      ['python3', ['-m', 'venv', venv]],
      [python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirements]],
    ] as const) {
      const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 300_000 });
      if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr}`);
    }
  }
  return python;
}

export function hasCommand(name: string): boolean {
  return spawnSync('bash', ['-c', `command -v ${name}`]).status === 0;
}
