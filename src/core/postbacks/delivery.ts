import { paymentEventFields } from '../../insight/analytics/events';
import type { Services } from '../../services';
import type { PaymentRecord } from '../payments/record';
import { failedAttemptsThisCycle, recordAttempt } from '../payments/state';
import type { PaymentStorage } from '../payments/storage';
import { activeWebhookSecrets } from '../shops/shop-store';
import { type AttemptResult, sendPostback } from './deliver';
import { buildShopPostback, signShopPostback } from './payload';
import { retryDelaySeconds, shouldDeadLetter } from './schedule';

const EARLY_TOLERANCE_MS = 250;

/** The same event and the same delivery cycle (a redelivery starts a new cycle). */
const sameDelivery = (a: PaymentRecord, b: PaymentRecord) =>
  a.postback.webhookId === b.postback.webhookId && a.postback.queuedAt === b.postback.queuedAt;

export type DeliveryResult = 'delivered' | 'retrying' | 'dead_lettered' | 'not_due' | 'nothing';

/** What delivering a postback uses, and nothing else. */
export type DeliveryServices = Pick<Services, 'analytics' | 'clock' | 'config' | 'log' | 'postbackDeadLetters' | 'postbackQueue' | 'shops'>;

/**
 * Delivering one payment's postback (docs/architecture.md#postbacks), run inside the payment's object so every shop's
 * deliveries are independent of every other's: one slow endpoint delays only its own postbacks.
 *
 * - The first attempt runs straight after the transition (no queue hop: the shop hears within
 *   milliseconds). Each failure stores the next attempt's time and puts a delayed job on the
 *   postbacks queue, the durable path for retries.
 * - The object's alarm sweeps one grace period after each due time, so a lost queue job or an
 *   attempt cut off by a restart costs at most that much; triggers that arrive early or late, or
 *   twice, find the attempt not due or already made.
 * - After the dead-letter window (counted from the start of the delivery cycle, and never on the
 *   cycle's first attempt) the postback is dead-lettered for an operator to redeliver.
 */
export class PostbackDelivery {
  constructor(
    private readonly storage: PaymentStorage,
    private readonly s: DeliveryServices,
  ) {}

  /** One attempt if one is due; `webhookId` (from a queue job) must still be the current event. */
  async deliverIfDue(webhookId?: string): Promise<DeliveryResult> {
    const r = await this.storage.read();
    if (r?.postback.status !== 'pending' || !r.postbackUrl || !r.postback.webhookId) return 'nothing';
    if (webhookId !== undefined && webhookId !== r.postback.webhookId) return 'nothing'; // superseded by a newer event
    const now = this.s.clock.now();
    const due = r.postback.nextAttemptAt ? Date.parse(r.postback.nextAttemptAt) : 0;
    // A trigger a moment early still counts; an earlier one is left to the next (the alarm sweeps).
    if (due > now.getTime() + EARLY_TOLERANCE_MS) return 'not_due';

    const attempt = await this.attempt(r, r.postback.webhookId, r.postbackUrl);
    // Re-read: a redelivery or a newer event may have started while the shop was answering.
    const current = await this.storage.read();
    if (!current) return 'nothing';
    if (!sameDelivery(current, r)) {
      // It was sent all the same: keep it in the record, without touching the newer delivery.
      const n = (current.postback.attempts.at(-1)?.attempt ?? 0) + 1;
      await this.storage.write({
        ...current,
        postback: { ...current.postback, attempts: [...current.postback.attempts, { ...attempt, attempt: n }] },
      });
      return 'nothing';
    }
    return this.record(current, attempt);
  }

  /** The queue itself gave up on a job (its dead-letter queue): dead-letter without an attempt of ours. */
  async giveUp(webhookId: string): Promise<void> {
    const r = await this.storage.read();
    if (!r || r.postback.webhookId !== webhookId || r.postback.status === 'delivered' || r.postback.status === 'dead_lettered') return;
    const key = await this.deadLetter(r, null);
    // Re-read after that await, and write only onto the same delivery: a redelivery or a newer
    // event that started meanwhile is not undone.
    const current = await this.storage.read();
    if (!current || !sameDelivery(current, r) || current.postback.status !== 'pending') return;
    await this.storage.write({
      ...current,
      postback: { ...current.postback, status: 'dead_lettered', deadLetterKey: key, nextAttemptAt: null },
    });
  }

  private async attempt(r: PaymentRecord, webhookId: string, url: string): Promise<AttemptResult> {
    const shop = await this.s.shops.getShop(r.shopId);
    const at = this.s.clock.now();
    const secrets = shop ? activeWebhookSecrets(shop, at) : [];
    if (secrets.length === 0)
      return { at: at.toISOString(), ok: false, httpStatus: null, latencyMs: null, error: 'the shop has no active webhook secret' };
    const body = JSON.stringify(buildShopPostback(r));
    return sendPostback(url, signShopPostback(webhookId, body, secrets, at), body, this.s.config.postbacks.timeoutMs, this.s.clock);
  }

  private async record(r: PaymentRecord, attempt: AttemptResult): Promise<DeliveryResult> {
    const { s } = this;
    const webhookId = r.postback.webhookId!;
    this.storage.defer(
      s.analytics.emit({
        ...paymentEventFields(r, null),
        event_type: 'shop_postback_attempt',
        http_status: attempt.httpStatus ?? null,
        latency_ms: attempt.latencyMs ?? null,
        attributes: { webhook_id: webhookId, ok: attempt.ok, error: attempt.error ?? null },
      }),
    );
    if (attempt.ok) {
      await this.storage.write(recordAttempt(r, attempt, 'delivered', null));
      s.log.info('postback delivered', { paymentId: r.id, webhookId, httpStatus: attempt.httpStatus });
      return 'delivered';
    }
    const now = s.clock.now();
    const failed = failedAttemptsThisCycle(r) + 1;
    if (failed > 1 && shouldDeadLetter(r.postback.queuedAt!, now, s.config.postbacks.deadLetterAfterSeconds)) {
      const key = await this.deadLetter(r, attempt);
      const current = await this.storage.read(); // re-read after the await, as in giveUp
      if (!current || !sameDelivery(current, r)) return 'nothing';
      await this.storage.write(recordAttempt(current, attempt, 'dead_lettered', key));
      return 'dead_lettered';
    }
    const delay = retryDelaySeconds(s.config.postbacks.retryScheduleSeconds, failed);
    const next = recordAttempt(r, attempt, 'retrying', null, new Date(now.getTime() + delay * 1000).toISOString());
    await this.storage.write(next); // the due time and the alarm that sweeps it, before the queue job
    s.log.warn('postback attempt failed; will retry', { paymentId: r.id, webhookId, error: attempt.error, retryInSeconds: delay });
    try {
      await s.postbackQueue.enqueue({ paymentId: r.id, webhookId, queuedAt: r.postback.queuedAt! }, delay);
    } catch (err) {
      s.log.error('postback retry enqueue failed; the alarm sweeps it', { err, paymentId: r.id });
    }
    return 'retrying';
  }

  /** `last` is our final failed attempt; null when the queue itself gave up on the job. */
  private async deadLetter(r: PaymentRecord, last: AttemptResult | null): Promise<string> {
    const { s } = this;
    const previous = r.postback.attempts.at(-1);
    const lastError = last ? (last.error ?? null) : (previous?.error ?? 'queue retries exhausted');
    const key = await s.postbackDeadLetters.put({
      paymentId: r.id,
      shopId: r.shopId,
      webhookId: r.postback.webhookId!,
      deadLetteredAt: last?.at ?? s.clock.now().toISOString(),
      attempts: r.postback.attempts.length + (last ? 1 : 0),
      lastError,
    });
    this.storage.defer(
      s.analytics.emit({
        ...paymentEventFields(r, null),
        event_type: 'postback_dead_lettered',
        attributes: { webhook_id: r.postback.webhookId, last_error: last?.error ?? null },
      }),
    );
    s.log.error('postback dead-lettered', { paymentId: r.id, webhookId: r.postback.webhookId, lastError });
    return key;
  }
}
