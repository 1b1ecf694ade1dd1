/** Cloudflare sets CF-Connecting-IP to the real client; it cannot be forged through the edge. */
export function clientIp(headers: Headers): string {
  return headers.get('cf-connecting-ip') ?? headers.get('x-real-ip') ?? 'unknown';
}
