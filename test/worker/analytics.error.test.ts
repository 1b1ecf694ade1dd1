import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, inject, it, vi } from 'vitest';
import { rowOutcomes } from '../../src/insight/analytics/bigquery-insert';
import { backoffSeconds, handleAnalyticsBatch } from '../../src/insight/analytics/consumer';
import type { AnalyticsEvent } from '../../src/insight/analytics/events';
import { buildServices } from '../../src/services';

// BigQuery played by the HTTP recorder (a real server on the Node side): it records each
// insertAll and can be told to fail the next N requests under a path with a given status.
const recorder = () => inject('recorderUrl');
let run = 0;

function setup() {
  const project = `proj-${++run}-${crypto.randomUUID().slice(0, 8)}`;
  const prefix = `/bq-${project}`;
  const workerEnv = { ...env, BIGQUERY_BASE_URL: `${recorder()}${prefix}`, BIGQUERY_PROJECT: project, BIGQUERY_SERVICE_ACCOUNT_JSON: '' };
  const fail = (times: number, status: number) =>
    fetch(`${recorder()}/_recorder/fail`, { method: 'POST', body: JSON.stringify({ prefix, times, status }) });
  const requests = async () =>
    (
      (await (await fetch(`${recorder()}/_recorder/requests?prefix=${prefix}`)).json()) as {
        requests: Array<{ path: string; body: string; answeredStatus: number }>;
      }
    ).requests;
  return { workerEnv, fail, requests };
}

const event = (n: number): AnalyticsEvent => ({
  event_id: `evt-${run}-${n}`,
  event_type: 'status_changed',
  occurred_at: new Date().toISOString(),
  shop_id: 'shop_err',
  mode: 'test',
  payment_id: `pay_${n}`,
  shop_transaction_id: null,
  amount: '1.000000000000000001',
  currency: 'ETH',
  type: 'crypto',
  status: 'paid',
  email: 'err.customer@example.com',
  http_status: null,
  latency_ms: null,
  request_id: null,
  attributes: { n },
  metadata: null,
});
const messages = (count: number, attempts = 1) =>
  Array.from({ length: count }, (_, i) => ({ id: `m${i + 1}`, timestamp: new Date(), attempts, body: event(i + 1) }));

async function consume(workerEnv: typeof env, msgs: ReturnType<typeof messages>) {
  const batch = createMessageBatch('aimbrellapay-analytics', msgs);
  const retries = batch.messages.map((m) => vi.spyOn(m, 'retry'));
  const ctx = createExecutionContext();
  await handleAnalyticsBatch(batch, buildServices(workerEnv), ctx);
  const result = await getQueueResult(batch, ctx);
  return { ...result, retryDelays: retries.map((r) => r.mock.calls.map((c) => c[0]?.delaySeconds)) };
}

describe('analytics consumer against a failing BigQuery', () => {
  it('streams one insertAll with insertId = event_id, amount as an exact string and attributes as JSON', async () => {
    const { workerEnv, requests } = setup();
    const result = await consume(workerEnv, messages(3));
    expect(result.explicitAcks.sort()).toEqual(['m1', 'm2', 'm3']);
    const [insert] = await requests();
    expect(insert!.path).toBe(
      `/bq-${workerEnv.BIGQUERY_PROJECT}/bigquery/v2/projects/${workerEnv.BIGQUERY_PROJECT}/datasets/aimbrellapay/tables/payment_events/insertAll`,
    );
    const body = JSON.parse(insert!.body) as { rows: Array<{ insertId: string; json: Record<string, unknown> }> };
    expect(body.rows.map((r) => r.insertId)).toEqual(body.rows.map((r) => r.json.event_id));
    expect(body.rows[0]!.json).toMatchObject({ amount: '1.000000000000000001', attributes: '{"n":1}' });
  });

  it('retries the whole batch with backoff when BigQuery answers 5xx, acking nothing', async () => {
    const { workerEnv, fail } = setup();
    await fail(1, 503);
    const result = await consume(workerEnv, messages(2, 3));
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual(['m1', 'm2']);
    expect(result.retryDelays).toEqual([[backoffSeconds(3)], [backoffSeconds(3)]]);
  });

  it('a request BigQuery cannot parse (400) is split until the bad row is alone; only it is dead-lettered', async () => {
    const { workerEnv, fail, requests } = setup();
    const dead: unknown[] = [];
    const dlq = { send: async (body: unknown) => void dead.push(body) } as unknown as Queue;
    await fail(3, 400); // [m1 m2 m3] → [m1 m2] → [m1] fail; then [m2] and [m3] pass
    const result = await consume({ ...workerEnv, ANALYTICS_DLQ: dlq }, messages(3));
    expect(result.explicitAcks.sort()).toEqual(['m1', 'm2', 'm3']);
    expect((await requests()).map((r) => (JSON.parse(r.body) as { rows: unknown[] }).rows.length)).toEqual([3, 2, 1, 1, 1]);
    expect(dead).toMatchObject([{ reason: expect.stringMatching(/HTTP 400/), body: { event_id: `evt-${run}-1` } }]);
  });

  it("a message carrying a request's events: each is a row; the message is acked once every row is streamed or dead-lettered", async () => {
    const { workerEnv, fail, requests } = setup();
    const dead: unknown[] = [];
    const dlq = { send: async (body: unknown) => void dead.push(body) } as unknown as Queue;
    const together = { id: 'm1', timestamp: new Date(), attempts: 1, body: [event(1), { not: 'an event' }, event(2)] };
    await fail(2, 400); // [e1 e2] → [e1] fails; then [e2] passes
    const result = await consume({ ...workerEnv, ANALYTICS_DLQ: dlq }, [together] as unknown as ReturnType<typeof messages>);
    expect(result.explicitAcks).toEqual(['m1']);
    expect((await requests()).map((r) => (JSON.parse(r.body) as { rows: unknown[] }).rows.length)).toEqual([2, 1, 1]);
    expect(dead).toMatchObject([
      { reason: 'malformed event (not an analytics row)', body: { not: 'an event' } },
      { reason: expect.stringMatching(/HTTP 400/), body: { event_id: `evt-${run}-1` } },
    ]);
  });

  it("a message carrying a request's events is retried whole when one of its rows must be tried again", async () => {
    const { workerEnv, fail } = setup();
    await fail(1, 503);
    const together = { id: 'm1', timestamp: new Date(), attempts: 2, body: [event(1), event(2)] };
    const result = await consume(workerEnv, [together, ...messages(1)] as unknown as ReturnType<typeof messages>);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryDelays).toEqual([[backoffSeconds(2)], [backoffSeconds(1)]]);
  });

  it('an unreachable BigQuery (nothing listening yet, as while npm start builds the emulator) keeps every row, retried within BIGQUERY_RETRY_MAX_SECONDS', async () => {
    const { workerEnv } = setup();
    // A port nothing listens on: the emulator of a first start that is still being compiled.
    const result = await consume(
      { ...workerEnv, BIGQUERY_BASE_URL: 'http://127.0.0.1:9', BIGQUERY_RETRY_MAX_SECONDS: '20' },
      messages(2, 9),
    );
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual(['m1', 'm2']);
    expect(result.retryDelays).toEqual([[20], [20]]);
  });

  it('backs off exponentially and caps at five minutes', () => {
    expect([1, 2, 3, 4, 8, 9, 50].map((attempts) => backoffSeconds(attempts))).toEqual([2, 4, 8, 16, 256, 300, 300]);
  });

  it('reads insertErrors in a 200 answer: "invalid" rows are poison, rows "stopped" by them are retried', () => {
    // The shape BigQuery documents for tabledata.insertAll with skipInvalidRows=false.
    const answer = {
      insertErrors: [
        { index: 1, errors: [{ reason: 'invalid', location: 'amount', message: 'Invalid BIGNUMERIC value: 1.2.3' }] },
        { index: 0, errors: [{ reason: 'stopped', message: '' }] },
        { index: 2, errors: [{ reason: 'stopped', message: '' }] },
        // The table is behind the Worker (setup not run yet): not poison, the row waits.
        { index: 4, errors: [{ reason: 'invalid', location: 'new_column', message: 'no such field: new_column.' }] },
      ],
    };
    expect(rowOutcomes(5, answer)).toEqual([
      { ok: false, retry: true, reason: 'stopped' },
      { ok: false, retry: false, reason: 'invalid: amount: Invalid BIGNUMERIC value: 1.2.3' },
      { ok: false, retry: true, reason: 'stopped' },
      { ok: true },
      { ok: false, retry: true, reason: 'invalid: new_column: no such field: new_column.' },
    ]);
  });
});
