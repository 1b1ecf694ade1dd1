import { app } from './app';
import type { Env } from './env';

export { PaymentObject } from './payments/payment-object';

/** Worker entry: HTTP via Hono, Queue consumers and Cron Triggers in the same Worker. */
export default {
  fetch: app.fetch,

  async queue(batch: MessageBatch<unknown>, _env: Env, _ctx: ExecutionContext): Promise<void> {
    // Consumers are registered per queue by their modules (postbacks, analytics).
    for (const msg of batch.messages) msg.ack();
  },

  async scheduled(_controller: ScheduledController, _env: Env, _ctx: ExecutionContext): Promise<void> {},
} satisfies ExportedHandler<Env>;
