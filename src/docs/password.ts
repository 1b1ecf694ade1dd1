/**
 * The internal docs password check. INTERNAL_DOCS_PASSWORD_HASH holds the format of
 * src/security/password.ts (made by `npm run docs:hash-password`); the PBKDF2 code lives there,
 * shared with the shop app's member passwords.
 */
export { parsePasswordHash, verifyPassword, type PasswordHash } from '../security/password';
