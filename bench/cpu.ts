/**
 * workerd CPU per request for each operation, ours beside the skeleton's equivalent where it has
 * one. Same accounting as the init figure (load.ts cpuPerRequest): the Worker's own workerd
 * process's utime + stime from /proc over a fixed number of requests plus a settle wait for the
 * deferred work they cause (waitUntil, queue consumers, Durable Object alarms all run in that
 * process), minus what the process burns idle. Ours and the skeleton run at the same time, so
 * each ratio is of two things measured under the same load.
 */
import { signBanskyPostback } from '../sandbox/bansky/postbacks.ts';
import { grid } from './costs/run.ts';
import { cpuPerRequest, type Load } from './load.ts';
import { startRecordingShop } from './postbacks.ts';
import { cpuMs, sleep } from './stats.ts';
import type { Target } from './workers.ts';

export interface CpuRow {
  operation: string;
  ours: number;
  /** The skeleton's equivalent, or why it has none. */
  skeleton: { what: string; ms: number } | { none: string };
  errors: number;
}

type InitCpu = Record<string, { msPerRequest: number; errors: number }>;

interface Setup {
  ours: Target;
  skel: Target;
  token: string;
  banskySecret: string;
  webhookSecret: string;
  runId: string;
  requests: number;
  /** The init figure the bench already measured (both Workers at once). */
  init: InitCpu;
}

const SETTLE_MS = 6_000; // the analytics consumer's batch timeout is 5 s: its CPU belongs to the request

/**
 * Waits until a workerd process is quiet (≤ 20 ms of CPU in a second, or 20 s have passed): the
 * idle rate subtracted from each figure is measured just before it, and work left over from the
 * operation before (alarms, consumer batches) counted as idle made some figures negative.
 */
async function quiet(pids: number[]) {
  for (let waited = 0; waited < 20_000; waited += 1_000) {
    const before = pids.map(cpuMs);
    await sleep(1_000);
    if (pids.every((p, i) => cpuMs(p) - before[i]! <= 20)) return;
  }
}

/** Runs `tasks` with at most `width` in flight. */
async function pool(tasks: Array<() => Promise<void>>, width: number) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < tasks.length) await tasks[next++]!();
    }),
  );
}

export async function cpuPerOperation(s: Setup): Promise<CpuRow[]> {
  const auth = { authorization: `Bearer ${s.token}` };
  const json = { ...auth, 'content-type': 'application/json' };
  const shop = await startRecordingShop(s.webhookSecret);
  try {
    const init = async (t: Target, id: string) => {
      const res = await fetch(`${t.url}/api/v1/init-payment`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({
          id,
          email: 'cpu@example.com',
          amount: '10.00',
          currency: 'EUR',
          successUrl: `${shop.url}/ok`,
          errorUrl: `${shop.url}/err`,
          postbackUrl: `${shop.url}/postbacks`,
        }),
      });
      if (res.status !== 201) throw new Error(`cpu bench: init on ${t.name} answered ${res.status}`);
      return ((await res.json()) as { id: string }).id;
    };
    const oursId = await init(s.ours, `cpu-${s.runId}-0`);
    const skelId = await init(s.skel, `cpu-${s.runId}-0`);
    const browser = (t: Target, path: string): Load => ({ url: `${t.url}${path}`, followRedirect: false });
    const api = (t: Target, path: string): Load => ({ url: `${t.url}${path}`, headers: auth });
    const opts = (expect: '2xx' | '3xx') => ({ amount: s.requests, connections: 4, settleMs: SETTLE_MS, rounds: 1, expect });
    const pair = async (operation: string, expect: '2xx' | '3xx', ours: Load, skel: Load, what: string): Promise<CpuRow> => {
      await quiet([s.ours.workerdPid, s.skel.workerdPid]);
      const r = await cpuPerRequest(
        { ours: { pid: s.ours.workerdPid, load: ours }, skel: { pid: s.skel.workerdPid, load: skel } },
        opts(expect),
      );
      return {
        operation,
        ours: r.ours!.msPerRequest,
        skeleton: { what, ms: r.skel!.msPerRequest },
        errors: r.ours!.errors + r.skel!.errors,
      };
    };
    const alone = async (operation: string, expect: '2xx' | '3xx', ours: Load, none: string): Promise<CpuRow> => {
      await quiet([s.ours.workerdPid]);
      const r = await cpuPerRequest({ ours: { pid: s.ours.workerdPid, load: ours } }, opts(expect));
      return { operation, ours: r.ours!.msPerRequest, skeleton: { none }, errors: r.ours!.errors };
    };

    const rows: CpuRow[] = [
      {
        operation: 'init',
        ours: s.init.ours!.msPerRequest,
        skeleton: { what: 'init', ms: s.init.skeleton!.msPerRequest },
        errors: s.init.ours!.errors + s.init.skeleton!.errors,
      },
    ];
    rows.push(
      await pair(
        'pay link (awaiting payment)',
        '3xx',
        browser(s.ours, `/integration/pay?id=${oursId}`),
        browser(s.skel, `/integration/pay?id=${skelId}`),
        'DO read + 302',
      ),
    );
    for (const outcome of ['success', 'error'] as const) {
      rows.push(
        await pair(
          `${outcome} return`,
          '3xx',
          browser(s.ours, `/integration/${outcome}?id=${oursId}`),
          browser(s.skel, `/integration/${outcome}?id=${skelId}`),
          'DO read + 302',
        ),
      );
    }
    rows.push(
      await pair(
        'status poll (get)',
        '2xx',
        api(s.ours, `/api/v1/payments/${oursId}`),
        api(s.skel, `/api/v1/payments/${skelId}`),
        'KV + DO read',
      ),
    );
    rows.push(await alone('list (limit=50)', '2xx', api(s.ours, '/api/v1/payments?limit=50'), 'keeps no index'));
    rows.push(await postbacks(s, init, shop));
    return rows;
  } finally {
    await shop.close();
  }
}

/**
 * Bansky's signed postback accepted → the shop's postback delivered, per payment: fresh payments
 * (made before the clock starts), one postback each, CPU counted until every shop postback has
 * arrived and the deferred work has settled.
 */
async function postbacks(
  s: Setup,
  init: (t: Target, id: string) => Promise<string>,
  shop: Awaited<ReturnType<typeof startRecordingShop>>,
): Promise<CpuRow> {
  const n = Math.max(10, Math.round(s.requests / 3));
  const ids: string[] = [];
  await pool(
    Array.from({ length: n }, (_, i) => async () => void ids.push(await init(s.ours, `cpu-pb-${s.runId}-${i}`))),
    4,
  );
  await sleep(SETTLE_MS);
  const pid = s.ours.workerdPid;
  await quiet([pid]);
  const idleBefore = cpuMs(pid);
  await sleep(2_000);
  const idlePerMs = (cpuMs(pid) - idleBefore) / 2_000;
  const start = performance.now();
  const before = cpuMs(pid);
  let errors = 0;
  const delivered = ids.map((id) => shop.next(id, 20_000));
  await pool(
    ids.map((id, i) => async () => {
      const body = JSON.stringify({ id, transactionId: `bnk_tx_cpu${i}`, status: 'paid', amount: '10.00', currency: 'EUR' });
      const res = await fetch(`${s.ours.url}/api/payment-verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-bansky-signature': signBanskyPostback(body, s.banskySecret) },
        body,
      });
      await res.arrayBuffer();
      if (res.status !== 200) errors++;
    }),
    4,
  );
  errors += (await Promise.all(delivered)).filter((d) => !d?.verified).length; // lost or unverifiable
  await sleep(SETTLE_MS);
  const ms = (cpuMs(pid) - before - idlePerMs * (performance.now() - start)) / n;
  return { operation: 'Bansky postback → shop delivered', ours: ms, skeleton: { none: 'sends no postbacks' }, errors };
}

export function cpuTable(rows: CpuRow[]): string {
  const ms = (n: number) => `${n.toFixed(2)} ms`;
  return [
    "CPU per request, workerd's process time (utime + stime incl. deferred work), ours vs the skeleton at the same time",
    grid(
      ['operation', 'AimbrellaPay', 'skeleton', 'ratio', 'errors'],
      rows.map((r) => [
        r.operation,
        ms(r.ours),
        'ms' in r.skeleton ? `${ms(r.skeleton.ms)} (${r.skeleton.what})` : `— (${r.skeleton.none})`,
        'ms' in r.skeleton ? `×${(r.ours / r.skeleton.ms).toFixed(2)}` : '—',
        String(r.errors),
      ]),
    ),
  ].join('\n');
}
