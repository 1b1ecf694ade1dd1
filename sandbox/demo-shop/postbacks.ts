import { Webhook } from 'standardwebhooks';
import type { ShopPostback } from '../../generated/api/types.gen.ts';

export interface VerifiedPostback {
  webhookId: string;
  receivedAt: string;
  /** How often this webhook-id arrived (retries and duplicates are normal: at least once). */
  deliveries: number;
  payload: ShopPostback;
}

/**
 * What a shop must do with a postback: verify the Standard Webhooks signature over the RAW body
 * with its whsec_ secret before trusting anything in it, then de-duplicate by webhook-id.
 */
export class PostbackInbox {
  private readonly webhook: Webhook;
  private readonly byId = new Map<string, VerifiedPostback>();
  rejected = 0;

  constructor(secret: string) {
    this.webhook = new Webhook(secret);
  }

  /** Returns the verified postback, or null when the signature (or timestamp) does not hold. */
  receive(rawBody: string, headers: Record<string, string | string[] | undefined>): VerifiedPostback | null {
    const header = (name: string) => {
      const v = headers[name];
      return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
    };
    let payload: ShopPostback;
    try {
      payload = this.webhook.verify(rawBody, {
        'webhook-id': header('webhook-id'),
        'webhook-timestamp': header('webhook-timestamp'),
        'webhook-signature': header('webhook-signature'),
      }) as ShopPostback;
    } catch {
      this.rejected++;
      return null;
    }
    const webhookId = header('webhook-id');
    const seen = this.byId.get(webhookId);
    if (seen) {
      seen.deliveries++;
      return seen;
    }
    const fresh = { webhookId, receivedAt: new Date().toISOString(), deliveries: 1, payload };
    this.byId.set(webhookId, fresh);
    return fresh;
  }

  list(): VerifiedPostback[] {
    return [...this.byId.values()].reverse();
  }

  forOrder(orderId: string): VerifiedPostback[] {
    return this.list().filter((p) => p.payload.data.shopTransactionId === orderId);
  }
}
