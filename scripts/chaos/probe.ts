/**
 * What a shop sees while the run goes on: its payments list (GET /api/v1/payments) and the shop
 * app (its sign-in page, rendered by the Worker like every /app page) are asked twice a second from
 * start to end. Outside the windows the run takes the Worker down on purpose (the SIGKILL and the
 * clean stop, until the restarted Worker answers /healthz), every probe must answer 200 — or, like
 * a real client, get a 503 with Retry-After and a 200 when it asks once more after that wait (a
 * Durable Object reset by a resource limit answers so). The line names each other answer's status
 * and problem code.
 */
import type { ShopCreds } from './harness.ts';
import type { Line } from './report.ts';

interface Answer {
  status: number; // 0: no answer (refused, reset or over 10 s)
  /** Why it was not a 200: the problem `code`, or the network error's name. */
  cause?: string;
  retryAfterS?: number;
}

interface Probe extends Answer {
  at: number;
  what: 'list' | 'app';
  ms: number;
  /** A 503 with Retry-After is asked again once after it, like a real client: that answer. */
  retry?: Answer;
}

export function startProbes(url: () => string, shop: ShopCreds, everyMs = 500) {
  const probes: Probe[] = [];
  const down: Array<[from: number, to: number | null]> = [];
  let stopped = false;
  const once = async (path: string, headers: Record<string, string>): Promise<Answer> => {
    try {
      const res = await fetch(`${url()}${path}`, { headers, signal: AbortSignal.timeout(10_000), redirect: 'manual' });
      const text = await res.text();
      if (res.status === 200) return { status: 200 };
      let cause: string | undefined;
      try {
        cause = (JSON.parse(text) as { code?: string }).code;
      } catch {
        cause = undefined;
      }
      const retryAfter = Number(res.headers.get('retry-after'));
      return { status: res.status, cause, retryAfterS: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined };
    } catch (err) {
      return { status: 0, cause: (err as Error).name };
    }
  };
  const ask = async (what: Probe['what'], path: string, headers: Record<string, string> = {}) => {
    const at = Date.now();
    const first = await once(path, headers);
    const probe: Probe = { at, what, ...first, ms: Date.now() - at };
    if (first.status === 503 && first.retryAfterS !== undefined) {
      await new Promise((r) => setTimeout(r, first.retryAfterS! * 1000));
      probe.retry = await once(path, headers);
    }
    probes.push(probe);
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
      // A 503 with Retry-After answered by its retry is what a client sees succeed: not a failure.
      const bad = counted.filter((p) => p.status !== 200 && p.retry?.status !== 200);
      const recovered = counted.filter((p) => p.status !== 200 && p.retry?.status === 200);
      const describe = (what: Probe['what']) => {
        const mine = counted.filter((p) => p.what === what);
        const slow = Math.max(0, ...mine.map((p) => p.ms));
        return `${mine.length} ${what === 'list' ? 'payments-list' : 'shop-app'} probes (slowest ${slow} ms)`;
      };
      const answer = (a: Answer) => `${a.status || 'nothing'}${a.cause ? ` ${a.cause}` : ''}`;
      const tally = (ps: Probe[]) => {
        const by = new Map<string, number>();
        for (const p of ps) {
          const key = `${p.what} ${answer(p)}${p.retry ? `, retried after ${p.retryAfterS} s: ${answer(p.retry)}` : ''}`;
          by.set(key, (by.get(key) ?? 0) + 1);
        }
        return [...by].map(([k, n]) => `${n}× ${k}`).join('; ');
      };
      return {
        scenario: '7 shop app and payments list answer throughout',
        tried: counted.length,
        succeeded: counted.length - bad.length,
        lost: 0,
        duplicated: 0,
        explained: 0,
        failed: bad.length
          ? [`${bad.length} probes outside the restarts failed (also after one retry where the answer said Retry-After): ${tally(bad)}`]
          : [],
        notes:
          `${describe('list')} and ${describe('app')} outside the ${down.length} windows the Worker was down on purpose (${probes.length - counted.length} probes in them, not counted)` +
          (recovered.length ? `; ${recovered.length} answered 503 with Retry-After and then 200 on the retry: ${tally(recovered)}` : ''),
      };
    },
  };
}
