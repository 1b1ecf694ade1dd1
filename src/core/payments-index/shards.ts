import type { Mode } from '../../../generated/api/types.gen';
import type { PaymentsIndexObject } from './index-object';

/**
 * The payments index is sharded per shop, mode and calendar month (UTC) of a payment's creation
 * (docs/internal/payments-index.md): a shard is one SQLite-backed Durable Object, so it is
 * strongly consistent, small, and the current month is the only hot one. A payment stays in the
 * shard of its createdAt for life, so every update of it reaches the same object.
 */
export type IndexNamespace = DurableObjectNamespace<PaymentsIndexObject>;

export const monthOf = (isoDateOrTime: string) => isoDateOrTime.slice(0, 7); // YYYY-MM

function shardName(shopId: string, mode: Mode, month: string): string {
  return `pidx:${shopId}:${mode}:${month}`;
}

export function shard(ns: IndexNamespace, shopId: string, mode: Mode, month: string): DurableObjectStub<PaymentsIndexObject> {
  return ns.get(ns.idFromName(shardName(shopId, mode, month)));
}

/** Months from `to` back to `from` (both YYYY-MM), newest first. */
export function monthsDescending(from: string, to: string): string[] {
  const out: string[] = [];
  let [y, m] = to.split('-').map(Number) as [number, number];
  const [fy, fm] = from.split('-').map(Number) as [number, number];
  while (y > fy || (y === fy && m >= fm)) {
    out.push(`${y}-${String(m).padStart(2, '0')}`);
    m -= 1;
    if (m === 0) {
      m = 12;
      y -= 1;
    }
  }
  return out;
}

/** Cursor: the position after the last item of a page, opaque to callers (base64url JSON). */
export interface Position {
  createdAt: string;
  id: string;
}

export function encodeCursor(p: Position): string {
  return btoa(JSON.stringify([p.createdAt, p.id]))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** The events log of a shop × mode (events.ts): one object beside the month shards, kept 30 days. */
export function eventsShard(ns: IndexNamespace, shopId: string, mode: Mode): DurableObjectStub<PaymentsIndexObject> {
  return ns.get(ns.idFromName(`pevt:${shopId}:${mode}`));
}

const PAYMENT_ID = /^pay_[A-Za-z0-9]{22}$/;

export function decodeCursor(cursor: string, idPattern: RegExp = PAYMENT_ID): Position | null {
  try {
    const b64 = cursor.replace(/-/g, '+').replace(/_/g, '/');
    const [createdAt, id] = JSON.parse(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4))) as [unknown, unknown];
    if (typeof createdAt !== 'string' || typeof id !== 'string') return null;
    if (!/^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(createdAt) || !idPattern.test(id)) return null;
    return { createdAt, id };
  } catch {
    return null;
  }
}
