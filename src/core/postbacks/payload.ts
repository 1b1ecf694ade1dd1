import { Webhook } from 'standardwebhooks';
import type { ShopPostback } from '../../../generated/api/types.gen';
import type { PaymentRecord } from '../payments/record';

/** What travels on the postbacks queue: a pointer, never the payload (the DO is the truth). */
export interface PostbackJob {
  paymentId: string;
  webhookId: string;
  /** When this delivery was queued; dead-lettering counts from here. */
  queuedAt: string;
}

export function isPostbackJob(v: unknown): v is PostbackJob {
  const j = v as PostbackJob;
  return !!j && typeof j.paymentId === 'string' && typeof j.webhookId === 'string' && typeof j.queuedAt === 'string';
}

/**
 * The body per the `ShopPostback` schema. Built from the final state only, so every retry and
 * redelivery of one webhook-id carries the same bytes.
 */
export function buildShopPostback(r: PaymentRecord): ShopPostback {
  if (r.status !== 'paid' && r.status !== 'failed' && r.status !== 'expired') {
    throw new Error(`payment ${r.id} is ${r.status}: no postback for it`);
  }
  if (r.shopTransactionId === null) throw new Error(`payment ${r.id} has no shop transaction id`);
  return {
    type: `payment.${r.status}`,
    timestamp: r.updatedAt,
    data: {
      id: r.id,
      shopTransactionId: r.shopTransactionId,
      status: r.status,
      mode: r.mode,
      amount: r.amount,
      currency: r.currency,
      type: r.type,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
      metadata: r.metadata ?? {},
    },
  };
}

/**
 * Standard Webhooks headers. During a secret rotation every active secret signs, and the
 * signatures are space-separated in one `webhook-signature` header, so a shop verifying with
 * either secret accepts the postback.
 */
export function signShopPostback(webhookId: string, body: string, secrets: string[], at: Date): Record<string, string> {
  if (secrets.length === 0) throw new Error('the shop has no active webhook secret');
  const signature = secrets.map((s) => new Webhook(s).sign(webhookId, at, body)).join(' ');
  return {
    'content-type': 'application/json',
    'user-agent': 'AimbrellaPay-Postbacks/1',
    'webhook-id': webhookId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signature,
  };
}
