/**
 * Scenario 3: a shop's endpoint is down (503) for a while, then up. Expected: every event
 * delivered once the endpoint is back, each under one webhook-id, signatures valid with the
 * shop's whsec_ secret, and the retries spaced as the configured schedule says.
 */
import { body, type Ctx, duplicates, pct, SCHEDULE, secs, undocumented5xx } from './common.ts';
import { pool, sleep, waitFor } from './harness.ts';
import type { Line } from './report.ts';

const SHOP = 'outage';

export async function outageScenario(ctx: Ctx): Promise<Line> {
  const { P, api, shops, creds, runId } = ctx;
  const shop = creds[SHOP]!;
  shops.set(SHOP, 'ep', 'down');
  const ids = await pool(
    Array.from({ length: P.outagePayments }, (_, i) => i),
    10,
    async (i) => {
      const id = await api.initCreated('s3', shop, body(ctx, `s3-${runId}-${i}`, `o${i}@example.com`, shops.endpoint(SHOP, 'ep')));
      await api.settleAtBansky('s3', shop, id, i % 3 === 2 ? 'decline' : 'pay');
      return { id, type: i % 3 === 2 ? 'payment.failed' : 'payment.paid' };
    },
  );
  await sleep(P.outageDownMs);
  shops.set(SHOP, 'ep', 'ok');
  const upAt = Date.now();
  const mine = () => shops.receipts((r) => r.shop === SHOP);
  const deliveredIds = () => new Set(shops.acked((r) => r.shop === SHOP).map((r) => r.paymentId));
  await waitFor(() => deliveredIds().size >= ids.length, Math.max(...SCHEDULE) * 1000 * 2 + 5000);
  await sleep(1500); // time for a stray duplicate to show
  const all = mine();
  const acked = shops.acked((r) => r.shop === SHOP);
  const failed: string[] = [];
  const wrongType = ids.filter((p) => acked.some((r) => r.paymentId === p.id && r.type !== p.type)).length;
  if (wrongType) failed.push(`${wrongType} delivered with the wrong event type`);
  const unverified = all.filter((r) => !r.verified).length;
  if (unverified) failed.push(`${unverified} signatures did not verify`);
  // Retry gaps against the schedule: never cut short, never far behind.
  const early: number[] = [];
  const late: number[] = [];
  const gaps: number[] = [];
  for (const p of ids) {
    const times = all
      .filter((r) => r.paymentId === p.id)
      .map((r) => r.at)
      .sort((a, b) => a - b);
    for (let k = 1; k < times.length; k++) {
      const want = (SCHEDULE[Math.min(k - 1, SCHEDULE.length - 1)] ?? 0) * 1000;
      const gap = times[k]! - times[k - 1]!;
      gaps.push(gap / want);
      if (gap < want - 500) early.push(gap);
      if (gap > want + 4000) late.push(gap);
    }
  }
  if (early.length) failed.push(`${early.length} retries earlier than the schedule`);
  const lateNotes = late.length ? [`${late.length} retries over 4 s behind the schedule`] : [];
  failed.push(...undocumented5xx(ctx, 's3'));
  const dups = duplicates(all);
  const lastAck = Math.max(...acked.map((r) => r.at));
  return {
    scenario: `3 shop endpoint down ${secs(P.outageDownMs)}, then up`,
    tried: ids.length,
    succeeded: deliveredIds().size,
    lost: ids.length - deliveredIds().size,
    duplicated: dups.duplicated,
    explained: dups.explained,
    failed,
    late: lateNotes,
    notes: `${all.length} attempts for ${ids.length} events (${new Set(all.map((r) => r.webhookId)).size} webhook-ids), all delivered ${secs(Math.max(0, lastAck - upAt))} after the endpoint came back; retry gap / schedule p50 ×${pct(gaps, 50).toFixed(2)}, max ×${Math.max(...gaps).toFixed(2)} (schedule ${SCHEDULE.join('/')} s)`,
  };
}
