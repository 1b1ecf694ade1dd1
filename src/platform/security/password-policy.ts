/**
 * The members' password rules, after NIST SP 800-63B §5.1.1.2 (memorised secrets): a length
 * window and a check against values known to be bad — the member's own email and its parts,
 * repetitive and sequential strings, and the most common leaked passwords — and nothing else
 * (no composition rules, no forced rotation). Each refusal names its rule so the page can say
 * what to change.
 */
import { COMMON_PASSWORDS } from './common-passwords';

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 200;

export type PasswordRule = 'length' | 'email' | 'repetitive' | 'sequential' | 'common';

export const PASSWORD_RULE_TEXT: Record<PasswordRule, string> = {
  length: `Use between ${PASSWORD_MIN} and ${PASSWORD_MAX} characters.`,
  email: 'Do not build the password from your email address; choose something unrelated to it.',
  repetitive: 'This password repeats the same few characters; choose one with more variety.',
  sequential: 'This password is a run of consecutive characters (like 1234567890 or qwertyuiop); choose something less predictable.',
  common: 'This password is on the list of the most common passwords; attackers try these first. Choose another one.',
};

let common: Set<string> | undefined;
const commonPasswords = () => (common ??= new Set(COMMON_PASSWORDS.split('\n')));

/** Characters as a person counts them (an emoji or an accented letter is one). */
const length = (s: string) => [...s].length;

const SEQUENCES = [
  '0123456789',
  'abcdefghijklmnopqrstuvwxyz',
  'qwertyuiop',
  'asdfghjkl',
  'zxcvbnm',
  '1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p',
];

/** The first rule the password breaks, or null when it is acceptable. */
export function passwordProblem(password: string, email: string): PasswordRule | null {
  const n = length(password);
  if (n < PASSWORD_MIN || n > PASSWORD_MAX) return 'length';
  const p = password.toLowerCase();
  if (commonPasswords().has(p)) return 'common';
  if (isRepetitive(p)) return 'repetitive';
  if (isSequential(p)) return 'sequential';
  if (isFromEmail(p, email.trim().toLowerCase())) return 'email';
  return null;
}

/** Fewer than 4 distinct characters ("aaaaaaaaaa", "ababab1212"), or one block repeated ("passpasspass"). */
function isRepetitive(p: string): boolean {
  if (new Set(p).size < 4) return true;
  for (let size = 1; size <= p.length / 2; size++) {
    if (p.length % size === 0 && p.slice(0, size).repeat(p.length / size) === p) return true;
  }
  return false;
}

/** The whole password is a run along the alphabet, the digits or a keyboard row, either way, wrapping ("7890123456"). */
function isSequential(p: string): boolean {
  return SEQUENCES.some((seq) => {
    const forward = seq.repeat(Math.ceil(p.length / seq.length) + 1);
    const backward = [...forward].reverse().join('');
    return forward.includes(p) || backward.includes(p);
  });
}

/**
 * Built from the email: it contains the whole address, or what is left after taking out the
 * address's parts (the local part and its pieces, the domain's labels; 3+ characters each) has
 * fewer than 6 letters or digits ("staffstaff12", "demo-shop.example2024").
 */
function isFromEmail(p: string, email: string): boolean {
  if (!email.includes('@')) return false;
  if (p.includes(email)) return true;
  const [local = '', domain = ''] = email.split('@');
  const parts = [local, ...local.split(/[._+-]+/), ...domain.split('.'), ...domain.split(/[.-]+/)].filter((part) => part.length >= 3);
  let rest = p;
  for (const part of [...new Set(parts)].sort((a, b) => b.length - a.length)) rest = rest.split(part).join(' ');
  return rest !== p && rest.replace(/[^\p{L}\p{N}]/gu, '').length < 6;
}
