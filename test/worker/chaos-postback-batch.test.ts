// Reproduction of a chaos-run finding (npm run chaos, line 4): one shop's hanging endpoint holds
// the postbacks queue's batch — and so the next batch, with other shops' retries — for as long as
// its attempt takes (POSTBACK_TIMEOUT_MS, 15 s by default). In the chaos run (timeout 3 s, retry
// schedule 2 s) shop B's retries ran 3.1 s p50 / 4.2 s max after their failed attempt while shop
// A's five endpoints hung, against 2.0 s p50 / 2.5 s max with nobody hanging (line 3).
//
// handlePostbackBatch awaits each payment object's attempt, i.e. the shop's HTTP answer. Expected
// here: the batch settles without waiting for a shop (the object can make the attempt after
// answering, under its own waitUntil; its alarm sweeps an attempt that is lost). This test fails
// until then.
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { handlePostbackBatch } from '../../src/postbacks/consumer';
import type { PostbackJob } from '../../src/postbacks/payload';
import type { Services } from '../../src/services';

const SHOP_HANGS_MS = 3_000;

describe('chaos: the postbacks queue and a hanging shop endpoint', () => {
  it('settles a batch without waiting for a shop that does not answer', { timeout: 20_000 }, async () => {
    const calls: string[] = [];
    // The payment objects as the consumer sees them: A's attempt hangs (its shop never answers), B's is immediate.
    const services = {
      log: { info() {}, warn() {}, error() {}, debug() {} },
      payments: {
        object: (paymentId: string) => ({
          deliverPostback: async () => {
            calls.push(paymentId);
            if (paymentId === 'pay_A') await new Promise((r) => setTimeout(r, SHOP_HANGS_MS));
            return 'retrying';
          },
        }),
      },
    } as unknown as Services;
    const job = (paymentId: string): PostbackJob => ({ paymentId, webhookId: `msg_${paymentId}_paid`, queuedAt: new Date().toISOString() });
    const batch = createMessageBatch('aimbrellapay-postbacks', [
      { id: 'a', timestamp: new Date(), attempts: 1, body: job('pay_A') },
      { id: 'b', timestamp: new Date(), attempts: 1, body: job('pay_B') },
    ]);

    const started = Date.now();
    await handlePostbackBatch(batch, services);
    const heldMs = Date.now() - started;
    const result = await getQueueResult(batch, createExecutionContext());

    expect(calls.sort()).toEqual(['pay_A', 'pay_B']);
    expect(result.explicitAcks.sort()).toEqual(['a', 'b']);
    // Today: ≈ SHOP_HANGS_MS — the whole batch (and the consumer) waits for shop A.
    expect(heldMs).toBeLessThan(500);
  });
});
