/**
 * Scenario 9: the analytics path through the kills. The Worker streams every event into the
 * BigQuery emulator (its analytics queue retries every 2 s at most). At the end, for every payment
 * Bansky's ledger knows, what the payment itself recorded is compared with the rows in BigQuery:
 * one payment_created, one status_changed per transition after `created`, one shop_postback_attempt
 * per delivery attempt recorded. Fewer rows than that is lost; a row twice under one event_id is a
 * redelivery (explained: at-least-once, BigQuery's insertId and the views de-duplicate it); more
 * distinct events than the payment's record is an unexplained duplicate.
 */
import { startBigQueryEmulator } from '../local/bigquery-emulator.mjs';
import type { Ctx } from './common.ts';
import { pool, waitFor } from './harness.ts';
import type { Line } from './report.ts';

export const ANALYTICS = { project: 'chaos-local', dataset: 'aimbrellapay' };

export async function startChaosBigQuery(): Promise<{ url: string; stop(): Promise<void> } | { reason: string }> {
  let reason = '';
  const emu = await startBigQueryEmulator({
    ...ANALYTICS,
    log: (line: string) => {
      reason = line;
    },
  });
  return emu ?? { reason };
}

type Counts = Record<string, { ids: Map<string, number> }>;

async function rows(url: string): Promise<Map<string, Counts>> {
  const sql = `SELECT payment_id, event_type, event_id, COUNT(*) AS copies FROM \`${ANALYTICS.project}.${ANALYTICS.dataset}.payment_events\` GROUP BY payment_id, event_type, event_id`;
  const res = await fetch(`${url}/bigquery/v2/projects/${ANALYTICS.project}/queries`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: sql, useLegacySql: false, maxResults: 100_000 }),
    signal: AbortSignal.timeout(30_000),
  });
  if (!res.ok) throw new Error(`BigQuery query answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  const answer = (await res.json()) as { rows?: Array<{ f: Array<{ v: string | null }> }> };
  const out = new Map<string, Counts>();
  for (const r of answer.rows ?? []) {
    const [payment, type, id, copies] = r.f.map((c) => c.v ?? '');
    const byType = out.get(payment!) ?? {};
    const seen = byType[type!] ?? { ids: new Map<string, number>() };
    seen.ids.set(id!, Number(copies));
    byType[type!] = seen;
    out.set(payment!, byType);
  }
  return out;
}

export async function analyticsLine(ctx: Ctx, bigquery: { url: string } | { reason: string }): Promise<Line> {
  const scenario = '9 analytics: every event of every payment in BigQuery once';
  if ('reason' in bigquery)
    return { scenario, tried: 0, succeeded: 0, lost: 0, duplicated: 0, explained: 0, failed: [bigquery.reason], notes: 'not run' };
  const ledger = await ctx.sandbox.ledger();
  const ids = [...new Set([...ledger.sessions.map((s) => s.paymentId), ...Object.keys(ledger.initCalls)])];
  const views = (await pool(ids, 20, async (id) => [id, await ctx.api.adminPayment('s9', id).catch(() => null)] as const)).filter(
    ([, v]) => v !== null,
  );
  const expected = (v: NonNullable<(typeof views)[number][1]>) => ({
    payment_created: 1,
    status_changed: v.transitions.length - 1,
    shop_postback_attempt: v.postbackAttempts.length,
  });
  let lost = 0;
  let duplicated = 0;
  let explained = 0;
  const missing: string[] = [];
  const judge = (got: Map<string, Counts>) => {
    lost = 0;
    duplicated = 0;
    explained = 0;
    missing.length = 0;
    for (const [id, v] of views) {
      for (const [type, want] of Object.entries(expected(v!))) {
        const seen = got.get(id)?.[type]?.ids ?? new Map<string, number>();
        const copies = [...seen.values()].reduce((a, n) => a + n - 1, 0);
        duplicated += copies + Math.max(0, seen.size - want);
        explained += copies;
        if (seen.size < want) {
          lost += want - seen.size;
          missing.push(`${id} ${type} ${seen.size}/${want}`);
        }
      }
    }
    return lost === 0;
  };
  const url = bigquery.url;
  // The queue retries every 2 s at most; give the last events of the run time to land.
  const settled = await waitFor(async () => judge(await rows(url)), 30_000, 2000);
  if (!settled) judge(await rows(url));
  const events = views.reduce((a, [, v]) => a + Object.values(expected(v!)).reduce((x, y) => x + y, 0), 0);
  return {
    scenario,
    tried: events,
    succeeded: events - lost,
    lost,
    duplicated,
    explained,
    failed: [],
    notes: `${views.length} payments Bansky knows, ${events} events their records imply (created, each status change, each postback attempt), compared with the emulator's rows${missing.length ? `; missing e.g. ${missing.slice(0, 3).join(', ')}` : ''}`,
    details: { missing },
  };
}
