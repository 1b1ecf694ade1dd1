import { handleAnalyticsBatch, handleAnalyticsDeadLetters } from './analytics/consumer';
import { app } from './app';
import type { Env } from './env';
import { handlePostbackBatch, handlePostbackDeadLetters } from './postbacks/consumer';

export { PaymentObject } from './payments/payment-object';
// Shop app (issue 12)
export { PaymentsIndexObject } from './payments-index/index-object';
export { ShopMembersObject } from './members/members-object';

// Queue names from wrangler.toml; each queue has exactly one consumer module.
const CONSUMERS: Record<string, (batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext) => Promise<void>> = {
  'aimbrellapay-postbacks': handlePostbackBatch,
  'aimbrellapay-postbacks-dlq': handlePostbackDeadLetters,
  'aimbrellapay-analytics': handleAnalyticsBatch,
  'aimbrellapay-analytics-dlq': handleAnalyticsDeadLetters,
};

/** Worker entry: HTTP via Hono, Queue consumers and Cron Triggers in the same Worker. */
export default {
  fetch: app.fetch,

  async queue(batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext): Promise<void> {
    const consume = CONSUMERS[batch.queue];
    if (!consume) throw new Error(`no consumer for queue ${batch.queue}`); // messages are retried, not lost
    await consume(batch, env, ctx);
  },

  async scheduled(_controller: ScheduledController, _env: Env, _ctx: ExecutionContext): Promise<void> {},
} satisfies ExportedHandler<Env>;
