import type { Config } from '../../env';
import type { Clock } from '../../platform/lib/clock';
import type { Logger } from '../../platform/observability/logger';
import {
  type BigQueryTarget,
  bigQueryTargetFrom,
  insertAll,
  isSchemaBehind,
  MAX_ROWS_PER_INSERT,
  type RowOutcome,
  TransientInsertError,
} from './bigquery-insert';
import { type DeadLetter, parseDeadLetter } from './dead-letters';
import type { AnalyticsEvent } from './events';
import type { AnalyticsSafetyNets } from './safety-nets';

/** What the consumers use of the composition root. */
export interface AnalyticsConsumerServices {
  config: Pick<Config, 'bigQuery'>;
  clock: Clock;
  log: Logger;
  analyticsNets: AnalyticsSafetyNets;
}

/**
 * Streams analytics events from the queue into BigQuery. Nothing is acked before BigQuery has
 * it: transient failures are retried with backoff (the queue keeps the messages while BigQuery is
 * down), rows BigQuery calls invalid go to the dead-letter queue with the reason.
 */
export async function handleAnalyticsBatch(
  batch: MessageBatch<unknown>,
  services: AnalyticsConsumerServices,
  ctx: ExecutionContext,
): Promise<void> {
  const { config } = services;
  const nets = services.analyticsNets;
  const log = services.log.child({ component: 'analytics' });
  const cap = config.bigQuery.retryMaxSeconds;
  const dl = { nets, log, clock: services.clock, cap };
  ctx.waitUntil(nets.replayParked(log));

  // A message carries one event, or a request's events together (an array): each is one row. A
  // message is acked once every row of it is streamed or dead-lettered, retried if any must be
  // tried again (BigQuery drops the repeats of rows it has: insertId is the event id).
  const verdicts = new Map<Message<unknown>, 'ack' | 'retry'>();
  const rows: Row[] = [];
  for (const msg of batch.messages) {
    verdicts.set(msg, 'ack');
    for (const body of Array.isArray(msg.body) ? msg.body : [msg.body]) {
      const event = asEvent(body);
      if (event) rows.push({ msg, event });
      else await deadLetter(dl, verdicts, msg, { reason: 'malformed event (not an analytics row)', body });
    }
  }
  await streamRows(dl, config, verdicts, rows);
  for (const [msg, verdict] of verdicts) {
    if (verdict === 'ack') msg.ack();
    else msg.retry({ delaySeconds: backoffSeconds(msg.attempts, cap) });
  }
}

interface Row {
  msg: Message<unknown>;
  event: AnalyticsEvent;
}
type Verdicts = Map<Message<unknown>, 'ack' | 'retry'>;

async function streamRows(dl: DeadLetterDeps, config: AnalyticsConsumerServices['config'], verdicts: Verdicts, rows: Row[]): Promise<void> {
  const { log } = dl;
  if (rows.length === 0) return;
  let target: BigQueryTarget | null;
  try {
    target = bigQueryTargetFrom(config.bigQuery);
  } catch (err) {
    log.error('analytics: BigQuery misconfigured; events kept on the queue', { err: String(err) });
    for (const { msg } of rows) verdicts.set(msg, 'retry');
    return;
  }
  if (!target) {
    // Plain local run without BigQuery: nothing to stream to, so say what would have gone there.
    if (!announcedUnconfigured) {
      announcedUnconfigured = true;
      log.info('analytics: BigQuery not configured (BIGQUERY_PROJECT unset); events are logged at debug level and dropped');
    }
    if (log.enabled('debug'))
      for (const { event } of rows) log.debug('analytics event (BigQuery not configured, dropped)', withoutEmail(event));
    return;
  }
  for (let i = 0; i < rows.length; i += MAX_ROWS_PER_INSERT) {
    await insertChunk(dl, target, verdicts, rows.slice(i, i + MAX_ROWS_PER_INSERT));
  }
}

async function insertChunk(dl: DeadLetterDeps, target: BigQueryTarget, verdicts: Verdicts, chunk: Row[]) {
  const { log } = dl;
  try {
    const outcomes = await insertAll(
      target,
      chunk.map((c) => c.event),
    );
    const retried: string[] = [];
    for (const [i, { msg, event }] of chunk.entries()) {
      const outcome: RowOutcome = outcomes[i] ?? { ok: false, retry: true, reason: 'no outcome for this row' };
      if (outcome.ok) continue;
      if (outcome.retry) {
        retried.push(outcome.reason);
        verdicts.set(msg, 'retry');
      } else await deadLetter(dl, verdicts, msg, { reason: outcome.reason, body: event });
    }
    log.debug('analytics rows streamed', { rows: chunk.length, retried: retried.length });
    const behind = retried.find((reason) => isSchemaBehind(reason));
    if (behind)
      log.warn('analytics: payment_events lacks a column; rows wait on the queue until `npm run bq -- setup` runs', { reason: behind });
  } catch (err) {
    if (!(err instanceof TransientInsertError)) throw err; // unexpected: nothing is acked, the runtime retries the whole batch
    const attempts = Math.max(...chunk.map((c) => c.msg.attempts));
    log.warn('analytics: BigQuery insert failed, will retry', { rows: chunk.length, attempts, err: scrubEmails(err.message) });
    for (const { msg } of chunk) verdicts.set(msg, 'retry');
  }
}

let announcedUnconfigured = false; // once per isolate, not once per event

/** 2 s, 4 s, 8 s … capped at 5 minutes (or `cap`): quick after a blip, gentle during an outage. */
export function backoffSeconds(attempts: number, cap = 300): number {
  return Math.min(cap, 2 ** Math.max(1, attempts));
}

interface DeadLetterDeps {
  nets: AnalyticsSafetyNets;
  log: Logger;
  clock: Clock;
  cap: number;
}

/** One row to the dead-letter queue; if that send fails, its message is retried instead. */
async function deadLetter(
  { nets, log, clock }: DeadLetterDeps,
  verdicts: Verdicts,
  msg: Message<unknown>,
  letter: Omit<DeadLetter, 'dead_at'>,
) {
  try {
    await nets.sendDeadLetter({
      ...letter,
      reason: scrubEmails(letter.reason),
      dead_at: clock.now().toISOString(),
    } satisfies DeadLetter);
  } catch (err) {
    log.error('analytics: dead-letter send failed; message retried', { err: String(err) });
    verdicts.set(msg, 'retry');
  }
}

/** Records what BigQuery refused for good (or what exhausted its retries) in KV, for replay. */
export async function handleAnalyticsDeadLetters(
  batch: MessageBatch<unknown>,
  services: Omit<AnalyticsConsumerServices, 'config'>,
): Promise<void> {
  const log = services.log.child({ component: 'analytics' });
  for (const msg of batch.messages) {
    const letter = parseDeadLetter(msg.body, services.clock.now());
    try {
      await services.analyticsNets.keepDeadLetter(letter, msg.id);
      const event = asEvent(letter.body);
      log.warn('analytics event dead-lettered', {
        eventId: event?.event_id ?? null,
        eventType: event?.event_type ?? null,
        paymentId: event?.payment_id ?? null,
        reason: letter.reason,
      });
      msg.ack();
    } catch (err) {
      log.error('analytics: recording a dead letter failed', { err: String(err) });
      msg.retry({ delaySeconds: backoffSeconds(msg.attempts) });
    }
  }
}

function asEvent(body: unknown): AnalyticsEvent | null {
  if (!body || typeof body !== 'object') return null;
  const e = body as Partial<AnalyticsEvent>;
  if (typeof e.event_id !== 'string' || !e.event_id) return null;
  if (typeof e.event_type !== 'string' || !e.event_type) return null;
  if (typeof e.occurred_at !== 'string' || Number.isNaN(Date.parse(e.occurred_at))) return null;
  return e as AnalyticsEvent;
}

function withoutEmail(event: AnalyticsEvent): Omit<AnalyticsEvent, 'email'> {
  const { email: _email, ...rest } = event;
  return rest;
}

const EMAIL = /[^\s"'<>@,;:]+@[^\s"'<>@,;:]+\.[A-Za-z]{2,}/g;
/** BigQuery error messages may quote a row's values; a reason or log line never carries an email. */
function scrubEmails(text: string): string {
  return text.replace(EMAIL, '[email]');
}
