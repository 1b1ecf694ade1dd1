import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/platform/lib/clock';
import { hmacKey, hmacSha256, hmacVerify } from '../../src/platform/lib/crypto';
import { createLogger } from '../../src/platform/observability/logger';

describe('hmacKey', () => {
  it('imports a configured (string) secret once per isolate and usage, and the kept key still signs and verifies', async () => {
    const secret = `kept-${crypto.randomUUID()}`;
    const first = hmacKey(secret, ['sign']);
    expect(hmacKey(secret, ['sign'])).toBe(first);
    expect(hmacKey(secret, ['verify'])).not.toBe(first);
    const mac = await hmacSha256(await first, 'message');
    expect(await hmacVerify(await hmacKey(secret, ['verify']), mac, 'message')).toBe(true);
    expect(await hmacVerify(await hmacKey(`other-${secret}`, ['verify']), mac, 'message')).toBe(false);
  });

  it('keeps a bounded number of keys and never keeps raw-byte keys', async () => {
    const oldest = `bounded-${crypto.randomUUID()}`;
    const first = hmacKey(oldest, ['sign']);
    for (let i = 0; i < 16; i++) await hmacKey(`bounded-${i}-${crypto.randomUUID()}`, ['sign']);
    expect(hmacKey(oldest, ['sign'])).not.toBe(first); // evicted, imported again
    const raw = new Uint8Array(32).fill(7);
    expect(hmacKey(raw)).not.toBe(hmacKey(raw));
  });
});

describe('logger.enabled', () => {
  it('says which levels are written, for the logger and its children', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'warn', secrets: [], clock: systemClock, sink: (l) => lines.push(l) });
    expect([log.enabled('debug'), log.enabled('info'), log.enabled('warn'), log.enabled('error')]).toEqual([false, false, true, true]);
    expect(log.child({ a: 1 }).enabled('info')).toBe(false);
    log.info('dropped');
    log.warn('kept');
    expect(lines).toHaveLength(1);
  });
});
