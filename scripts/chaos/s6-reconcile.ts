/**
 * Scenario 6: Bansky's postbacks lost (`postback_none`) for payments the customer did pay.
 * Half the customers come back through our /integration/success wrapper (we ask Bansky then),
 * half never do (we ask when the pay link expires). Expected: all paid, never expired, one
 * `payment.paid` each; unpaid controls expire with `payment.expired`.
 */
import type { PaymentStatus } from '../../generated/api/types.gen.ts';
import { body, type Ctx, duplicates, ms, pct, undocumented5xx } from './common.ts';
import { pool, waitFor } from './harness.ts';
import type { Line } from './report.ts';

const SHOP = 'recon';

interface Made {
  id: string;
  /** `late`: unpaid, expires, then Bansky's `paid` arrives after all (money moved late). */
  kind: 'return' | 'expiry' | 'control' | 'late';
  returnedAt: number | null;
}

export async function reconcileStart(ctx: Ctx): Promise<Made[]> {
  const { P, api, shops, creds, runId } = ctx;
  const shop = creds[SHOP]!;
  const kinds: Made['kind'][] = [
    ...Array.from({ length: P.reconcile }, (_, i): Made['kind'] => (i % 2 === 0 ? 'return' : 'expiry')),
    ...Array.from({ length: P.reconcileControls }, (): Made['kind'] => 'control'),
    ...Array.from({ length: P.reconcileControls }, (): Made['kind'] => 'late'),
  ];
  return pool(kinds, 10, async (kind, i) => {
    // `late` pays at Bansky after the expiry, and Bansky's postback of it must arrive: no fault tag.
    const email = kind === 'late' ? `c${i}@example.com` : `c${i}+postback_none@example.com`;
    const id = await api.initCreated('s6', shop, body(ctx, `s6-${runId}-${i}`, email, shops.endpoint(SHOP, 'ep')));
    const a = { id };
    let returnedAt: number | null = null;
    if (kind === 'return' || kind === 'expiry') {
      const before = Date.now();
      const r = await api.customer('s6', a.id!, 'pay', kind === 'return');
      if (!r.ok) throw new Error(`scenario 6: the customer's way through answered ${r.steps.join(' → ')}`);
      if (kind === 'return') returnedAt = before; // from the click on Pay: the return follows at once
    }
    return { id: a.id!, kind, returnedAt };
  });
}

export async function reconcileLines(ctx: Ctx, made: Made[]): Promise<Line[]> {
  const want = (m: Made): PaymentStatus => (m.kind === 'control' ? 'expired' : 'paid');
  const events = (m: Made) =>
    m.kind === 'control' ? ['payment.expired'] : m.kind === 'late' ? ['payment.expired', 'payment.paid'] : ['payment.paid'];
  const told = (m: Made, type: string) => ctx.shops.acked((r) => r.paymentId === m.id && r.type === type).length > 0;
  // Bansky's late `paid` for the `late` ones, once the shop has heard they expired.
  const late = Promise.all(
    made
      .filter((m) => m.kind === 'late')
      .map(async (m) => {
        if (await waitFor(() => told(m, 'payment.expired'), 100_000, 500)) {
          // The customer, still on Bansky's checkout page, pays after all; Bansky posts its `paid`.
          const session = (await ctx.sandbox.stats(m.id)).sessions[0];
          if (session) await ctx.api.checkout('s6', `${ctx.sandbox.url}/checkout/${session.session}`, 'pay', false);
        }
      }),
  );
  const done = () => made.every((m) => events(m).every((e) => told(m, e)));
  await waitFor(done, 100_000, 1000); // the pay link's 60 s, the alarm, the lookup, the postback
  await late;
  const views = await pool(made, 10, (m) => ctx.api.adminPayment('s6', m.id));
  const line = (kinds: Made['kind'][], scenario: string, how: string): Line => {
    const mine = made.map((m, i) => ({ m, v: views[i]! })).filter(({ m }) => kinds.includes(m.kind));
    const failed: string[] = [];
    let ok = 0;
    let lost = 0;
    const delays: number[] = [];
    for (const { m, v } of mine) {
      const types = ctx.shops.acked((r) => r.paymentId === m.id).map((r) => r.type);
      const good = v?.payment.status === want(m) && events(m).every((e) => types.includes(e)) && types.every((t) => events(m).includes(t));
      if (good) ok++;
      else if (m.kind !== 'control' && v?.payment.status !== 'paid')
        lost++; // money moved, not recorded
      else if (events(m).some((e) => !types.includes(e)))
        lost++; // the shop was not told
      else failed.push(`${m.kind}: ${v?.payment.status} with ${types.join(', ') || 'no event'}`);
      if ((m.kind === 'return' || m.kind === 'expiry') && v?.transitions.some((t) => t.status === 'expired'))
        failed.push('expired before it was found paid');
      const paidAt = v?.transitions.find((t) => t.status === 'paid')?.at;
      if (paidAt && m.returnedAt) delays.push(Date.parse(paidAt) - m.returnedAt);
      if (paidAt && m.kind === 'expiry') delays.push(Date.parse(paidAt) - Date.parse(v!.payment.expiresAt));
      const expiredAt = v?.transitions.find((t) => t.status === 'expired')?.at;
      if (paidAt && expiredAt && m.kind === 'late') delays.push(Date.parse(paidAt) - Date.parse(expiredAt));
    }
    const dups = duplicates(ctx.shops.receipts((r) => mine.some(({ m }) => m.id === r.paymentId)));
    return {
      scenario,
      tried: mine.length,
      succeeded: ok,
      lost,
      duplicated: dups.duplicated,
      explained: dups.explained,
      failed: [...new Set(failed), ...undocumented5xx(ctx, 's6')],
      notes: `${how}${delays.length ? ` p50 ${ms(pct(delays, 50))}, max ${ms(Math.max(...delays))}` : ''}`,
    };
  };
  return [
    line(['return'], '6a Bansky postback lost, customer returns', 'paid by the status check on /integration/success: Pay clicked → paid'),
    line(
      ['expiry', 'control'],
      '6b Bansky postback lost, nobody returns',
      `paid by the status check at expiry (${made.filter((m) => m.kind === 'control').length} unpaid controls expired): expiresAt → paid`,
    ),
    line(
      ['late'],
      "6c expired, then Bansky's paid arrives",
      "expired (payment.expired), then paid at Bansky's still-open checkout, Bansky's own postback (payment.paid under its own webhook-id); expired → paid",
    ),
  ];
}
