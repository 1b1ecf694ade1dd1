import type { Services } from '../../services';
import { isPostbackJob } from './payload';

/** If the payment's object itself fails (not the shop: that is a recorded attempt), try the job again soon. */
const CRASH_RETRY_SECONDS = 30;

/**
 * The postbacks queue: each job asks the payment's object to make the attempt that is due
 * (src/core/postbacks/delivery.ts decides, records and schedules) and is acknowledged once the object
 * has taken it on, not when the shop has answered: one shop's hanging endpoint never holds up
 * another shop's postback.
 */
export async function handlePostbackBatch(batch: MessageBatch<unknown>, s: Pick<Services, 'log' | 'payments'>): Promise<void> {
  await Promise.all(
    batch.messages.map(async (msg) => {
      if (!isPostbackJob(msg.body)) {
        s.log.error('dropping a malformed postback job', { messageId: msg.id });
        return msg.ack();
      }
      try {
        // A nudge: the object makes the attempt after answering, so no shop's endpoint holds up
        // this batch (or the ones behind it); its alarm sweeps an attempt that gets lost.
        await s.payments.object(msg.body.paymentId).requestDelivery(msg.body.webhookId);
        msg.ack();
      } catch (err) {
        s.log.error('postback delivery crashed; retrying', { err, paymentId: msg.body.paymentId });
        msg.retry({ delaySeconds: CRASH_RETRY_SECONDS });
      }
    }),
  );
}

/** Jobs that reached the queue's own dead-letter queue (the object kept failing): dead-letter them for good. */
export async function handlePostbackDeadLetters(batch: MessageBatch<unknown>, s: Pick<Services, 'log' | 'payments'>): Promise<void> {
  for (const msg of batch.messages) {
    if (isPostbackJob(msg.body)) await s.payments.object(msg.body.paymentId).giveUpPostback(msg.body.webhookId);
    msg.ack();
  }
}
