import type { Env } from '../env';

/** Streams analytics events to BigQuery. */
export async function handleAnalyticsBatch(batch: MessageBatch<unknown>, _env: Env, _ctx: ExecutionContext): Promise<void> {
  for (const msg of batch.messages) msg.retry();
}

/** Records analytics rows that BigQuery refused for good. */
export async function handleAnalyticsDeadLetters(batch: MessageBatch<unknown>, _env: Env, _ctx: ExecutionContext): Promise<void> {
  for (const msg of batch.messages) msg.retry();
}
