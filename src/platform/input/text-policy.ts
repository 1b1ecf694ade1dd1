import type { ValidationIssue } from '../../../generated/api/types.gen';
import { ApiError } from '../problem';

/**
 * Characters a shop's text must not carry to Bansky's page, our records, logs and `Location`
 * headers. The schema says "string"; these rules say which strings.
 *
 * - Everywhere: control characters (C0, DEL, C1: a NUL made the returning customer's redirect
 *   throw), bidi embeddings, overrides and isolates (U+202A–202E, U+2066–2069: they reorder what
 *   Bansky shows, "Trojan Source"), line/paragraph separators, lone surrogates (not text at all:
 *   they cannot be encoded as UTF-8), noncharacters, and invisible characters that hide or
 *   smuggle text (zero-width space, word joiner, BOM, interlinear annotations, Hangul fillers,
 *   tag characters outside an emoji flag).
 * - In names we keep what real names need: ZWJ/ZWNJ (Persian, Indic scripts, emoji sequences),
 *   LRM/RLM/ALM (marks, not overrides), variation selectors, soft hyphen.
 * - In URLs nothing invisible has a use, and the URL parser silently drops some of it (tab,
 *   newline) or IDNA maps it away in a host (soft hyphen, ZWJ, variation selectors: `shop.ex\u00ADample`
 *   is `shop.example`), so a URL may contain no format (Cf) character at all.
 */
type TextKind = 'name' | 'url';

const ALWAYS =
  /[\p{Cc}\p{Cs}\p{Zl}\p{Zp}\u202A-\u202E\u2066-\u2069\u200B\u2060-\u2064\u206A-\u206F\uFEFF\uFFF9-\uFFFB\u115F\u1160\u3164\uFFA0\uFDD0-\uFDEF]/u;
// biome-ignore lint/suspicious/noMisleadingCharacterClass: the class lists combining and variation selectors on purpose, one code point each (u flag)
const URL_ONLY = /[\p{Cf}\u034F\u17B4\u17B5\u180B-\u180F\uFE00-\uFE0F\u{E0100}-\u{E01EF}]/u;
const TAG = /[\u{E0000}-\u{E007F}]/u;
const BLACK_FLAG = 0x1f3f4; // 🏴, the base of subdivision flags (🏴 + tag letters + cancel tag)

function describe(cp: number): string {
  if (cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f)) return 'a control character';
  if (cp >= 0xd800 && cp <= 0xdfff) return 'a lone surrogate (not valid Unicode text)';
  if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp === 0x200e || cp === 0x200f || cp === 0x061c) {
    return 'a bidirectional formatting character';
  }
  if (cp === 0x2028 || cp === 0x2029) return 'a line or paragraph separator';
  if ((cp & 0xfffe) === 0xfffe || (cp >= 0xfdd0 && cp <= 0xfdef)) return 'a noncharacter';
  return 'an invisible formatting character';
}

const hex = (cp: number) => `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;

/** The first character of `text` this kind of field must not contain, as a message, or null. */
function unsafeCharacter(text: string, kind: TextKind): string | null {
  let index = 0;
  let previous = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    const isTag = TAG.test(ch);
    const inFlag = isTag && (previous === BLACK_FLAG || (previous >= 0xe0000 && previous <= 0xe007f));
    const bad =
      ALWAYS.test(ch) ||
      (cp & 0xfffe) === 0xfffe ||
      (isTag && !inFlag) ||
      (kind === 'url' && !isTag && URL_ONLY.test(ch)) ||
      (kind === 'url' && isTag);
    if (bad) return `contains ${hex(cp)} (${describe(cp)}) at character ${index + 1}`;
    index += ch.length;
    previous = cp;
  }
  return null;
}

const URL_FIELDS = ['successUrl', 'errorUrl', 'postbackUrl'] as const;

/**
 * Every unsafe-text issue of an init-payment body (name, URLs, metadata values), one per field, with its JSON Pointer. Give it
 * the body as parsed from JSON, before the schema: zod's `url()` trims and drops tab/CR/LF
 * silently, and a URL that arrived with them must be refused, not quietly repaired.
 */
function unsafeTextIssues(body: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (typeof body !== 'object' || body === null) return issues;
  const fields = body as Record<string, unknown>;
  const check = (field: string, kind: TextKind) => {
    const value = fields[field];
    if (typeof value !== 'string') return;
    const message = unsafeCharacter(value, kind);
    if (message) issues.push({ path: `/${field}`, message });
  };
  check('name', 'name');
  for (const field of URL_FIELDS) check(field, 'url');
  // Metadata values are free text like a name: they reach the shop app, logs and analytics.
  const metadata = fields.metadata;
  if (typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata)) {
    for (const [key, value] of Object.entries(metadata)) {
      const message = typeof value === 'string' ? unsafeCharacter(value, 'name') : null;
      if (message) issues.push({ path: `/metadata/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, message });
    }
  }
  return issues;
}

/** Throws `400 invalid_characters` naming every offending field. */
export function assertSafeText(body: unknown): void {
  const errors = unsafeTextIssues(body);
  if (errors.length === 0) return;
  const detail = errors.map((e) => `${e.path.slice(1)}: ${e.message}`).join('; ');
  throw new ApiError(400, 'invalid_characters', detail, { errors });
}
