import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handleAnalyticsBatch, handleAnalyticsDeadLetters } from '../../src/insight/analytics/consumer';
import { DEAD_LETTER_PREFIX, type DeadLetter } from '../../src/insight/analytics/dead-letters';
import { AnalyticsEmitter } from '../../src/insight/analytics/emitter';
import { PENDING_PREFIX } from '../../src/insight/analytics/pending';
import { systemClock } from '../../src/platform/lib/clock';
import { createLogger } from '../../src/platform/observability/logger';
import { buildServices } from '../../src/services';

const EMAIL = 'jane.customer@example.com';
const input = (over: Record<string, unknown> = {}) => ({
  event_type: 'payment_created' as const,
  shop_id: 'shop_h',
  mode: 'test' as const,
  payment_id: 'pay_h',
  amount: '0.000000000000000001',
  currency: 'ETH',
  type: 'crypto' as const,
  status: 'created' as const,
  email: EMAIL,
  ...over,
});

let lines: string[];
beforeEach(() => {
  lines = [];
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')));
  }
});
afterEach(() => vi.restoreAllMocks());

const emitter = (queue: Queue, kv?: KVNamespace, holdMs = 10) =>
  new AnalyticsEmitter(
    queue,
    createLogger({ level: 'debug', secrets: [], clock: systemClock }),
    { now: () => new Date('2026-05-01T10:00:00Z') },
    kv,
    { holdMs },
  );

describe('analytics without BigQuery configured (plain local run)', () => {
  it('acks every event and logs it at debug level without the email', async () => {
    const event = emitter(env.ANALYTICS_QUEUE).build(input());
    const batch = createMessageBatch('aimbrellapay-analytics', [{ id: 'a1', timestamp: new Date(), attempts: 1, body: event }]);
    const ctx = createExecutionContext();
    await handleAnalyticsBatch(batch, buildServices({ ...env, BIGQUERY_PROJECT: '', LOG_LEVEL: 'debug' }), ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(['a1']);
    const logged = lines.join('\n');
    expect(logged).toContain('BigQuery not configured');
    expect(logged).toContain(event.event_id);
    expect(logged).not.toContain(EMAIL);
  });
});

describe('analytics emitter', () => {
  it('builds rows with an id, a timestamp and the exact amount string', () => {
    const row = emitter(env.ANALYTICS_QUEUE).build(input());
    expect(row.event_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(row.occurred_at).toBe('2026-05-01T10:00:00.000Z');
    expect(row.amount).toBe('0.000000000000000001');
    expect(row.attributes).toEqual({});
  });

  it("sends a request's events as one Queue message (Queues bill per message), a lone event as itself", async () => {
    const sent: Array<{ body: unknown }> = [];
    const recording = { sendBatch: async (msgs: Array<{ body: unknown }>) => void sent.push(...msgs) } as unknown as Queue;
    await emitter(recording).emit(input({ payment_id: 'pay_a' }), input({ payment_id: 'pay_b' }), input({ payment_id: 'pay_c' }));
    await emitter(recording).emit(input({ payment_id: 'pay_d' }));
    expect(sent).toHaveLength(2);
    expect(sent[0]!.body).toMatchObject([{ payment_id: 'pay_a' }, { payment_id: 'pay_b' }, { payment_id: 'pay_c' }]);
    expect(sent[1]!.body).toMatchObject({ payment_id: 'pay_d' });
  });

  it('holds events emitted close together (one init commits twice) and sends them as one message, each with its own time', async () => {
    const sends: Array<Array<{ body: unknown }>> = [];
    const recording = { sendBatch: async (msgs: Array<{ body: unknown }>) => void sends.push(msgs) } as unknown as Queue;
    let now = new Date('2026-05-01T10:00:00Z');
    const e = new AnalyticsEmitter(
      recording,
      createLogger({ level: 'warn', secrets: [], clock: systemClock }),
      { now: () => now },
      undefined,
      {
        holdMs: 200,
      },
    );
    const created = e.emit(input({ payment_id: 'pay_1', status: 'created' }));
    now = new Date('2026-05-01T10:00:00.150Z');
    // Another request's copy (withLogger) shares the held events.
    const awaiting = e
      .withLogger(createLogger({ level: 'warn', secrets: [], clock: systemClock }))
      .emit(input({ payment_id: 'pay_1', status: 'awaiting_payment' }));
    expect(sends).toHaveLength(0); // held, not sent yet
    await Promise.all([created, awaiting]);
    expect(sends).toHaveLength(1);
    expect(sends[0]).toHaveLength(1);
    expect(sends[0]![0]!.body).toMatchObject([
      { status: 'created', occurred_at: '2026-05-01T10:00:00.000Z' },
      { status: 'awaiting_payment', occurred_at: '2026-05-01T10:00:00.150Z' },
    ]);
    // The next emit starts a new hold.
    await e.emit(input({ payment_id: 'pay_2' }));
    expect(sends).toHaveLength(2);
  });

  it('emitNow sends at once, with the events held so far (rows already held by the open counter wait only once)', async () => {
    const sends: Array<Array<{ body: unknown }>> = [];
    const recording = { sendBatch: async (msgs: Array<{ body: unknown }>) => void sends.push(msgs) } as unknown as Queue;
    const e = emitter(recording, undefined, 60_000);
    const held = e.emit(input({ payment_id: 'pay_held' }));
    const started = Date.now();
    await Promise.all([e.emitNow(input({ payment_id: 'pay_now' })), held]);
    expect(Date.now() - started).toBeLessThan(30_000); // not the 60 s hold
    expect(sends).toHaveLength(1);
    expect(sends[0]![0]!.body).toMatchObject([{ payment_id: 'pay_held' }, { payment_id: 'pay_now' }]);
  });

  it('sends at once when a full send (100 messages of 32 events) is held', async () => {
    const sends: Array<Array<{ body: unknown }>> = [];
    const recording = { sendBatch: async (msgs: Array<{ body: unknown }>) => void sends.push(msgs) } as unknown as Queue;
    const e = emitter(recording, undefined, 60_000);
    const started = Date.now();
    await Promise.all(Array.from({ length: 3200 }, (_, i) => e.emit(input({ payment_id: `pay_${i}` }))));
    expect(Date.now() - started).toBeLessThan(30_000); // not the 60 s hold
    expect(sends.flat().reduce((n, m) => n + (Array.isArray(m.body) ? m.body.length : 1), 0)).toBe(3200);
    expect(sends.every((s) => s.length <= 100)).toBe(true);
  });

  it('parks events in KV when the queue refuses them, and the consumer re-queues them', async () => {
    const refusing = {
      send: async () => Promise.reject(new Error('queue down')),
      sendBatch: async () => Promise.reject(new Error('queue down')),
    } as unknown as Queue;
    await emitter(refusing, env.KV).emit(input({ payment_id: 'pay_parked' }));
    const parked = await env.KV.list({ prefix: PENDING_PREFIX });
    expect(parked.keys).toHaveLength(1);
    expect(lines.join('\n')).not.toContain(EMAIL);

    // The next consumer run (any batch) sends the parked event to the real analytics queue.
    const sent: unknown[] = [];
    const recordingQueue = {
      sendBatch: async (msgs: Array<{ body: unknown }>) => void sent.push(...msgs.map((m) => m.body)),
    } as unknown as Queue;
    const batch = createMessageBatch('aimbrellapay-analytics', []);
    const ctx = createExecutionContext();
    await handleAnalyticsBatch(batch, buildServices({ ...env, ANALYTICS_QUEUE: recordingQueue, BIGQUERY_PROJECT: '' }), ctx);
    await waitOnExecutionContext(ctx);
    expect(sent).toMatchObject([{ payment_id: 'pay_parked', email: EMAIL }]);
    expect((await env.KV.list({ prefix: PENDING_PREFIX })).keys).toHaveLength(0);
  });
});

describe('analytics dead letters', () => {
  it('sends a malformed message to the dead-letter queue with the reason and acks it', async () => {
    const dlq: unknown[] = [];
    const recordingDlq = { send: async (body: unknown) => void dlq.push(body) } as unknown as Queue;
    const batch = createMessageBatch('aimbrellapay-analytics', [
      { id: 'bad', timestamp: new Date(), attempts: 1, body: { hello: 'world' } },
    ]);
    const ctx = createExecutionContext();
    await handleAnalyticsBatch(batch, buildServices({ ...env, ANALYTICS_DLQ: recordingDlq }), ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(['bad']);
    expect(dlq).toMatchObject([{ reason: expect.stringMatching(/malformed/), body: { hello: 'world' } }]);
  });

  it('records dead letters in KV under analytics-dead:<event id> and logs them without the email', async () => {
    const event = emitter(env.ANALYTICS_QUEUE).build(input({ payment_id: 'pay_dead' }));
    const letter: DeadLetter = { reason: 'invalid: amount: not a number', body: event, dead_at: '2026-05-01T10:00:01Z' };
    const batch = createMessageBatch('aimbrellapay-analytics-dlq', [
      { id: 'd1', timestamp: new Date(), attempts: 1, body: letter },
      // Moved here by the queue itself after max_retries: the raw event, no reason attached.
      { id: 'd2', timestamp: new Date(), attempts: 1, body: { ...event, event_id: 'evt-exhausted' } },
    ]);
    const ctx = createExecutionContext();
    await handleAnalyticsDeadLetters(batch, buildServices(env));
    expect((await getQueueResult(batch, ctx)).explicitAcks.sort()).toEqual(['d1', 'd2']);

    const stored = await env.KV.get<DeadLetter>(DEAD_LETTER_PREFIX + event.event_id, 'json');
    expect(stored).toMatchObject({ reason: 'invalid: amount: not a number', body: { event_id: event.event_id } });
    const exhausted = await env.KV.get<DeadLetter>(`${DEAD_LETTER_PREFIX}evt-exhausted`, 'json');
    expect(exhausted?.reason).toMatch(/retries exhausted/);
    const logged = lines.join('\n');
    expect(logged).toContain('analytics event dead-lettered');
    expect(logged).toContain(event.event_id);
    expect(logged).not.toContain(EMAIL);
  });
});
