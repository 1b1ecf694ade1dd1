/**
 * Writes src/platform/security/common-passwords.ts: the passwords of at least PASSWORD_MIN (10) characters
 * from zxcvbn-ts's list of the most common ones (@zxcvbn-ts/language-common, 49,233 entries from
 * leaked-password frequency data). Shorter ones are refused by the length rule anyway, so the
 * Worker carries only these (about 1,600 words, 21 kB before compression) instead of the whole list.
 * `node scripts/build/common-passwords.mjs --check` fails when the committed file is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dictionary } from '@zxcvbn-ts/language-common';

const MIN = 10;
const MAX = 200;
const target = new URL('../../src/platform/security/common-passwords.ts', import.meta.url);
const words = [...new Set(dictionary['passwords-common'].map((w) => String(w).toLowerCase()))].filter(
  (w) => w.length >= MIN && w.length <= MAX,
);
const text = `// Written by scripts/build/common-passwords.mjs from @zxcvbn-ts/language-common; do not edit.
// The most common leaked passwords of ${MIN}+ characters, lower-cased, one per line (${words.length} words).
export const COMMON_PASSWORDS =
  ${singleQuoted(words.join('\n'))};
`;
/** A JS string literal the way the repository's formatter (biome) writes it: single quotes. */
function singleQuoted(value) {
  return `'${JSON.stringify(value).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
}

if (process.argv.includes('--check')) {
  if (readFileSync(target, 'utf8') !== text) {
    console.error('src/platform/security/common-passwords.ts is stale: run node scripts/build/common-passwords.mjs');
    process.exit(1);
  }
} else {
  writeFileSync(target, text);
  console.log(`wrote ${words.length} words, ${text.length} bytes`);
}
