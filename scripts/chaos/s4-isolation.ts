/**
 * Scenario 4: shop A's endpoints hang (never answer; each attempt waits out POSTBACK_TIMEOUT_MS)
 * while shop B's postbacks go on. B's delivery latency (Bansky's postback sent to us → B's endpoint
 * hit) is measured alone first, then with A hanging. Expected: B on time, and A's postbacks
 * delivered once its endpoints answer again.
 */
import { body, type Ctx, duplicates, ms, pct, SCHEDULE, undocumented5xx } from './common.ts';
import { pool, sleep, waitFor } from './harness.ts';
import type { Line } from './report.ts';

const HANGING = ['h1', 'h2', 'h3', 'h4', 'h5'];
/** B counts as late when it is this much slower than its own baseline p95. */
const LATE_MS = 1000;
/** A retry counts as late this long after its scheduled time (the local queue's batch timeout is 1 s). */
const RETRY_SLACK_MS = 1500;

/** The customer clicks Pay at Bansky's checkout; Bansky's signed postback follows on its own. */
async function payAtBansky(ctx: Ctx, paymentId: string): Promise<void> {
  const r = await ctx.api.customer('s4', paymentId, 'pay', false);
  if (!r.ok) throw new Error(`scenario 4: the customer's way to Bansky answered ${r.steps.join(' → ')}`);
}

/** B's postbacks whose first attempt fails: the retry goes through the postbacks queue, beside A's hanging retries. */
async function measureBRetries(ctx: Ctx, n: number, spreadMs: number): Promise<Array<number | null>> {
  const { api, shops, creds, runId } = ctx;
  const shop = creds['iso-b']!;
  shops.set('iso-b', 'flaky', 'first-fails');
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = await api.initCreated(
      's4',
      shop,
      body(ctx, `s4-b-retry-${runId}-${i}`, `br${i}@example.com`, shops.endpoint('iso-b', 'flaky')),
    );
    await payAtBansky(ctx, id);
    ids.push(id);
    await sleep(spreadMs / n);
  }
  await waitFor(() => ids.every((id) => shops.acked((r) => r.paymentId === id).length > 0), (SCHEDULE[0]! + 10) * 1000, 50);
  return ids.map((id) => {
    const times = shops
      .receipts((r) => r.paymentId === id)
      .map((r) => r.at)
      .sort((x, y) => x - y);
    return shops.acked((r) => r.paymentId === id).length && times.length >= 2 ? times[1]! - times[0]! : null;
  });
}

export interface IsolationState {
  line: Omit<Line, 'lost' | 'succeeded'> & { bLost: number; bOnTime: number };
  a: string[];
}

async function measureB(ctx: Ctx, n: number, tag: string, pauseMs: number): Promise<Array<number | null>> {
  const { api, shops, creds, runId } = ctx;
  const shop = creds['iso-b']!;
  const out: Array<number | null> = [];
  for (let i = 0; i < n; i++) {
    const id = await api.initCreated(
      's4',
      shop,
      body(ctx, `s4-b-${tag}-${runId}-${i}`, `b${i}@example.com`, shops.endpoint('iso-b', 'ep')),
    );
    // From the customer's Pay at Bansky: Bansky's postback follows at once, then ours to the shop.
    const sent = Date.now();
    await payAtBansky(ctx, id);
    const got = await waitFor(() => shops.acked((r) => r.paymentId === id).length > 0, 10_000, 5);
    out.push(got ? shops.acked((r) => r.paymentId === id)[0]!.at - sent : null);
    await sleep(pauseMs);
  }
  return out;
}

export async function isolationScenario(ctx: Ctx): Promise<IsolationState> {
  const { P, api, shops, creds, runId } = ctx;
  const baseline = await measureB(ctx, P.isolationB, 'base', 50);
  for (const h of HANGING) shops.set('iso-a', h, 'hang');
  const a = await pool(
    Array.from({ length: P.isolationA }, (_, i) => i),
    10,
    async (i) => {
      const id = await api.initCreated(
        's4',
        creds['iso-a']!,
        body(ctx, `s4-a-${runId}-${i}`, `a${i}@example.com`, shops.endpoint('iso-a', HANGING[i % HANGING.length]!)),
      );
      await payAtBansky(ctx, id);
      return id;
    },
  );
  await waitFor(() => shops.receipts((r) => r.shop === 'iso-a').length >= a.length, 5000, 20);
  const hangingStart = Date.now();
  const [during, retries] = await Promise.all([
    measureB(ctx, P.isolationB, 'hang', 200),
    measureBRetries(ctx, Math.ceil(P.isolationB / 2), P.isolationB * 250),
  ]);
  const hangingFor = Date.now() - hangingStart;
  const hungAttempts = shops.receipts((r) => r.shop === 'iso-a').length;
  for (const h of HANGING) shops.set('iso-a', h, 'ok'); // A recovers; its postbacks go out at their next retry

  const base = baseline.filter((x): x is number => x !== null);
  const dur = during.filter((x): x is number => x !== null);
  const budget = pct(base, 95) + LATE_MS;
  const late = dur.filter((x) => x > budget).length;
  const failed: string[] = [];
  const lateNotes: string[] = [];
  if (late) lateNotes.push(`${late} of B's postbacks over ${ms(budget)} (baseline p95 + ${LATE_MS} ms)`);
  if (baseline.some((x) => x === null)) failed.push('a baseline postback never arrived');
  const gaps = retries.filter((x): x is number => x !== null);
  const retryBudget = SCHEDULE[0]! * 1000 + RETRY_SLACK_MS;
  const lateRetries = gaps.filter((g) => g > retryBudget).length;
  if (lateRetries)
    lateNotes.push(`${lateRetries} of B's retries over ${ms(retryBudget)} after the failed attempt (schedule ${SCHEDULE[0]} s)`);
  const earlyRetries = gaps.filter((g) => g < SCHEDULE[0]! * 1000 - 500).length;
  if (earlyRetries) failed.push(`${earlyRetries} of B's retries earlier than the schedule`);
  return {
    a,
    line: {
      scenario: `4 shop A's ${HANGING.length} endpoints hanging, shop B on time`,
      tried: during.length + retries.length + a.length,
      bLost: during.filter((x) => x === null).length + retries.filter((x) => x === null).length,
      bOnTime: dur.length - late + gaps.length - lateRetries - earlyRetries,
      duplicated: 0,
      explained: 0,
      failed,
      late: lateNotes,
      notes: `B p50/p95 alone ${ms(pct(base, 50))}/${ms(pct(base, 95))} → with A hanging ${ms(pct(dur, 50))}/${ms(pct(dur, 95))} (max ${ms(Math.max(...dur))}) over ${(hangingFor / 1000).toFixed(1)} s; B retry after a failed attempt ${ms(pct(gaps, 50))} p50, max ${ms(Math.max(...gaps))} (schedule ${SCHEDULE[0]} s, budget ${ms(retryBudget)}); A: ${a.length} postbacks, ${hungAttempts} attempts hung on its endpoints`,
    },
  };
}

/** At the end of the run: A's postbacks delivered after its endpoints recovered; the line complete. */
export async function isolationFinish(ctx: Ctx, s: IsolationState): Promise<Line> {
  const delivered = () => new Set(ctx.shops.acked((r) => r.shop === 'iso-a').map((r) => r.paymentId)).size;
  await waitFor(() => delivered() >= s.a.length, 20_000, 250);
  const dups = duplicates(ctx.shops.receipts((r) => r.shop === 'iso-a' || r.shop === 'iso-b'));
  const aLost = s.a.length - delivered();
  const { bLost, bOnTime, ...rest } = s.line;
  return {
    ...rest,
    succeeded: bOnTime + delivered(),
    lost: bLost + aLost,
    duplicated: dups.duplicated,
    explained: dups.explained,
    failed: [...rest.failed, ...undocumented5xx(ctx, 's4')],
    notes: `${rest.notes}; ${delivered()} of A's delivered after its endpoints answered again`,
  };
}
