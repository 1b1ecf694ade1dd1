/**
 * The chaos run starts wrangler dev (and its workerd), the Bansky sandbox and, when installed, the
 * BigQuery emulator; some are SIGKILLed and restarted on purpose. So that none outlives the run —
 * a crash, the watchdog, Ctrl-C or a SIGTERM from CI alike — the run re-executes itself as the
 * leader of a new process group, and this small supervisor kills that whole group when the run
 * ends, however it ends. Processes still there after a clean end are named: a leak is a finding.
 */
import { execFileSync, spawn } from 'node:child_process';

const MARK = 'APAY_CHAOS_IN_OWN_GROUP';

/** True in the run itself (the group leader); false in the supervisor, which should call `supervise()`. */
export const inOwnGroup = () => process.env[MARK] === '1';

/** Members of process group `pgid` other than already-exited ones: [pid, command]. */
function members(pgid: number): Array<[number, string]> {
  try {
    return execFileSync('ps', ['-eo', 'pid=,pgid=,comm='], { encoding: 'utf8' })
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => Number(f[1]) === pgid)
      .map((f) => [Number(f[0]), f.slice(2).join(' ')] as [number, string]);
  } catch {
    return [];
  }
}

/** Runs this same script as the leader of its own process group; exits with its code, never returns. */
export async function supervise(): Promise<never> {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    detached: true,
    stdio: 'inherit',
    env: { ...process.env, [MARK]: '1' },
  });
  const pgid = child.pid!;
  const kill = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pgid, signal);
    } catch {
      // the group is gone
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      // The run stops its processes itself on SIGINT/SIGTERM; whatever is left is killed below.
      kill('SIGTERM');
      setTimeout(() => kill('SIGKILL'), 10_000).unref();
    });
  }
  // Even if this supervisor is stopped abruptly, its last act is to take the group down.
  process.on('exit', () => kill('SIGKILL'));
  const code = await new Promise<number>((resolve) =>
    child.once('exit', (c, signal) => resolve(c ?? (signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 1))),
  );
  const left = members(pgid);
  if (left.length) {
    console.log(`chaos run: ${left.length} of its processes outlived it, killed now: ${left.map(([p, c]) => `${c} (${p})`).join(', ')}`);
    kill('SIGKILL');
  }
  process.exit(code);
}
