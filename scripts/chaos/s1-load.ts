/**
 * Scenario 1: inits at concurrency across several shops, a fifth of them reusing an earlier shop
 * transaction id with the same body (half of those right beside the original, so they race).
 * Expected: one payment per transaction id, one 201 and otherwise 200 Idempotent-Replayed, every
 * payment readable, exactly one Bansky init call per payment.
 */
import { body, type Ctx, duplicates, followTransactions, initFailureKind, ms, pct, undocumented5xx } from './common.ts';
import { type InitAnswer, pool } from './harness.ts';
import type { Line } from './report.ts';

export async function loadScenario(ctx: Ctx): Promise<{ line: Line; payments: Array<[id: string, shop: string]> }> {
  const { P, api, sandbox, shops, creds, runId } = ctx;
  const loadShops = Array.from({ length: P.loadShops }, (_, i) => creds[`load${i}`]!);
  const unique = Math.round(P.inits * 0.8);
  const reqs: Array<{ shop: number; tx: string; key: number }> = [];
  for (let i = 0; i < unique; i++) reqs.push({ shop: i % loadShops.length, tx: `s1-${runId}-${i}`, key: i });
  for (let j = 0; j < P.inits - unique; j++) {
    const k = Math.floor(Math.random() * unique);
    reqs.push({ ...reqs[k]!, key: j % 2 === 0 ? k + 0.5 : Math.random() * unique });
  }
  reqs.sort((a, b) => a.key - b.key);
  const bodyOf = (r: (typeof reqs)[number]) =>
    body(ctx, r.tx, `load${r.shop}@example.com`, shops.endpoint(loadShops[r.shop]!.name, 'ok'), `${10 + (r.tx.length % 7)}.00`);
  // The body must be the same for every request of one transaction id: derive it from the id alone.
  const bodies = new Map<string, ReturnType<typeof bodyOf>>();
  for (const r of reqs) if (!bodies.has(r.tx)) bodies.set(r.tx, bodyOf(r));

  const started = performance.now();
  // A 503 says "retry after 1 second with the same id" (the runtime flagged overload): the shop
  // does, up to three times; only the last answer counts.
  let retried503 = 0;
  const answers = await pool(reqs, P.concurrency, async (r) => {
    for (let attempt = 1; ; attempt++) {
      const a = await ctx.api
        .init('s1', loadShops[r.shop]!, bodies.get(r.tx)!)
        .catch(
          (err): InitAnswer => ({ status: 0, id: null, replayed: false, code: `${(err as Error).name}: ${(err as Error).message}`, ms: 0 }),
        );
      if (a.status !== 503 || attempt > 3) return a;
      retried503++;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  });
  const seconds = (performance.now() - started) / 1000;

  const failed: string[] = [];
  let duplicated = 0;
  const byTx = new Map<string, InitAnswer[]>();
  for (const [i, a] of answers.entries()) byTx.set(reqs[i]!.tx, [...(byTx.get(reqs[i]!.tx) ?? []), a]);
  const shopOf = new Map(reqs.map((r) => [r.tx, r.shop]));
  const paymentIds = new Map<string, number>(); // payment id → shop index
  let errors = 0;
  for (const [tx, group] of byTx) {
    const ok = group.filter((a) => a.status === 201 || (a.status === 200 && a.replayed));
    errors += group.length - ok.length;
    const ids = new Set(ok.map((a) => a.id!));
    const created = ok.filter((a) => a.status === 201).length;
    duplicated += Math.max(0, ids.size - 1) + Math.max(0, created - 1);
    for (const id of ids) paymentIds.set(id, shopOf.get(tx)!);
  }
  // Each init that did not answer 201 / 200 replayed, by whose timeout or what else it was.
  const kinds = new Map<string, number>();
  let onlyTimeouts = true;
  for (const a of answers.filter((x) => !(x.status === 201 || (x.status === 200 && x.replayed)))) {
    const k = initFailureKind(a);
    kinds.set(k.kind, (kinds.get(k.kind) ?? 0) + 1);
    if (!k.documentedTimeout) onlyTimeouts = false;
  }
  if (errors) failed.push(`${errors} inits answered neither 201 nor 200 replayed: ${[...kinds].map(([k, n]) => `${n}× ${k}`).join('; ')}`);

  // Every payment readable in its shop, and Bansky asked exactly once for it.
  let lost = 0;
  let banskyCalls = 0;
  await pool([...paymentIds], 20, async ([id, shop]) => {
    const p = await api.payment('s1', loadShops[shop]!, id).catch(() => null);
    const calls = (await sandbox.stats(id)).initCalls;
    banskyCalls += calls;
    if (p?.status !== 'awaiting_payment' || calls === 0) lost++;
    duplicated += Math.max(0, calls - 1);
  });
  // Every tried transaction id, answered or not, followed to the end against Bansky's ledger.
  const followed = await Promise.all(
    loadShops.map((shop, i) =>
      followTransactions(
        ctx,
        's1',
        shop,
        reqs.filter((r) => r.shop === i).map((r) => r.tx),
      ),
    ),
  );
  const forgotten = followed.flatMap((f) => f.lost);
  lost += forgotten.length;
  const absent = followed.reduce((a, f) => a + f.absent, 0);
  const dups = duplicates(shops.receipts((r) => r.shop.startsWith('load')));
  if (dups.duplicated) failed.push(`${dups.duplicated} postbacks for payments nobody paid`);
  if (forgotten.length)
    failed.push(`${forgotten.length} tried ids with a checkout at Bansky but no payment here: ${forgotten.slice(0, 3).join('; ')}`);
  // 502, 503 and 504 are listed with their cause in the line above (a retried 503 is no failure);
  // any other 5xx is a finding of its own.
  failed.push(...undocumented5xx(ctx, 's1', [502, 503, 504]));
  const replays = answers.filter((a) => a.status === 200 && a.replayed).length;
  const lat = answers.filter((a) => a.status).map((a) => a.ms);
  const line: Line = {
    scenario: `1 ${P.inits} inits, ${P.concurrency} concurrent, ${P.loadShops} shops, 20 % reused ids`,
    tried: P.inits,
    succeeded: answers.length - errors,
    lost,
    duplicated,
    explained: 0,
    failed,
    onlyTimeouts: errors > 0 && onlyTimeouts && lost === 0 && duplicated === 0 && failed.length === 1,
    notes: `${paymentIds.size} payments (${unique} distinct ids; of all ${unique} tried, ${unique - absent} readable, ${absent} absent at Bansky too, ${forgotten.length} forgotten with a Bansky checkout), ${replays} replays answered 200 Idempotent-Replayed, ${retried503} answers 503 retried after 1 s as it says, ${banskyCalls} Bansky init calls; ${(P.inits / seconds).toFixed(0)} req/s, p50 ${ms(pct(lat, 50))}, p99 ${ms(pct(lat, 99))}`,
  };
  return { line, payments: [...paymentIds].map(([id, shop]) => [id, loadShops[shop]!.name]) };
}
