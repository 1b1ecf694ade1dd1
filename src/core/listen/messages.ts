import type { EventType } from '../../../generated/api/types.gen';

/**
 * The listen protocol (`GET /api/v1/listen`, described in openapi.yaml): JSON text frames. We send
 * `ready` once and a `postback` per event; the tool answers each with a `result`.
 */
export interface ListenPostback {
  type: 'postback';
  webhookId: string;
  eventType: EventType;
  paymentId: string;
  /** Exactly the headers we sign a postback with, and its raw body. */
  headers: Record<string, string>;
  body: string;
}

export interface ListenReady {
  type: 'ready';
  session: string;
  shopId: string;
}

/** What the shop's local endpoint answered, as the tool reports it. */
export interface ListenResult {
  webhookId: string;
  status: number | null;
  durationMs: number | null;
  error: string | null;
}

const WEBHOOK_ID = /^msg_(pay_[A-Za-z0-9]{22})_(paid|failed|expired)$/;

/** A `result` frame, checked field by field (it comes from a shop's machine); null when it is not one. */
export function parseResult(text: string): (ListenResult & { paymentId: string }) | null {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (v?.type !== 'result' || typeof v.webhookId !== 'string') return null;
  const id = WEBHOOK_ID.exec(v.webhookId);
  if (!id) return null;
  const status = Number.isInteger(v.status) && (v.status as number) >= 100 && (v.status as number) <= 599 ? (v.status as number) : null;
  const durationMs = Number.isFinite(v.durationMs) && (v.durationMs as number) >= 0 ? Math.round(v.durationMs as number) : null;
  const error = typeof v.error === 'string' ? v.error.slice(0, 200) : null;
  return { webhookId: v.webhookId, paymentId: id[1]!, status, durationMs, error };
}
