import type { PaymentRecord } from './record';

/**
 * The transaction log the product asks for: one KV record per payment (`txlog:<paymentId>`),
 * rewritten on each transition by the payment's Durable Object (the only writer, so writes to
 * one key never race). Read-mostly and eventually consistent; the DO stays the source of truth.
 * No email, URLs or Bansky page: the log is for reconciliation, not for customer data. Postback
 * delivery is not a transition and is not logged here (KV takes one write per key per second;
 * a delivery lands within milliseconds of the transition): read it from the payment.
 */
const txlogKey = (paymentId: string) => `txlog:${paymentId}`;

interface TxlogEntry {
  id: string;
  shopId: string;
  mode: PaymentRecord['mode'];
  shopTransactionId: string | null;
  status: PaymentRecord['status'];
  amount: string;
  currency: string;
  type: PaymentRecord['type'];
  createdAt: string;
  updatedAt: string;
  expiresAt: string;
  transitions: PaymentRecord['transitions'];
}

function toTxlogEntry(r: PaymentRecord): TxlogEntry {
  return {
    id: r.id,
    shopId: r.shopId,
    mode: r.mode,
    shopTransactionId: r.shopTransactionId,
    status: r.status,
    amount: r.amount,
    currency: r.currency,
    type: r.type,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    expiresAt: r.expiresAt,
    transitions: r.transitions,
  };
}

export class TransactionLog {
  constructor(private readonly kv: KVNamespace) {}

  async write(r: PaymentRecord): Promise<void> {
    await this.kv.put(txlogKey(r.id), JSON.stringify(toTxlogEntry(r)));
  }
}
