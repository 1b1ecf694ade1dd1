#!/usr/bin/env node
// `npm run docs:hash-password`: turns the internal docs password into the value of the
// INTERNAL_DOCS_PASSWORD_HASH secret. The password is read from the terminal (not echoed) or from
// stdin, never from argv: command lines end up in shell history and `ps`.
//   printf %s 'the password' | npm run -s docs:hash-password
// Format (docs/internal/internal-docs-access.md): pbkdf2-sha256:<iterations>:<salt b64url>:<hash b64url>
// (colons, not `$`: wrangler expands `$NAME` in .dev.vars)
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';

// workerd's PBKDF2 refuses more than 100 000 iterations, so this is both the floor we want and the ceiling we can use.
export const ITERATIONS = 100_000;
const MIN_LENGTH = 12;

export function hashPassword(password, { iterations = ITERATIONS, salt = randomBytes(16) } = {}) {
  const hash = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  return `pbkdf2-sha256:${iterations}:${salt.toString('base64url')}:${hash.toString('base64url')}`;
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

async function promptHidden(question) {
  process.stderr.write(question);
  process.stdin.setRawMode(true);
  process.stdin.resume();
  let input = '';
  return new Promise((resolve) => {
    process.stdin.on('data', (buf) => {
      for (const ch of buf.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          process.stdin.setRawMode(false);
          process.stdin.pause();
          process.stderr.write('\n');
          return resolve(input);
        }
        if (ch === '\u0003') process.exit(130); // Ctrl-C
        input = ch === '\u007f' ? input.slice(0, -1) : input + ch;
      }
    });
  });
}

async function main() {
  let password;
  if (process.stdin.isTTY) {
    password = await promptHidden('Internal docs password: ');
    const again = await promptHidden('Repeat it: ');
    if (again !== password) throw new Error('the two entries differ');
  } else {
    password = await readStdin();
  }
  if (password.length < MIN_LENGTH) throw new Error(`use at least ${MIN_LENGTH} characters`);
  process.stdout.write(`${hashPassword(password)}\n`);
  if (process.stdout.isTTY) {
    process.stderr.write('Set it with: npx wrangler secret put INTERNAL_DOCS_PASSWORD_HASH (paste the line above)\n');
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err) => {
    console.error(`docs:hash-password: ${err.message}`);
    process.exit(1);
  });
}
