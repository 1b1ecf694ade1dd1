import { createHmac, randomBytes } from 'node:crypto';
import type { BanskyPostback } from '../../generated/api/types.gen.ts';
import type { SandboxSession } from './server.ts';

export interface PostbackRecord {
  status: BanskyPostback['status'];
  body: string;
  signature: string;
  httpStatus: number | null;
  error: string | null;
  at: string;
}

/** The X-Bansky-Signature value: `sha256=` + hex HMAC-SHA256 of the exact body bytes. */
export function signBanskyPostback(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/**
 * Sends Bansky's postbacks (with the faults the session asked for) and remembers each one.
 * Like a provider, it retries a failed delivery a few times (network error or 5xx).
 */
export class PostbackSender {
  private readonly sent = new Map<string, PostbackRecord[]>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly secret: string,
    private readonly log: (line: string) => void,
  ) {}

  records(paymentId: string): PostbackRecord[] {
    return this.sent.get(paymentId) ?? [];
  }

  deliver(s: SandboxSession, status: 'paid' | 'failed', opts: { delayMs: number }) {
    const f = s.faults;
    if (f.has('postback_none')) return;
    const occurredAt = new Date();
    const main = this.payload(s, status, occurredAt);
    const plan: Array<{ body: BanskyPostback; afterMs: number; badSignature?: boolean }> = [];
    const first = f.has('postback_delay') ? opts.delayMs : 0;
    plan.push({ body: main, afterMs: first, badSignature: f.has('postback_bad_signature') });
    if (f.has('postback_duplicate')) plan.push({ body: main, afterMs: first + 200 });
    if (f.has('postback_out_of_order')) {
      const stale = this.payload(s, status === 'paid' ? 'failed' : 'paid', new Date(occurredAt.getTime() - 60_000));
      plan.push({ body: stale, afterMs: first + 400 });
    }
    // Sequential, so "duplicate" and "out of order" arrive in the order the test expects.
    let chain = Promise.resolve();
    for (const step of plan) {
      chain = chain.then(() => this.wait(step.afterMs)).then(() => this.send(s, step.body, step.badSignature ?? false));
    }
  }

  stop() {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
  }

  private payload(s: SandboxSession, status: BanskyPostback['status'], at: Date): BanskyPostback {
    const amount = s.faults.has('postback_wrong_amount') ? bump(s.request.amount) : s.request.amount;
    return { id: s.request.id, transactionId: s.transactionId, status, amount, currency: s.request.currency, occurredAt: at.toISOString() };
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (ms <= 0 || this.stopped) return resolve();
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  private async send(s: SandboxSession, payload: BanskyPostback, badSignature: boolean) {
    const body = JSON.stringify(payload);
    const signature = signBanskyPostback(body, badSignature ? `not-the-secret-${randomBytes(4).toString('hex')}` : this.secret);
    for (let attempt = 1; attempt <= 3 && !this.stopped; attempt++) {
      const record: PostbackRecord = {
        status: payload.status,
        body,
        signature,
        httpStatus: null,
        error: null,
        at: new Date().toISOString(),
      };
      this.sent.set(payload.id, [...this.records(payload.id), record]);
      try {
        const res = await fetch(s.request.postbackUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-bansky-signature': signature },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        record.httpStatus = res.status;
        await res.arrayBuffer();
        this.log(`postback ${payload.id} ${payload.status} → ${res.status}`);
        if (res.status < 500) return;
      } catch (err) {
        record.error = (err as Error).message;
        this.log(`postback ${payload.id} ${payload.status} failed: ${record.error}`);
      }
      await this.wait(500 * attempt);
    }
  }
}

/** A different but still valid amount with the same number of decimals. */
function bump(amount: string): string {
  const [int, frac] = amount.split('.');
  return `${BigInt(int!) + 1n}${frac !== undefined ? `.${frac}` : ''}`;
}
