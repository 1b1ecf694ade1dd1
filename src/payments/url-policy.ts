import type { Mode } from '../../generated/api/types.gen';

/**
 * Where we let a customer's browser and our postbacks go (DESIGN §4): redirects only to the
 * shop's allowed hosts (no open redirect), postbacks only to public https (no SSRF into private
 * ranges). Test mode also allows http://localhost and http://127.0.0.1 so shops can develop
 * locally. Each check returns a message for the caller's `errors[]`, or null when the URL is fine.
 */
const LOCAL_DEV_HOSTS = new Set(['localhost', '127.0.0.1']);

function parse(raw: string): URL | null {
  try {
    return new URL(raw);
  } catch {
    return null;
  }
}

function hostOf(url: URL): string {
  return url.hostname.toLowerCase().replace(/\.$/, '');
}

/** Scheme and credentials rules shared by every URL we store. */
function basicIssue(url: URL | null, mode: Mode): string | null {
  if (!url) return 'not a valid URL';
  if (url.username || url.password) return 'must not contain credentials';
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && mode === 'test' && LOCAL_DEV_HOSTS.has(hostOf(url))) return null;
  return mode === 'test' ? 'must be https (or http://localhost / http://127.0.0.1 in test mode)' : 'must be https in live mode';
}

export function hostAllowed(host: string, allowed: string[]): boolean {
  return allowed.some((pattern) => {
    const p = pattern.toLowerCase();
    if (p.startsWith('*.')) return host.endsWith(p.slice(1)) && host.length > p.length - 1;
    return host === p;
  });
}

export function checkRedirectUrl(raw: string, allowedHosts: string[], mode: Mode): string | null {
  const url = parse(raw);
  const issue = basicIssue(url, mode);
  if (issue) return issue;
  const host = hostOf(url!);
  if (mode === 'test' && LOCAL_DEV_HOSTS.has(host)) return null;
  return hostAllowed(host, allowedHosts) ? null : `host ${host} is not one of your shop's allowed redirect hosts`;
}

export function checkPostbackUrl(raw: string, mode: Mode): string | null {
  const url = parse(raw);
  const issue = basicIssue(url, mode);
  if (issue) return issue;
  const host = hostOf(url!);
  if (mode === 'test' && LOCAL_DEV_HOSTS.has(host)) return null;
  if (isInternalName(host) || isNonPublicIp(host)) return `host ${host} is not a public address`;
  return null;
}

function isInternalName(host: string): boolean {
  if (!host.includes('.') && !host.startsWith('[')) return true; // single-label names resolve inside networks
  return /(^|\.)(localhost|local|internal|intranet|lan|home\.arpa)$/.test(host);
}

/** IP literals outside the public unicast space (the URL parser already normalised them). */
export function isNonPublicIp(host: string): boolean {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (v4) return isNonPublicV4(v4.slice(1).map(Number) as [number, number, number, number]);
  if (!host.startsWith('[')) return false;
  const v6 = host.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(v6);
  if (mapped) {
    const hi = parseInt(mapped[1]!, 16);
    const lo = parseInt(mapped[2]!, 16);
    return isNonPublicV4([hi >> 8, hi & 255, lo >> 8, lo & 255]);
  }
  // Public IPv6 unicast is 2000::/3 (minus documentation 2001:db8::/32); everything else is not.
  const first = parseInt(v6.split(':')[0] || '0', 16);
  if ((first & 0xe000) !== 0x2000) return true;
  return /^2001:db8:/.test(v6) || /^2001:0?db8:/.test(v6);
}

function isNonPublicV4([a, b]: [number, number, number, number]): boolean {
  return (
    a === 0 || // "this" network
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) || // CGNAT
    (a === 169 && b === 254) || // link-local, cloud metadata
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 192 && b === 0) || // IETF protocol assignments (192.0.0/24) and TEST-NET-1 (192.0.2/24)
    (a === 198 && (b === 18 || b === 19)) || // benchmarking
    a >= 224 // multicast and reserved
  );
}
