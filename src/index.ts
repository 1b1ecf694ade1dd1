import { app } from './app';
import { handlePostbackBatch, handlePostbackDeadLetters } from './core/postbacks/consumer';
import type { Env } from './env';
import { handleAnalyticsBatch, handleAnalyticsDeadLetters } from './insight/analytics/consumer';
import { buildServices, type Services, withLogFields } from './services';

export { ListenObject } from './core/listen/listen-object';
export { PaymentObject } from './core/payments/payment-object';
export { PaymentsIndexObject } from './core/payments-index/index-object';
export { SessionObject } from './docs/sessions/session-object';
export { LimiterObject } from './platform/limits/limiter-object';
export { ShopMembersObject } from './shop-app/members/members-object';

// Queue names from wrangler.toml; each queue has exactly one consumer module.
const CONSUMERS: Record<string, (batch: MessageBatch<unknown>, services: Services, ctx: ExecutionContext) => Promise<void>> = {
  'aimbrellapay-postbacks': handlePostbackBatch,
  'aimbrellapay-postbacks-dlq': handlePostbackDeadLetters,
  'aimbrellapay-analytics': handleAnalyticsBatch,
  'aimbrellapay-analytics-dlq': handleAnalyticsDeadLetters,
};

/**
 * Worker entry: HTTP via Hono (one router for every path) and the
 * Queue consumers, all on services from one composition root.
 */
export default {
  fetch(request, env, ctx) {
    return app.fetch(request, env, ctx);
  },

  async queue(batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext): Promise<void> {
    const consume = CONSUMERS[batch.queue];
    if (!consume) throw new Error(`no consumer for queue ${batch.queue}`); // messages are retried, not lost
    await consume(batch, withLogFields(buildServices(env), { consumer: batch.queue }), ctx);
  },
} satisfies ExportedHandler<Env>;
