import type { PaymentListItem, PostbackSummary } from '../../../generated/api/types.gen';
import { type PaymentRecord, postbackSummary, revisionOf } from '../payments/record';

/** What the index keeps of a payment: what the list shows and filters on. */
export interface IndexEntry extends Omit<PaymentListItem, 'metadata'> {
  /** Absent on entries written before metadata existed. */
  metadata?: Record<string, string>;
  shopId: string;
  /** The record's revision (`revisionOf`): a newer version always wins, so late or repeated writes are harmless. */
  version: number;
  /** The shop's postback delivery (the Postbacks page); absent on entries written before it was kept. */
  postback?: PostbackSummary;
}

export function toIndexEntry(r: PaymentRecord): IndexEntry {
  return {
    shopId: r.shopId,
    version: revisionOf(r),
    id: r.id,
    shopTransactionId: r.shopTransactionId,
    status: r.status,
    mode: r.mode,
    amount: r.amount,
    currency: r.currency,
    type: r.type,
    email: r.email,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    metadata: r.metadata ?? {},
    postback: postbackSummary(r),
  };
}

export function toListItem(e: Omit<PaymentListItem, 'metadata'> & { metadata?: Record<string, string> }): PaymentListItem {
  return {
    id: e.id,
    shopTransactionId: e.shopTransactionId,
    status: e.status,
    mode: e.mode,
    amount: e.amount,
    currency: e.currency,
    type: e.type,
    email: e.email,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
    metadata: e.metadata ?? {}, // entries written before metadata existed have none
  };
}
