import { type ChildProcess, spawn } from 'node:child_process';
import { eventually, root } from './e2e.support.ts';

/** `npm start` as a newcomer runs it, on free ports with a fresh state folder. */
export class StartProcess {
  readonly lines: string[] = [];
  private child!: ChildProcess;
  private exit!: Promise<number | null>;

  /** When the spawn happened (ms since the epoch): first-start timings count from here. */
  startedAt = 0;

  constructor(private readonly env: Record<string, string>) {}

  async start(): Promise<void> {
    this.startedAt = Date.now();
    this.child = spawn(process.execPath, ['scripts/start.mjs'], {
      cwd: root,
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exit = new Promise((r) => this.child.once('exit', (code) => r(code)));
    const collect = (chunk: Buffer) => this.lines.push(...chunk.toString().split('\n'));
    this.child.stdout!.on('data', collect);
    this.child.stderr!.on('data', collect);
    await Promise.race([
      eventually(async () => this.output().includes('Press Ctrl-C'), 'npm start to be ready', 100_000),
      this.exit.then((code) => {
        throw new Error(`npm start exited (${code}):\n${this.output()}`);
      }),
    ]);
  }

  output(): string {
    return this.lines.join('\n');
  }

  line(pattern: RegExp): RegExpMatchArray {
    const m = this.output().match(pattern);
    if (!m) throw new Error(`no line matching ${pattern} in:\n${this.output()}`);
    return m;
  }

  /** Ctrl-C. Resolves with the exit code. */
  async interrupt(): Promise<number | null> {
    this.child.kill('SIGINT');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    const code = await this.exit;
    clearTimeout(timer);
    return code;
  }
}
