/**
 * IP literals as the WHATWG URL parser leaves them in `url.hostname`, classified public or not.
 *
 * The parser already turns every IPv4 spelling (`2130706433`, `0x7f.1`, `0177.0.0.1`, `127.1`,
 * full-width digits, percent-escapes) into dotted decimal, and every IPv6 spelling into its
 * compressed lowercase form in brackets (`[::ffff:127.0.0.1]` → `[::ffff:7f00:1]`). What it does
 * not do is look inside IPv6: mapped, compatible, NAT64, 6to4 and Teredo addresses carry an IPv4
 * address that a relay or the host's own stack may turn back into 127.0.0.1 or 169.254.169.254.
 * So every IPv6 address is decoded to its 128 bits and judged by the IANA special-purpose
 * registries (RFC 6890 and successors), embedded IPv4 included.
 */

export type V4 = readonly [number, number, number, number];

/** Why an address is not a public unicast target, or null when it is one. */
export type IpVerdict = string | null;

function parseV4(host: string): V4 | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? (parts as unknown as V4) : null;
}

const v4text = (a: V4) => a.join('.');

// [first address, prefix length, what it is]: IANA IPv4 special-purpose registry plus multicast,
// reserved and broadcast. Everything here is unreachable, internal or not ours to post to.
const V4_RANGES: ReadonlyArray<readonly [V4, number, string]> = [
  [[0, 0, 0, 0], 8, '"this network" (0.0.0.0/8)'],
  [[10, 0, 0, 0], 8, 'private (10.0.0.0/8)'],
  [[100, 64, 0, 0], 10, 'carrier-grade NAT (100.64.0.0/10)'],
  [[127, 0, 0, 0], 8, 'loopback (127.0.0.0/8)'],
  [[169, 254, 0, 0], 16, 'link-local, cloud metadata (169.254.0.0/16)'],
  [[172, 16, 0, 0], 12, 'private (172.16.0.0/12)'],
  [[192, 0, 0, 0], 24, 'IETF protocol assignments (192.0.0.0/24)'],
  [[192, 0, 2, 0], 24, 'documentation (192.0.2.0/24)'],
  [[192, 31, 196, 0], 24, 'AS112 (192.31.196.0/24)'],
  [[192, 52, 193, 0], 24, 'AMT (192.52.193.0/24)'],
  [[192, 88, 99, 0], 24, '6to4 relay anycast (192.88.99.0/24)'],
  [[192, 168, 0, 0], 16, 'private (192.168.0.0/16)'],
  [[192, 175, 48, 0], 24, 'AS112 direct delegation (192.175.48.0/24)'],
  [[198, 18, 0, 0], 15, 'benchmarking (198.18.0.0/15)'],
  [[198, 51, 100, 0], 24, 'documentation (198.51.100.0/24)'],
  [[203, 0, 113, 0], 24, 'documentation (203.0.113.0/24)'],
  [[224, 0, 0, 0], 4, 'multicast (224.0.0.0/4)'],
  [[240, 0, 0, 0], 4, 'reserved (240.0.0.0/4), broadcast'],
];

const v4int = (a: V4) => ((a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3]) >>> 0;

export function classifyV4(a: V4): IpVerdict {
  const n = v4int(a);
  for (const [base, bits, what] of V4_RANGES) {
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    if ((n & mask) >>> 0 === v4int(base)) return what;
  }
  return null;
}

/** `[…]` host → 128-bit value, or null when it is not an IPv6 literal. */
function parseV6(host: string): bigint | null {
  if (!host.startsWith('[') || !host.endsWith(']')) return null;
  let text = host.slice(1, -1).toLowerCase();
  // The parser serialises without a dotted tail, but accept one for callers that did not parse.
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = parseV4(dotted[2]!);
    if (!v4) return null;
    text = `${dotted[1]}${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  let value = 0n;
  for (const g of all) {
    if (!/^[0-9a-f]{1,4}$/.test(g)) return null;
    value = (value << 16n) | BigInt(parseInt(g, 16));
  }
  return value;
}

const bitsOf = (value: bigint, from: number, count: number) => Number((value >> BigInt(128 - from - count)) & ((1n << BigInt(count)) - 1n));
const v4At = (value: bigint, from: number): V4 => {
  const n = bitsOf(value, from, 32);
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
};
const inPrefix = (value: bigint, prefix: bigint, bits: number) => value >> BigInt(128 - bits) === prefix >> BigInt(128 - bits);
const p = (text: string) => parseV6(`[${text}]`)!;

function embedded(what: string, v4: V4): string {
  const inner = classifyV4(v4);
  return `${what} embedding ${v4text(v4)}${inner ? `, ${inner}` : ''}`;
}

/**
 * Transition forms are refused whatever IPv4 they carry: no shop's endpoint needs one, and the
 * relay that unwraps them sits in someone else's network. The message names the embedded IPv4.
 */
function classifyV6(value: bigint): IpVerdict {
  if (value === 0n) return 'unspecified (::)';
  if (value === 1n) return 'loopback (::1)';
  if (inPrefix(value, p('::ffff:0:0'), 96)) return embedded('IPv4-mapped (::ffff:0:0/96)', v4At(value, 96));
  if (inPrefix(value, p('::ffff:0:0:0'), 96)) return embedded('IPv4-translated (::ffff:0:0:0/96)', v4At(value, 96));
  if (inPrefix(value, 0n, 96)) return embedded('IPv4-compatible (::/96)', v4At(value, 96));
  if (inPrefix(value, p('64:ff9b::'), 96)) return embedded('NAT64 (64:ff9b::/96)', v4At(value, 96));
  if (inPrefix(value, p('64:ff9b:1::'), 48)) return embedded('local-use NAT64 (64:ff9b:1::/48)', v4At(value, 96));
  if (inPrefix(value, p('100::'), 64)) return 'discard-only (100::/64)';
  if (inPrefix(value, p('2001::'), 32)) {
    // Teredo: server IPv4 in bits 32–63, client IPv4 in bits 96–127 XOR-ed with all ones.
    const client = v4At(value ^ 0xffffffffn, 96);
    return `${embedded('Teredo (2001::/32)', client)} (server ${v4text(v4At(value, 32))})`;
  }
  if (inPrefix(value, p('2001::'), 23)) return 'IETF protocol assignments (2001::/23: benchmarking, ORCHID, …)';
  if (inPrefix(value, p('2001:db8::'), 32)) return 'documentation (2001:db8::/32)';
  if (inPrefix(value, p('2002::'), 16)) return embedded('6to4 (2002::/16)', v4At(value, 16));
  if (inPrefix(value, p('3fff::'), 20)) return 'documentation (3fff::/20)';
  if (inPrefix(value, p('5f00::'), 16)) return 'SRv6 segment identifiers (5f00::/16)';
  if (inPrefix(value, p('fc00::'), 7)) return 'unique local (fc00::/7)';
  if (inPrefix(value, p('fe80::'), 10)) return 'link-local (fe80::/10)';
  if (inPrefix(value, p('fec0::'), 10)) return 'site-local (fec0::/10)';
  if (inPrefix(value, p('ff00::'), 8)) return 'multicast (ff00::/8)';
  // Global unicast is 2000::/3; everything else is unassigned or reserved.
  if (!inPrefix(value, p('2000::'), 3)) return 'not global unicast (outside 2000::/3)';
  return null;
}

/** For an IP-literal host: why it is not a public target (null: public). Undefined: not an IP. */
export function classifyIpHost(host: string): IpVerdict | undefined {
  const v4 = parseV4(host);
  if (v4) return classifyV4(v4);
  const v6 = parseV6(host);
  if (v6 !== null) return classifyV6(v6);
  return undefined;
}
