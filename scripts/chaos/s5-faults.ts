/**
 * Scenario 5: Bansky misbehaving, through the sandbox's fault tags in the customer email
 * (sandbox/bansky/README.md). Each tag has its expected outcome: the init's answer (201, or the
 * documented 502 bansky_error / 504 bansky_timeout, also on replay), the payment's state, and the
 * events the shop receives. Some end only later, by reconciliation at the pay link's expiry.
 */
import type { PaymentStatus } from '../../generated/api/types.gen.ts';
import { body, type Ctx, derivedPaymentId, duplicates, undocumented5xx } from './common.ts';
import { pool, waitFor } from './harness.ts';
import type { Line } from './report.ts';

const SHOP = 'faults';

interface Case {
  tag: string;
  init: 201 | 502 | 504;
  /** What the customer does at Bansky (for init_timeout: at the checkout our init never saw). */
  customer?: 'pay' | 'decline';
  /** The state once the dust settles, and the shop's events then. */
  state: PaymentStatus;
  events: string[];
  /** Where reconciliation at expiry takes it, checked at the end of the run. */
  later?: { state: PaymentStatus; events: string[] };
  why: string;
}

const CASES: Case[] = [
  { tag: 'init_fail', init: 502, state: 'init_failed', events: [], why: 'Bansky 500 → 502 bansky_error' },
  { tag: 'init_reject', init: 502, state: 'init_failed', events: [], why: 'Bansky 400 → 502 bansky_error' },
  { tag: 'init_garbage', init: 502, state: 'init_failed', events: [], why: 'not the contract → 502' },
  { tag: 'init_html', init: 502, state: 'init_failed', events: [], why: 'HTML → 502' },
  {
    tag: 'init_timeout',
    init: 504,
    customer: 'pay',
    state: 'paid',
    events: ['payment.paid'],
    why: '504, then paid at the checkout anyway → paid',
  },
  { tag: 'postback_duplicate', init: 201, customer: 'pay', state: 'paid', events: ['payment.paid'], why: 'sent twice → one event' },
  {
    tag: 'postback_out_of_order',
    init: 201,
    customer: 'pay',
    state: 'paid',
    events: ['payment.paid'],
    why: 'stale "failed" after "paid" ignored',
  },
  { tag: 'postback_delay', init: 201, customer: 'pay', state: 'paid', events: ['payment.paid'], why: 'late postback applied' },
  {
    tag: 'postback_bad_signature',
    init: 201,
    customer: 'pay',
    state: 'awaiting_payment',
    events: [],
    later: { state: 'paid', events: ['payment.paid'] },
    why: 'refused (401); paid by reconciliation at expiry',
  },
  {
    tag: 'postback_wrong_amount',
    init: 201,
    customer: 'pay',
    state: 'awaiting_payment',
    events: [],
    later: { state: 'paid', events: ['payment.paid'] },
    why: 'refused (422); paid by reconciliation (status lookup has the right amount)',
  },
  {
    tag: 'postback_out_of_order+decline',
    init: 201,
    customer: 'decline',
    state: 'failed',
    events: ['payment.failed'],
    why: 'declined; stale "paid" ignored',
  },
];

interface Made {
  c: Case;
  id: string | null;
  init: number;
  replay: number;
  replayed: boolean;
}

export interface FaultsState {
  made: Made[];
  firstLook: Map<string, PaymentStatus | null>;
}

export async function faultsScenario(ctx: Ctx): Promise<FaultsState> {
  const { P, api, sandbox, shops, creds, runId } = ctx;
  const shop = creds[SHOP]!;
  const jobs = CASES.flatMap((c) => Array.from({ length: P.perFault }, (_, i) => ({ c, i })));
  const made = await pool(jobs, 12, async ({ c, i }): Promise<Made> => {
    const tags = c.tag.replace('+decline', '');
    const tx = `s5-${c.tag.replace(/\+/g, '-')}-${runId}-${i}`;
    const b = body(ctx, tx, `f${i}+${tags}@example.com`, shops.endpoint(SHOP, 'ep'));
    const first = await api.init('s5-init', shop, b);
    const again = await api.init('s5-init', shop, b); // a replay must give the same answer
    const id = first.id ?? again.id ?? (c.init !== 201 ? derivedPaymentId(shop.shopId, tx) : null);
    if (id && c.customer) {
      if (c.tag === 'init_timeout') {
        // The customer pays the checkout Bansky did open, although our init gave up on the answer.
        await waitFor(async () => (await sandbox.stats(id)).sessions.length > 0, 8000, 100);
        const session = (await sandbox.stats(id)).sessions[0];
        if (session) await api.checkout('s5', `${sandbox.url}/checkout/${session.session}`, c.customer, false);
      } else {
        await api.customer('s5', id, c.customer, false);
      }
    }
    return { c, id, init: first.status, replay: again.status, replayed: again.replayed };
  });
  // Settle: each reaches its state (or the wait ends); the refused postbacks get time to be refused.
  const firstLook = new Map<string, PaymentStatus | null>();
  await waitFor(
    async () => {
      await pool(
        made.filter((m) => m.id),
        10,
        async (m) => firstLook.set(m.id!, (await api.payment('s5', shop, m.id!).catch(() => null))?.status ?? null),
      );
      return made.every(
        (m) => m.id && firstLook.get(m.id) === m.c.state && shops.acked((r) => r.paymentId === m.id).length >= m.c.events.length,
      );
    },
    10_000,
    500,
  );
  return { made, firstLook };
}

/** One line per fault, judged at the end of the run (after the reconciliations at expiry). */
export async function faultsLines(ctx: Ctx, s: FaultsState): Promise<Line[]> {
  const shop = ctx.creds[SHOP]!;
  const later = s.made.filter((m) => m.c.later && m.id);
  await waitFor(
    async () => {
      const now = await pool(later, 10, async (m) => (await ctx.api.payment('s5', shop, m.id!).catch(() => null))?.status);
      return now.every((st, i) => st === later[i]!.c.later!.state);
    },
    40_000,
    1000,
  );
  const fivexx = undocumented5xx(ctx, 's5-init', [502, 504]).concat(undocumented5xx(ctx, 's5'));
  return Promise.all(
    CASES.map(async (c, ci): Promise<Line> => {
      const mine = s.made.filter((m) => m.c === c);
      const failed: string[] = [];
      let ok = 0;
      let lost = 0;
      let duplicated = 0;
      let explained = 0;
      for (const m of mine) {
        const problems: string[] = [];
        if (m.init !== c.init) problems.push(`init ${m.init} (want ${c.init})`);
        if (m.replay !== (c.init === 201 ? 200 : c.init) || !m.replayed)
          problems.push(`replay ${m.replay}${m.replayed ? '' : ' without Idempotent-Replayed'}`);
        if (!m.id) {
          problems.push('no payment id');
        } else {
          const want = c.later ?? c;
          const first = s.firstLook.get(m.id);
          if (first !== c.state) problems.push(`state ${first} (want ${c.state})`);
          const end = (await ctx.api.payment('s5', shop, m.id).catch(() => null))?.status;
          if (c.later && end !== c.later.state) problems.push(`after expiry ${end} (want ${c.later.state})`);
          const calls = (await ctx.sandbox.stats(m.id)).initCalls;
          duplicated += Math.max(0, calls - 1);
          const receipts = ctx.shops.receipts((r) => r.paymentId === m.id);
          const types = new Set(ctx.shops.acked((r) => r.paymentId === m.id).map((r) => r.type));
          for (const e of want.events) if (!types.has(e)) lost++;
          const unexpected = [...types].filter((t) => !want.events.includes(t));
          if (unexpected.length) problems.push(`shop told ${unexpected.join(', ')}`);
          if (receipts.some((r) => !r.verified)) problems.push('bad signature on our postback');
          const d = duplicates(receipts);
          duplicated += d.duplicated;
          explained += d.explained;
        }
        if (problems.length) failed.push(...problems);
        else ok++;
      }
      const uniq = [...new Set(failed)];
      if (ci === 0) uniq.push(...fivexx); // the run's undocumented 5xx, once
      return {
        scenario: `5 Bansky ${c.tag}`,
        tried: mine.length,
        succeeded: ok,
        lost,
        duplicated,
        explained,
        failed: uniq,
        notes: `${c.tag}: ${c.why}`,
      };
    }),
  );
}
