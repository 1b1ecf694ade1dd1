import { paymentEventFields } from '../analytics/events';
import type { Services } from '../services';
import { activeWebhookSecrets } from '../shops/shop-store';
import { sendPostback, type AttemptResult } from './deliver';
import { buildShopPostback, isPostbackJob, signShopPostback, type PostbackJob } from './payload';
import { retryDelaySeconds, shouldDeadLetter } from './schedule';

/**
 * Delivers shop postbacks from the postbacks queue: sign with every active secret of the shop,
 * POST, record the attempt on the payment's Durable Object, then ack, retry with backoff, or
 * dead-letter once the delivery is older than the configured age (DESIGN §5).
 */
export async function handlePostbackBatch(batch: MessageBatch<unknown>, s: Services): Promise<void> {
  for (const msg of batch.messages) {
    if (!isPostbackJob(msg.body)) {
      s.log.error('dropping a malformed postback job', { messageId: msg.id });
      msg.ack();
      continue;
    }
    try {
      const next = await deliverOnce(msg.body, s);
      if (next === 'done') msg.ack();
      else msg.retry({ delaySeconds: retryDelaySeconds(s.config.postbacks.retryScheduleSeconds, next.failedAttempts) });
    } catch (err) {
      s.log.error('postback delivery crashed; retrying', { err, paymentId: msg.body.paymentId });
      msg.retry({ delaySeconds: retryDelaySeconds(s.config.postbacks.retryScheduleSeconds, msg.attempts) });
    }
  }
}

/** Jobs that reached the queue's own dead-letter queue (consumer crashes): dead-letter them for good. */
export async function handlePostbackDeadLetters(batch: MessageBatch<unknown>, s: Services): Promise<void> {
  for (const msg of batch.messages) {
    if (isPostbackJob(msg.body)) await deadLetter(msg.body, s, null);
    msg.ack();
  }
}

async function deliverOnce(job: PostbackJob, s: Services): Promise<'done' | { failedAttempts: number }> {
  const payment = s.payments.object(job.paymentId);
  const r = await payment.get();
  // Superseded (a redelivery queued a newer job), already delivered, or nothing to send.
  if (!r || r.postback.webhookId !== job.webhookId || r.postback.queuedAt !== job.queuedAt) return 'done';
  if (r.postback.status === 'delivered' || r.postback.status === 'dead_lettered' || !r.postbackUrl) return 'done';

  const shop = await s.shops.getShop(r.shopId);
  const at = s.clock.now();
  const secrets = shop ? activeWebhookSecrets(shop, at) : [];
  const body = JSON.stringify(buildShopPostback(r));
  const attempt: AttemptResult =
    secrets.length === 0
      ? { at: at.toISOString(), ok: false, httpStatus: null, latencyMs: null, error: 'the shop has no active webhook secret' }
      : await sendPostback(r.postbackUrl, signShopPostback(job.webhookId, body, secrets, at), body, s.config.postbacks.timeoutMs, s.clock);

  await s.analytics.emit({
    ...paymentEventFields(r, null),
    event_type: 'shop_postback_attempt',
    http_status: attempt.httpStatus ?? null,
    latency_ms: attempt.latencyMs ?? null,
    attributes: { webhook_id: job.webhookId, ok: attempt.ok, error: attempt.error ?? null },
  });
  if (attempt.ok) {
    await payment.recordPostbackAttempt(attempt, 'delivered');
    s.log.info('postback delivered', { paymentId: r.id, webhookId: job.webhookId, httpStatus: attempt.httpStatus });
    return 'done';
  }
  if (shouldDeadLetter(job.queuedAt, at, s.config.postbacks.deadLetterAfterSeconds)) {
    await deadLetter(job, s, attempt);
    return 'done';
  }
  const updated = await payment.recordPostbackAttempt(attempt, 'retrying');
  s.log.warn('postback attempt failed; will retry', { paymentId: r.id, webhookId: job.webhookId, error: attempt.error });
  const failed = (updated?.postback.attempts ?? []).filter((a) => !a.ok && a.at >= job.queuedAt).length;
  return { failedAttempts: Math.max(1, failed) };
}

/** `last` is our final failed attempt; null when the queue itself gave up on the job. */
async function deadLetter(job: PostbackJob, s: Services, last: AttemptResult | null): Promise<void> {
  const payment = s.payments.object(job.paymentId);
  const r = await payment.get();
  if (!r || r.postback.status === 'delivered' || r.postback.status === 'dead_lettered') return;
  const previous = r.postback.attempts.at(-1);
  const key = await s.postbackDeadLetters.put({
    paymentId: r.id,
    shopId: r.shopId,
    webhookId: job.webhookId,
    deadLetteredAt: last?.at ?? s.clock.now().toISOString(),
    attempts: r.postback.attempts.length + (last ? 1 : 0),
    lastError: last ? (last.error ?? null) : (previous?.error ?? 'queue retries exhausted'),
  });
  if (last) await payment.recordPostbackAttempt(last, 'dead_lettered', key);
  else await payment.markDeadLettered(key);
  await s.analytics.emit({
    ...paymentEventFields(r, null),
    event_type: 'postback_dead_lettered',
    attributes: { webhook_id: job.webhookId, last_error: last?.error ?? null },
  });
  s.log.error('postback dead-lettered', { paymentId: r.id, webhookId: job.webhookId, lastError: last?.error ?? 'queue retries exhausted' });
}
