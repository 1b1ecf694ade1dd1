/**
 * JSON → YAML, for serving the contract as YAML without bundling a YAML library into the Worker.
 * Block style, the way openapi.yaml itself is written: mappings and sequences indented by two,
 * multi-line text as literal blocks (`|`), every other string double-quoted with JSON's escapes
 * (valid YAML 1.2 double-quoted scalars), so nothing can be read as a number, a boolean or null.
 */
export function toYaml(value: unknown): string {
  const lines = collection(value, 0);
  return `${lines ? lines.join('\n') : inline(value)}\n`;
}

const pad = (n: number) => ' '.repeat(n);

/** Keys that need no quotes: no YAML indicator, nothing YAML 1.1 readers take for a bool or null. */
const PLAIN_KEY = /^[A-Za-z_$/][A-Za-z0-9_$./{}-]*$/;
const SPECIAL_WORDS = /^(true|false|null|yes|no|on|off|y|n)$/i;

function key(k: string): string {
  return PLAIN_KEY.test(k) && !SPECIAL_WORDS.test(k) ? k : JSON.stringify(k);
}

function inline(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return '[]';
  return '{}';
}

/** A character a literal block cannot hold as it is (controls but tab and newline, line/paragraph separators, BOM). */
function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a) || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029 || c === 0xfeff) return true;
  }
  return false;
}

/** Text that reads back exactly from a literal block: newlines, no other control character, no leading blank. */
function literalBlock(s: string): { header: string; lines: string[] } | null {
  if (!s.includes('\n') || hasControl(s) || /^[ \t]/.test(s)) return null;
  const body = s.endsWith('\n') ? s.slice(0, -1) : s;
  if (body.endsWith('\n') || body === '') return null; // several trailing newlines: keep it quoted
  const lines = body.split('\n');
  if (lines.some((l) => /^\s+$/.test(l))) return null; // a whitespace-only line would read back empty
  return { header: s.endsWith('\n') ? '|' : '|-', lines };
}

/** The lines of a non-empty mapping or sequence at `indent`, or null for a scalar or an empty collection. */
function collection(v: unknown, indent: number): string[] | null {
  if (Array.isArray(v)) {
    if (v.length === 0) return null;
    return v.flatMap((item) => entry(`${pad(indent)}-`, item, indent + 2, true));
  }
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v).filter(([, value]) => value !== undefined);
    if (entries.length === 0) return null;
    return entries.flatMap(([k, value]) => entry(`${pad(indent)}${key(k)}:`, value, indent + 2, false));
  }
  return null;
}

/** `prefix` (`key:` or `-`) followed by the value: inline, as a literal block, or nested below. */
function entry(prefix: string, value: unknown, inner: number, inSequence: boolean): string[] {
  const nested = collection(value, inner);
  if (nested) {
    // A sequence item starts its mapping (or sequence) on the dash's line.
    if (inSequence) return [`${prefix} ${nested[0]!.slice(inner)}`, ...nested.slice(1)];
    return [prefix, ...nested];
  }
  const block = typeof value === 'string' ? literalBlock(value) : null;
  if (block) return [`${prefix} ${block.header}`, ...block.lines.map((l) => (l === '' ? '' : pad(inner) + l))];
  return [`${prefix} ${inline(value)}`];
}
