import { describe, expect, it } from 'vitest';
import { parsePasswordHash, verifyPassword } from '../../src/platform/security/password';
import { CANARY } from '../support/test-bindings';

// The hash in the test bindings was made by `npm run docs:hash-password` (Node's PBKDF2): the
// Worker (WebCrypto in workerd) must accept exactly what the tool produces.
describe('internal docs password hash', { timeout: 30_000 }, () => {
  it('verifies the password behind a hash made by docs:hash-password, and nothing else', async () => {
    const stored = parsePasswordHash(CANARY.INTERNAL_DOCS_PASSWORD_HASH)!;
    expect(stored).toMatchObject({ iterations: 100_000 });
    expect(stored.salt).toHaveLength(16);
    expect(await verifyPassword('canary_internal_docs_password_6b0e2f', stored)).toBe(true);
    for (const wrong of [
      '',
      'canary_internal_docs_password_6b0e2',
      'canary_internal_docs_password_6b0e2f ',
      'CANARY_internal_docs_password_6b0e2f',
    ]) {
      expect(await verifyPassword(wrong, stored), wrong).toBe(false);
    }
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['a plain password', 'local-docs-password'],
    ['too few iterations', CANARY.INTERNAL_DOCS_PASSWORD_HASH.replace(':100000:', ':1000:')],
    ['another algorithm', CANARY.INTERNAL_DOCS_PASSWORD_HASH.replace('pbkdf2-sha256', 'pbkdf2-sha1')],
    ['a truncated hash', CANARY.INTERNAL_DOCS_PASSWORD_HASH.slice(0, -2)],
    ['the old $-separated format', CANARY.INTERNAL_DOCS_PASSWORD_HASH.replace(/:/g, '$')],
  ])('keeps the docs closed when the secret is %s', (_what, value) => {
    expect(parsePasswordHash(value)).toBeNull();
  });
});
