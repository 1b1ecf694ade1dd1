import { fromHex, hmacKey, hmacVerify } from '../../platform/lib/crypto';

/**
 * Bansky's postbacks carry `X-Bansky-Signature: sha256=<lowercase hex HMAC-SHA256 of the raw body>`
 * keyed with BANSKY_POSTBACK_SECRET (openapi.yaml, securitySchemes.banskySignature).
 */
const HEADER_FORMAT = /^sha256=([0-9a-f]{64})$/;

/** True only for a well-formed header whose MAC matches the raw body (verified in constant time). */
export async function verifyBanskySignature(
  rawBody: ArrayBuffer | Uint8Array,
  header: string | undefined | null,
  secret: string,
): Promise<boolean> {
  const m = header ? HEADER_FORMAT.exec(header.trim()) : null;
  if (!m) return false;
  return hmacVerify(await hmacKey(secret, ['verify']), fromHex(m[1]!), rawBody);
}
