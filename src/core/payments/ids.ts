import type { Mode } from '../../../generated/api/types.gen';
import { base62Digits, hmacKey, hmacSha256, randomBase62, sha256Hex } from '../../platform/lib/crypto';

const ID_CHARS = 22; // 62^22 ≈ 2^131

export const PAYMENT_ID_PATTERN = /^pay_[A-Za-z0-9]{22}$/;

/** A payment without a shop transaction id: 22 random base62 chars (≈131 bits). */
export function randomPaymentId(): string {
  return `pay_${randomBase62(ID_CHARS)}`;
}

/**
 * A payment with a shop transaction id gets an id derived from (shop, mode, shop id) with a
 * server-side key: replays land on the same Durable Object by construction (idempotency is a
 * property of the address, docs/architecture.md#state-a-durable-object-per-payment-kv-for-what-is-read-mostly), while outsiders cannot compute or guess it.
 */
export async function derivePaymentId(secret: string, shopId: string, mode: Mode, shopTransactionId: string): Promise<string> {
  // '|' cannot occur in shop ids, modes or shop transaction ids, so the input is unambiguous.
  const mac = await hmacSha256(await hmacKey(secret, ['sign']), `${shopId}|${mode}|${shopTransactionId}`);
  return `pay_${base62Digits(mac, ID_CHARS)}`;
}

/**
 * The key for derived ids: PAYMENT_ID_SECRET. Deployments that do not set it yet fall back to a
 * key made from the Bansky postback secret with a fixed label (never that secret itself).
 * Changing the key breaks replays of existing payments, so set it once and keep it.
 */
export function paymentIdKey(config: { paymentIdSecret?: string; bansky: { postbackSecrets: string[] } }): string {
  // Two postback secrets (a rotation) are refused without PAYMENT_ID_SECRET (env.ts), so this is the only one.
  return config.paymentIdSecret ?? `aimbrellapay-payment-id-v1:${config.bansky.postbackSecrets[0]}`;
}

/** SHA-256 of the request body with sorted keys: equal for the same body however it was serialised. */
export async function requestFingerprint(body: object): Promise<string> {
  const canonical = JSON.stringify(Object.fromEntries(Object.entries(body).sort(([a], [b]) => (a < b ? -1 : 1))));
  return sha256Hex(canonical);
}
