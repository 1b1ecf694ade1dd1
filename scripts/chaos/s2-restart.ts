/**
 * Scenario 2: SIGKILL of the runtime mid-load, then a restart on the same state folder.
 *
 * Before the kill: final payments whose shop endpoint answers 503 (their postbacks are between
 * retries), final payments whose endpoint refuses connections (they must end dead-lettered), and
 * a stream of inits, half of them paid at once (their first postback attempts race the kill).
 * After the restart the endpoint answers again. Expected: every payment that got a 201 is
 * readable; every final payment's postback is delivered or dead-lettered, and none is still
 * pending without a fresh attempt one retry interval plus the alarm's grace after the restart.
 */
import { freePort } from '../lib/ports.mjs';
import {
  body,
  type Ctx,
  derivedPaymentId,
  duplicates,
  followTransactions,
  SCHEDULE,
  SWEEP_GRACE_S,
  secs,
  undocumented5xx,
} from './common.ts';
import { killRuntime, pool, type RunningWorker, sleep, waitFor } from './harness.ts';
import type { Line } from './report.ts';

const SHOP = 'restart';
/** Slack on top of one retry interval and the grace: the restart's own alarm backlog and the attempt itself. */
const SLACK_S = 3;

export interface RestartState {
  killAt: number;
  restartAt: number;
  sent: number;
  /** Every transaction id the load sent (whether or not an answer came back). */
  txs: string[];
  created: string[];
  cutOff: number;
  statuses: Record<number, number>;
  retrying: string[];
  dead: string[];
  paidInLoad: string[];
  killedPids: number[];
  /** Customers whose way back from Bansky the kill cut off; they reloaded it after the restart. */
  returnedAfterRestart: number;
  /** When the last customer was back through our return wrapper (after those reloads). */
  returnsDoneAt: number;
  /** Postback deliveries the shop had received but not yet answered at the kill. */
  inFlight: number;
}

export async function restartBefore(ctx: Ctx, worker: RunningWorker, restart: () => Promise<void>): Promise<RestartState> {
  const { P, api, shops, creds, runId } = ctx;
  const shop = creds[SHOP]!;
  shops.set(SHOP, 'flaky', 'down');
  const deadUrl = `http://127.0.0.1:${await freePort()}/nobody-listens`;
  // The customer pays (or declines) at Bansky's checkout; Bansky's own signed postback makes it final.
  const make = async (n: number, tag: string, url: string) =>
    pool(
      Array.from({ length: n }, (_, i) => i),
      10,
      async (i) => {
        const id = await api.initCreated('s2', shop, body(ctx, `s2-${tag}-${runId}-${i}`, `r${i}@example.com`, url));
        await api.settleAtBansky('s2', shop, id, i % 2 ? 'decline' : 'pay');
        return id;
      },
    );
  const retrying = await make(P.restartRetrying, 'retry', shops.endpoint(SHOP, 'flaky'));
  const dead = await make(P.restartDead, 'dead', deadUrl);
  // Every retrying postback has failed once; kill while they wait for their next attempt.
  await waitFor(() => new Set(shops.receipts((r) => r.shop === SHOP).map((r) => r.paymentId)).size >= retrying.length, 10_000);
  await sleep(1200);

  // The load: inits of postback payments, half paid at Bansky straight away, their postbacks to an
  // endpoint that takes 1.5 s to answer; SIGKILL while inits, customers, Bansky's postbacks and our
  // deliveries are all in flight.
  let stop = false;
  let sent = 0;
  const txs: string[] = [];
  const created: string[] = [];
  const paidInLoad: string[] = [];
  const returnAfterRestart: string[] = [];
  let cutOff = 0;
  let killing = false;
  const statuses: Record<number, number> = {};
  const lane = async (lane: number) => {
    for (let i = 0; !stop; i++) {
      sent++;
      const tx = `s2-load-${runId}-${lane}-${i}`;
      txs.push(tx);
      try {
        const a = await api.init('s2-load', shop, body(ctx, tx, `l${lane}@example.com`, shops.endpoint(SHOP, 'slow')), 5_000);
        if (a.status === 201 && a.id === null) {
          // The kill cut the answer off after its status line: the shop never read an id, so this is
          // an init cut off without an answer (line 2a checks it), not a payment it knows.
          cutOff++;
          continue;
        }
        statuses[a.status] = (statuses[a.status] ?? 0) + 1;
        if (a.status === 201) {
          created.push(a.id!);
          if (i % 2 === 0 && !stop) {
            // Paid at Bansky's checkout (303 back): money moved, whatever happens to us next. The
            // customer then comes back through our return wrapper; one the kill cut off reloads
            // that page once we answer again, as a browser's user would.
            const paid = await api.customer('s2-load', a.id!, 'pay', false).catch(() => ({ ok: false }));
            if (paid.ok) {
              paidInLoad.push(a.id!);
              if (!(await api.returnFromBansky('s2-load', a.id!))) returnAfterRestart.push(a.id!);
            }
          }
        }
      } catch (err) {
        if (killing && refused(err)) {
          // The Worker is gone: this init never reached it, so it cannot have been stored. Not
          // counted as tried, and the lane stops: left running until the kill returned, the lanes
          // piled up thousands of such ids (4 104 in one run), and reading each back later woke a
          // Durable Object per id, all in one workerd process (SQLite ran out of memory).
          txs.splice(txs.indexOf(tx), 1);
          sent--;
          return;
        }
        cutOff++;
      }
    }
  };
  shops.set(SHOP, 'slow', 'slow');
  const lanes = Promise.all(Array.from({ length: 16 }, (_, i) => lane(i)));
  // Long enough for deliveries to be under way (a loaded machine gets fewer inits through).
  await waitFor(() => paidInLoad.length >= 4, P.restartLoadMs * 4, 100);
  await sleep(P.restartLoadMs);
  const killAt = Date.now();
  const inFlight = shops.receipts((r) => r.endpoint === 'slow' && r.answered === null).length;
  ctx.probes.down();
  killing = true;
  const { killed } = await killRuntime(worker); // the lanes are still sending
  stop = true;
  await lanes;
  ctx.log(
    `  SIGKILLed workerd ${killed.join(', ')} and wrangler after ${sent} inits (${created.length} got 201); restarting on the same state`,
  );
  await restart();
  const restartAt = Date.now();
  ctx.probes.up();
  shops.set(SHOP, 'flaky', 'ok');
  for (const id of returnAfterRestart) await api.returnFromBansky('s2-load', id);
  const returnsDoneAt = Date.now();
  return {
    returnsDoneAt,
    killAt,
    restartAt,
    sent,
    txs,
    created,
    cutOff,
    statuses,
    retrying,
    dead,
    paidInLoad,
    returnedAfterRestart: returnAfterRestart.length,
    killedPids: killed,
    inFlight,
  };
}

/** 2a, right after the restart: every 201 of the load readable, each with one Bansky call; line 1's payments too. */
export async function restartReadable(ctx: Ctx, s: RestartState, earlier: Array<[id: string, shop: string]>): Promise<Line> {
  const shop = ctx.creds[SHOP]!;
  let lost = 0;
  let duplicated = 0;
  await pool(s.created, 20, async (id) => {
    const p = await ctx.api.payment('s2', shop, id).catch(() => null);
    const calls = (await ctx.sandbox.stats(id)).initCalls;
    if (!p || calls === 0) lost++;
    duplicated += Math.max(0, calls - 1);
  });
  // Every tried transaction id of the load (answered or cut off): readable, or absent at Bansky too.
  const followed = await followTransactions(ctx, 's2', shop, s.txs);
  lost += followed.lost.length;
  let earlierLost = 0;
  await pool(earlier, 20, async ([id, name]) => {
    if (!(await ctx.api.payment('s2', ctx.creds[name]!, id).catch(() => null))) earlierLost++;
  });
  const other = Object.entries(s.statuses).filter(([k]) => k !== '201');
  return {
    scenario: '2a SIGKILL mid-load, restart: every 201 readable',
    tried: s.created.length + earlier.length,
    succeeded: s.created.length + earlier.length - lost - earlierLost,
    lost: lost + earlierLost,
    duplicated,
    explained: 0,
    failed: [
      ...undocumented5xx(ctx, 's2'),
      ...(followed.lost.length
        ? [`${followed.lost.length} tried ids with a Bansky checkout we do not know: ${followed.lost.slice(0, 3).join('; ')}`]
        : []),
    ],
    notes: `of the ${s.txs.length} tried ids ${followed.readable} readable (${Object.entries(followed.states)
      .map(([k, n]) => `${n} ${k}`)
      .join(
        ', ',
      )}), ${followed.absent} absent at Bansky too; ${s.created.length} of ${s.sent} inits answered 201 before the kill (${s.cutOff} cut off without an answer${other.length ? `, others ${other.map(([k, n]) => `${n}× ${k}`).join(', ')}` : ''}) and line 1's ${earlier.length} payments, read after the restart; SIGKILL of workerd ${s.killedPids.join(', ')} and the rest of wrangler dev, restart ${secs(s.restartAt - s.killAt)} later on the same state`,
  };
}

/** The payment object's grace for an init cut off mid-call (src/core/payments/payment-object.ts INIT_GRACE_MS) plus the run's BANSKY_TIMEOUT_MS. */
const HALF_STARTED_SETTLE_MS = 60_000 + 2500;

/** 2a, at the end: no payment the kill cut off mid-init is left half-started (`created`) once its alarm was due. */
export async function restartHalfStarted(ctx: Ctx, s: RestartState, line: Line): Promise<Line> {
  const shop = ctx.creds[SHOP]!;
  const cut = s.txs.map((tx) => derivedPaymentId(shop.shopId, tx)).filter((id) => !s.created.includes(id));
  const look = () => pool(cut, 10, async (id) => (await ctx.api.payment('s2', shop, id).catch(() => null))?.status ?? 'none');
  await sleep(Math.max(0, s.killAt + HALF_STARTED_SETTLE_MS + 5000 - Date.now()));
  let states = await look();
  if (states.includes('created')) {
    await waitFor(
      async () => {
        states = await look();
        return !states.includes('created');
      },
      10_000,
      1000,
    );
  }
  const count = (st: string) => states.filter((x) => x === st).length;
  const failed = [...line.failed];
  if (count('created')) failed.push(`${count('created')} cut-off inits still created ${secs(Date.now() - s.killAt)} after the kill`);
  const seen = [...new Set(states)].map((st) => `${count(st)} ${st === 'none' ? 'never stored' : st}`).join(', ');
  return { ...line, failed, notes: `${line.notes}; the ${cut.length} inits without a 201: ${seen || 'none'}` };
}

interface Verdict {
  id: string;
  kind: 'retrying' | 'dead' | 'load';
  status: string;
  /** Every attempt the payment recorded, ms relative to the kill, and whether the shop acknowledged it. */
  attempts: Array<[ms: number, ok: boolean]>;
  attemptsAfterRestart: number;
  firstAfterRestart: number | null;
}

/** 2b, at the deadline (start it right after the restart; it sleeps until then): every final payment's postback delivered, dead-lettered, or pending with a fresh attempt. */
export async function restartPostbacksAtDeadline(ctx: Ctx, s: RestartState): Promise<Verdict[]> {
  const deadline = s.restartAt + (Math.max(...SCHEDULE) + SWEEP_GRACE_S + SLACK_S) * 1000;
  const finals = await finalPayments(ctx, s);
  await sleep(Math.max(0, deadline - Date.now()));
  return verdicts(ctx, s, finals);
}

async function finalPayments(ctx: Ctx, s: RestartState): Promise<Array<{ id: string; kind: Verdict['kind'] }>> {
  const load = await pool(s.created, 20, async (id) => ((await ctx.api.adminPayment('s2', id))?.payment.status === 'paid' ? id : null));
  return [
    ...s.retrying.map((id) => ({ id, kind: 'retrying' as const })),
    ...s.dead.map((id) => ({ id, kind: 'dead' as const })),
    ...load.filter((id): id is string => id !== null).map((id) => ({ id, kind: 'load' as const })),
  ];
}

async function verdicts(ctx: Ctx, s: RestartState, finals: Array<{ id: string; kind: Verdict['kind'] }>): Promise<Verdict[]> {
  return pool(finals, 20, async ({ id, kind }) => {
    const p = await ctx.api.adminPayment('s2', id);
    const after = (p?.postbackAttempts ?? []).map((a) => Date.parse(a.at)).filter((t) => t >= s.killAt);
    const attempts = (p?.postbackAttempts ?? []).map((a): [number, boolean] => [Date.parse(a.at) - s.killAt, a.ok]);
    return {
      id,
      kind,
      status: p?.payment.postback.status ?? 'missing',
      attempts,
      attemptsAfterRestart: after.length,
      firstAfterRestart: after.length ? Math.min(...after) : null,
    };
  });
}

/**
 * A status check booked on the customer's return is run by the payment's alarm this long after the
 * return when its run after the answer was lost (src/core/payments/state.ts
 * `STATUS_CHECK_AFTER_RETURN_MS`), then after the first backoff step if Bansky did not answer; plus
 * this run's slack. A paid payment still awaiting later than this was lost, not late.
 */
const STATUS_CHECK_WINDOW_S = 5 + 30 + SLACK_S;

/** 2b, at the end of the run: delivered (or, for the endpoint that never answers, dead-lettered). */
export async function restartPostbacks(ctx: Ctx, s: RestartState, atDeadline: Verdict[]): Promise<Line> {
  const finals = atDeadline.map(({ id, kind }) => ({ id, kind }));
  await waitFor(
    async () => (await verdicts(ctx, s, finals)).every((v) => v.status === (v.kind === 'dead' ? 'dead_lettered' : 'delivered')),
    45_000,
    1000,
  );
  const end = await verdicts(ctx, s, finals);
  const deadLetters = await ctx.api.deadLetterIds('s2');
  const stuck = atDeadline.filter((v) => v.status === 'pending' && v.attemptsAfterRestart === 0);
  const wrongEnd = end.filter((v) => v.status !== (v.kind === 'dead' ? 'dead_lettered' : 'delivered'));
  const notListed = end.filter((v) => v.kind === 'dead' && !deadLetters.has(v.id));
  const ids = new Set(finals.map((f) => f.id));
  // A postback the shop acknowledged just before the kill, whose record of that the kill lost
  // (the payment shows no successful attempt before the kill), is redelivered under the same
  // webhook-id after the restart: at-least-once. Any other second acknowledgement is unexplained.
  const byId = new Map(end.map((v) => [v.id, v]));
  const dups = duplicates(
    ctx.shops.receipts((r) => ids.has(r.paymentId)),
    (first, again) => first.at <= s.killAt && again.at > s.killAt && !byId.get(first.paymentId)?.attempts.some(([t, ok]) => ok && t <= 0),
  );
  // Paid at Bansky's checkout during the load: paid here by now — by Bansky's postback, or by the
  // status check booked on the customer's return (stored before the return answered, so a kill
  // that cut off its run leaves it to the payment's alarm). Awaited while that check may still be
  // within its retry window; still awaiting after it is lost (no longer "late until expiry").
  const withinCheckWindow = () => Date.now() - s.returnsDoneAt < STATUS_CHECK_WINDOW_S * 1000;
  const readPaid = () => pool(s.paidInLoad, 10, async (id) => ({ id, view: await ctx.api.adminPayment('s2', id).catch(() => null) }));
  let paidEnd = await readPaid();
  while (withinCheckWindow() && paidEnd.some(({ view }) => view?.payment.status === 'awaiting_payment')) {
    await sleep(1000);
    paidEnd = await readPaid();
  }
  const paidLost = paidEnd.filter(({ view }) => view?.payment.status !== 'paid').map(({ id }) => id);
  const dupEvidence = [...new Set(ctx.shops.acked((r) => ids.has(r.paymentId)).map((r) => r.webhookId))]
    .map((w) => ctx.shops.acked((r) => r.webhookId === w))
    .filter((acks) => acks.length > 1)
    .map((acks) => ({
      paymentId: acks[0]!.paymentId,
      webhookId: acks[0]!.webhookId,
      acksMsFromKill: acks.map((a) => a.at - s.killAt),
      recordedAttempts: byId.get(acks[0]!.paymentId)?.attempts,
    }));
  const failed: string[] = [];
  if (stuck.length)
    failed.push(`${stuck.length} pending with no attempt ${Math.max(...SCHEDULE) + SWEEP_GRACE_S + SLACK_S} s after the restart`);
  if (paidLost.length)
    failed.push(
      `${paidLost.length} paid at Bansky's checkout during the load but not paid here at the end (${STATUS_CHECK_WINDOW_S} s after the customers' returns, when the status check booked on the return should have run)`,
    );
  if (notListed.length) failed.push(`${notListed.length} dead-lettered but missing from the dead-letter list`);
  failed.push(...undocumented5xx(ctx, 's2'));
  const delays = atDeadline.filter((v) => v.firstAfterRestart !== null).map((v) => v.firstAfterRestart! - s.killAt);
  const count = (vs: Verdict[], st: string) => vs.filter((v) => v.status === st).length;
  return {
    scenario: '2b SIGKILL, restart: final postbacks delivered or dead-lettered',
    tried: finals.length,
    succeeded: finals.length - wrongEnd.length,
    lost: new Set([...stuck, ...wrongEnd].map((v) => v.id)).size + paidLost.length,
    duplicated: dups.duplicated,
    explained: dups.explained,
    failed,
    notes:
      `${s.retrying.length} mid-retry at the kill, ${s.dead.length} to an endpoint that refuses connections, ${finals.length - s.retrying.length - s.dead.length} paid at Bansky during the load (${s.inFlight} deliveries in flight at the kill, ${s.returnedAfterRestart} customers back only after the restart); ` +
      `${dups.duplicated ? `${dups.duplicated} acknowledged again after the restart (${dups.explained} whose acknowledgement before the kill the payment had not recorded); ` : ''}` +
      `${Math.max(...SCHEDULE) + SWEEP_GRACE_S + SLACK_S} s after the restart: ${count(atDeadline, 'delivered')} delivered, ${count(atDeadline, 'dead_lettered')} dead-lettered, ` +
      `${atDeadline.filter((v) => v.status === 'pending' && v.attemptsAfterRestart > 0).length} pending with a fresh attempt, ${stuck.length} stuck; ` +
      `first attempts after the kill ${delays.length ? `${secs(Math.min(...delays))} … ${secs(Math.max(...delays))}` : '—'} after it (the Worker answered again ${secs(s.restartAt - s.killAt)} after it); at the end ${count(end, 'delivered')} delivered, ${count(end, 'dead_lettered')} dead-lettered`,
    details: {
      killAt: new Date(s.killAt).toISOString(),
      restartMsAfterKill: s.restartAt - s.killAt,
      duplicates: dupEvidence,
      paidLost,
    },
  };
}

export interface CleanRestartState {
  stopAt: number;
  restartAt: number;
  ids: string[];
}

/**
 * 2c: the same for a clean stop (SIGINT, as Ctrl-C on `npm start`): final payments between
 * retries when wrangler dev is stopped, the endpoint answering again after the restart.
 */
export async function cleanRestartBefore(ctx: Ctx, stopAndStart: () => Promise<void>): Promise<CleanRestartState> {
  const { P, api, shops, creds, runId } = ctx;
  const shop = creds[SHOP]!;
  shops.set(SHOP, 'flaky2', 'down');
  const ids = await pool(
    Array.from({ length: Math.ceil(P.restartRetrying / 2) }, (_, i) => i),
    10,
    async (i) => {
      const id = await api.initCreated('s2', shop, body(ctx, `s2c-${runId}-${i}`, `c${i}@example.com`, shops.endpoint(SHOP, 'flaky2')));
      await api.settleAtBansky('s2', shop, id, 'pay');
      return id;
    },
  );
  await waitFor(() => new Set(shops.receipts((r) => r.endpoint === 'flaky2').map((r) => r.paymentId)).size >= ids.length, 10_000);
  await sleep(1200);
  const stopAt = Date.now();
  ctx.probes.down();
  await stopAndStart();
  const restartAt = Date.now();
  ctx.probes.up();
  shops.set(SHOP, 'flaky2', 'ok');
  return { stopAt, restartAt, ids };
}

export async function cleanRestartLine(ctx: Ctx, s: CleanRestartState): Promise<Line> {
  const budget = (Math.max(...SCHEDULE) + SWEEP_GRACE_S + SLACK_S) * 1000;
  const delivered = () => s.ids.filter((id) => ctx.shops.acked((r) => r.paymentId === id).length > 0);
  await waitFor(() => delivered().length === s.ids.length, Math.max(0, s.restartAt + budget - Date.now()), 250);
  const onTime = delivered();
  await waitFor(() => delivered().length === s.ids.length, 20_000, 500);
  const firsts = s.ids
    .map((id) => Math.min(...ctx.shops.acked((r) => r.paymentId === id).map((r) => r.at)) - s.restartAt)
    .filter(Number.isFinite);
  const dups = duplicates(ctx.shops.receipts((r) => s.ids.includes(r.paymentId)));
  const late =
    onTime.length < delivered().length
      ? [`${delivered().length - onTime.length} delivered only after ${secs(budget)} from the restart`]
      : [];
  return {
    scenario: '2c clean stop (SIGINT), restart: postbacks mid-retry delivered',
    tried: s.ids.length,
    succeeded: onTime.length,
    lost: s.ids.length - delivered().length,
    duplicated: dups.duplicated,
    explained: dups.explained,
    failed: undocumented5xx(ctx, 's2'),
    late,
    notes: `${s.ids.length} postbacks between retries at the stop; the Worker answered again ${secs(s.restartAt - s.stopAt)} after it; delivered ${firsts.length ? `${secs(Math.min(...firsts))} … ${secs(Math.max(...firsts))}` : '—'} after the restart (budget ${secs(budget)})`,
  };
}

/** No connection at all (the port is closed): the request never reached the Worker. */
function refused(err: unknown): boolean {
  const cause = (err as { cause?: { code?: string } } | null)?.cause;
  return cause?.code === 'ECONNREFUSED';
}
