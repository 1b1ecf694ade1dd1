/**
 * What a shop sees while the run goes on: its payments list (GET /api/v1/payments) and the shop
 * app (its sign-in page, rendered by the Worker like every /app page) are asked twice a second from
 * start to end. Outside the windows the run takes the Worker down on purpose (the SIGKILL and the
 * clean stop, until the restarted Worker answers /healthz), every probe must answer 200.
 */
import type { ShopCreds } from './harness.ts';
import type { Line } from './report.ts';

interface Probe {
  at: number;
  what: 'list' | 'app';
  status: number; // 0: no answer (refused, reset or over 10 s)
  ms: number;
}

export function startProbes(url: () => string, shop: ShopCreds, everyMs = 500) {
  const probes: Probe[] = [];
  const down: Array<[from: number, to: number | null]> = [];
  let stopped = false;
  const ask = async (what: Probe['what'], path: string, headers: Record<string, string> = {}) => {
    const at = Date.now();
    let status = 0;
    try {
      const res = await fetch(`${url()}${path}`, { headers, signal: AbortSignal.timeout(10_000), redirect: 'manual' });
      await res.arrayBuffer();
      status = res.status;
    } catch {
      status = 0;
    }
    probes.push({ at, what, status, ms: Date.now() - at });
  };
  const loop = (async () => {
    while (!stopped) {
      await Promise.all([
        ask('list', '/api/v1/payments?limit=20', { authorization: `Bearer ${shop.token}` }),
        ask('app', '/app/sign-in'),
        new Promise((r) => setTimeout(r, everyMs)),
      ]);
    }
  })();
  const inDownWindow = (p: Probe) => down.some(([from, to]) => p.at + p.ms >= from && (to === null || p.at <= to));
  return {
    /** The Worker is being taken down on purpose from now until `up()`. */
    down: () => void down.push([Date.now(), null]),
    /** When the Worker answered again after the last time it was taken down (0: never taken down). */
    lastUp: () => Math.max(0, ...down.map(([, to]) => to ?? Date.now())),
    up: () => {
      const open = down.find(([, to]) => to === null);
      if (open) open[1] = Date.now();
    },
    async line(): Promise<Line> {
      stopped = true;
      await loop;
      const counted = probes.filter((p) => !inDownWindow(p));
      const bad = counted.filter((p) => p.status !== 200);
      const describe = (what: Probe['what']) => {
        const mine = counted.filter((p) => p.what === what);
        const slow = Math.max(0, ...mine.map((p) => p.ms));
        return `${mine.length} ${what === 'list' ? 'payments-list' : 'shop-app'} probes (slowest ${slow} ms)`;
      };
      const byStatus = new Map<number, number>();
      for (const p of bad) byStatus.set(p.status, (byStatus.get(p.status) ?? 0) + 1);
      return {
        scenario: '7 shop app and payments list answer throughout',
        tried: counted.length,
        succeeded: counted.length - bad.length,
        lost: 0,
        duplicated: 0,
        explained: 0,
        failed: bad.length
          ? [`${bad.length} probes outside the restarts answered ${[...byStatus].map(([s, n]) => `${n}× ${s || 'nothing'}`).join(', ')}`]
          : [],
        notes: `${describe('list')} and ${describe('app')} outside the ${down.length} windows the Worker was down on purpose (${probes.length - counted.length} probes in them, not counted)`,
      };
    },
  };
}
