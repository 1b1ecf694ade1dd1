/**
 * Bansky's postbacks carry `X-Bansky-Signature: sha256=<lowercase hex HMAC-SHA256 of the raw body>`
 * keyed with BANSKY_POSTBACK_SECRET (openapi.yaml, securitySchemes.banskySignature).
 */
const HEADER_FORMAT = /^sha256=([0-9a-f]{64})$/;

async function hmacKey(secret: string, usage: 'sign' | 'verify'): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [usage]);
}

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** True only for a well-formed header whose MAC matches the raw body. WebCrypto's verify is constant-time. */
export async function verifyBanskySignature(rawBody: ArrayBuffer | Uint8Array, header: string | undefined | null, secret: string): Promise<boolean> {
  const m = header ? HEADER_FORMAT.exec(header.trim()) : null;
  if (!m) return false;
  return crypto.subtle.verify('HMAC', await hmacKey(secret, 'verify'), hexToBytes(m[1]!), rawBody);
}

/** The header value Bansky would send for this body (used by tests and tooling). */
export async function signBanskyBody(rawBody: string, secret: string): Promise<string> {
  const mac = await crypto.subtle.sign('HMAC', await hmacKey(secret, 'sign'), new TextEncoder().encode(rawBody));
  return 'sha256=' + [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
