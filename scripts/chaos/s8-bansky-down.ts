/**
 * Scenario 8: Bansky unreachable, then slow — through the relay between the Worker and the sandbox
 * (bansky-proxy.ts), the sandbox's ledger staying the truth of what Bansky did.
 *  8a refuses connections: every init answers the documented 502 bansky_error (a replay too), the
 *     payment reads init_failed, and Bansky has no trace of it; once Bansky is back, inits succeed.
 *  8b answers in 1.5 s (under our 2.5 s BANSKY_TIMEOUT_MS): every init 201, just slower.
 *  8c answers in 4 s (over it): 504 bansky_timeout, but Bansky did open a checkout; the customer
 *     pays it anyway, Bansky's postback arrives, and the payment ends paid with payment.paid sent.
 */
import type { BanskyProxy } from './bansky-proxy.ts';
import { body, type Ctx, derivedPaymentId, duplicates, ms, pct, undocumented5xx } from './common.ts';
import { type InitAnswer, pool, waitFor } from './harness.ts';
import type { Line } from './report.ts';

const SHOP = 'bansky';
const SLOW_MS = 1500;
const SLOWER_MS = 4000;

export async function banskyDownScenario(ctx: Ctx, proxy: BanskyProxy): Promise<Line[]> {
  const { P, api, sandbox, shops, creds, runId } = ctx;
  const shop = creds[SHOP]!;
  const n = Math.max(3, P.perFault * 2);
  const make = (tag: string) => (i: number) => body(ctx, `s8-${tag}-${runId}-${i}`, `b${i}@example.com`, shops.endpoint(SHOP, 'ep'));
  const twice = async (b: ReturnType<ReturnType<typeof make>>): Promise<[InitAnswer, InitAnswer]> => [
    await api.init('s8', shop, b),
    await api.init('s8', shop, b),
  ];
  const idx = Array.from({ length: n }, (_, i) => i);

  // 8a: connection refused.
  await proxy.set({ kind: 'refuse' });
  const refused = await pool(idx, 5, (i) => twice(make('refused')(i)));
  await proxy.set({ kind: 'pass' });
  const after = await pool(idx, 5, (i) => api.init('s8', shop, make('back')(i)));
  const ledger = await sandbox.ledger();
  const failedA: string[] = [];
  let okA = 0;
  let lostA = 0;
  for (const [i, [first, again]] of refused.entries()) {
    const problems: string[] = [];
    if (first.status !== 502 || first.code !== 'bansky_error') problems.push(`init ${first.status} ${first.code ?? ''}`);
    if (again.status !== 502 || !again.replayed)
      problems.push(`replay ${again.status}${again.replayed ? '' : ' without Idempotent-Replayed'}`);
    const id = first.id ?? again.id ?? derivedPaymentId(shop.shopId, `s8-refused-${runId}-${i}`);
    if (id && (ledger.initCalls[id] ?? 0) > 0) problems.push('Bansky saw an init through a refused connection');
    const p = id ? await api.payment('s8', shop, id).catch(() => null) : null;
    if (id && ledger.sessions.some((x) => x.paymentId === id) && !p) lostA++;
    if (p && p.status !== 'init_failed') problems.push(`state ${p.status}`);
    if (problems.length) failedA.push(...problems);
    else okA++;
  }
  const backOk = after.filter((a) => a.status === 201).length;
  if (backOk < after.length) failedA.push(`${after.length - backOk} inits failed after Bansky came back`);

  // 8b: slow, within our timeout.
  await proxy.set({ kind: 'slow', answerAfterMs: SLOW_MS });
  const slow = await pool(idx, 5, (i) => api.init('s8', shop, make('slow')(i)));
  // 8c: slower than our timeout: Bansky opens the checkout, our init gives up.
  await proxy.set({ kind: 'slow', answerAfterMs: SLOWER_MS });
  const slower = await pool(idx, 5, (i) => api.init('s8', shop, make('slower')(i)));
  await proxy.set({ kind: 'pass' });
  const failedB = slow.filter((a) => a.status !== 201).map((a) => `init ${a.status} ${a.code ?? ''}`.trim());

  const failedC: string[] = [];
  let okC = 0;
  let lostC = 0;
  const paidIds: string[] = [];
  await pool(slower, 5, async (a, i) => {
    const id = a.id ?? derivedPaymentId(shop.shopId, `s8-slower-${runId}-${i}`);
    if (a.status !== 504 || a.code !== 'bansky_timeout') failedC.push(`init ${a.status} ${a.code ?? ''}`.trim());
    // The checkout Bansky opened although our init stopped waiting: the customer pays it.
    const opened = await waitFor(async () => (await sandbox.stats(id)).sessions.length > 0, SLOWER_MS + 4000, 200);
    if (!opened) return void failedC.push('Bansky opened no checkout');
    const session = (await sandbox.stats(id)).sessions[0]!;
    await api.checkout('s8', `${sandbox.url}/checkout/${session.session}`, 'pay', false);
    paidIds.push(id);
  });
  await waitFor(() => paidIds.every((id) => shops.acked((r) => r.paymentId === id && r.type === 'payment.paid').length > 0), 20_000, 250);
  for (const id of paidIds) {
    const p = await api.payment('s8', shop, id).catch(() => null);
    const told = shops.acked((r) => r.paymentId === id && r.type === 'payment.paid').length > 0;
    if (p?.status !== 'paid' || !told) {
      lostC++; // paid at Bansky, not paid here or the shop not told
    } else okC++;
  }
  const dups = duplicates(shops.receipts((r) => r.shop === SHOP));
  const fivexx = undocumented5xx(ctx, 's8', [502, 504]);
  return [
    {
      scenario: '8a Bansky refuses connections, then is back',
      tried: refused.length,
      succeeded: okA,
      lost: lostA,
      duplicated: 0,
      explained: 0,
      failed: [...new Set(failedA), ...fivexx],
      notes: `each init 502 bansky_error (replay too), init_failed, no trace at Bansky; then ${backOk} of ${after.length} inits 201 once it listened again`,
    },
    {
      scenario: `8b Bansky answers in ${SLOW_MS / 1000} s (under our timeout)`,
      tried: slow.length,
      succeeded: slow.length - failedB.length,
      lost: 0,
      duplicated: 0,
      explained: 0,
      failed: [...new Set(failedB)],
      notes: `every init 201; p50 ${ms(
        pct(
          slow.map((a) => a.ms),
          50,
        ),
      )}, max ${ms(Math.max(...slow.map((a) => a.ms)))}`,
    },
    {
      scenario: `8c Bansky answers in ${SLOWER_MS / 1000} s (over our timeout)`,
      tried: slower.length,
      succeeded: okC,
      lost: lostC,
      duplicated: dups.duplicated,
      explained: dups.explained,
      failed: [...new Set(failedC)],
      notes:
        "504 bansky_timeout, yet Bansky opened the checkout; the customer paid it, Bansky's postback made it paid and the shop got payment.paid once",
    },
  ];
}
