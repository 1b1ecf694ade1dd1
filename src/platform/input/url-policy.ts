import type { Mode } from '../../../generated/api/types.gen';
import { classifyIpHost, classifyV4, type V4 } from './ip-address';

/**
 * Where we let a customer's browser and our postbacks go: redirects only to the shop's allowed
 * hosts (no open redirect; test mode also allows http://localhost and http://127.0.0.1, which the
 * shop developer's own browser reaches), postbacks only to public https (no SSRF into private
 * ranges) — except on a local development deployment, where test-mode postbacks may go to
 * loopback and private addresses (the demo shop, a test's receiver). Each check returns a message
 * for the caller's `errors[]`, or null when the URL is fine.
 *
 * Every rule is applied to the URL as the WHATWG parser understands it (the same parser the
 * browser and `fetch` use), and what we store and redirect to is that parser's `href`: one
 * spelling, ASCII only, so nothing downstream can read the URL differently from the check.
 * Characters we refuse before parsing (controls, bidi, invisible) are text-policy.ts's job.
 */
const LOCAL_DEV_HOSTS = new Set(['localhost', '127.0.0.1']);

/**
 * Ports a postback may use outside local development: 443 and 8443, the two HTTPS ports every
 * proxy and CDN in front of a shop serves (Cloudflare's HTTPS proxy ports are 443, 2053, 2083,
 * 2087, 2096 and 8443; the 20xx ones are cPanel/WHM panels on most hosts). A short list, not a
 * deny list: an HTTPS POST to 22, 25, 2375, 3306, 5432, 6379, 9200, 11211 … is how SSRF talks to
 * SSH, SMTP, Docker, databases and caches, and no shop needs another port for a webhook.
 */
const POSTBACK_PORTS: readonly string[] = ['443', '8443'];

/**
 * Wildcard DNS services that answer any name with the address written in it
 * (`127.0.0.1.nip.io`, `10-0-0-1.sslip.io`, `7f000001.c0a80001.rbndr.us`) or resolve every name
 * to loopback (`localtest.me`, `lvh.me` …), used for DNS rebinding. `embeddedPrivateV4` below
 * also catches clones that are not on this list, when the address they carry is private.
 */
const REBINDING_DOMAINS: readonly string[] = [
  'nip.io',
  'sslip.io',
  'xip.io',
  'xip.name',
  'localtest.me',
  'lvh.me',
  'vcap.me',
  'lacolhost.com',
  'traefik.me',
  'localhost.run',
  'local.gd',
  'localho.st',
  'fuf.me',
  '1u.ms',
  'rbndr.us',
];

/**
 * Names that resolve inside a network, never on the public Internet: special-use TLDs
 * (RFC 6761, 6762, 7686, 8375, 9476), the suffixes cloud providers, Kubernetes and Consul answer
 * internally (`metadata.google.internal`, `*.svc`, `*.consul`), and the usual LAN suffixes.
 * `.example` stays allowed: it resolves nowhere, and the docs use it.
 */
const INTERNAL_SUFFIXES: readonly string[] = [
  'localhost',
  'local',
  'localdomain',
  'internal',
  'intranet',
  'lan',
  'home',
  'corp',
  'private',
  'home.arpa',
  'arpa',
  'test',
  'invalid',
  'onion',
  'alt',
  'svc',
  'consul',
];

function parseUrl(raw: string): URL | null {
  try {
    return new URL(raw);
  } catch {
    return null;
  }
}

function hostOf(url: URL): string {
  return url.hostname.toLowerCase().replace(/\.+$/, '');
}

/** Scheme and credentials rules shared by every URL we store. */
function basicIssue(url: URL | null): string | null {
  if (!url) return 'not a valid URL';
  if (url.username || url.password) return 'must not contain credentials';
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an https URL';
  return null;
}

/** An allowed-hosts entry in the parser's form, so `Bücher.example` matches `xn--bcher-kva.example`. */
function normalisedPattern(pattern: string): string {
  const wildcard = pattern.startsWith('*.');
  const host = parseUrl(`https://${wildcard ? pattern.slice(2) : pattern}/`)?.hostname ?? pattern.toLowerCase();
  return (wildcard ? '*.' : '') + host.replace(/\.+$/, '');
}

export function hostAllowed(host: string, allowed: string[]): boolean {
  return allowed.some((pattern) => {
    const p = normalisedPattern(pattern);
    if (p.startsWith('*.')) return host.endsWith(p.slice(1)) && host.length > p.length - 1;
    return host === p;
  });
}

export function checkRedirectUrl(raw: string, allowedHosts: string[], mode: Mode): string | null {
  const url = parseUrl(raw);
  const issue = basicIssue(url);
  if (issue) return issue;
  const host = hostOf(url!);
  if (mode === 'test' && LOCAL_DEV_HOSTS.has(host)) return null;
  if (url!.protocol !== 'https:')
    return mode === 'test' ? 'must be https (or http://localhost / http://127.0.0.1 in test mode)' : 'must be https in live mode';
  return hostAllowed(host, allowedHosts) ? null : `host ${host} is not one of your shop's allowed redirect hosts`;
}

/** Where a postback may go besides the public Internet. */
export interface PostbackReach {
  /** A local development deployment (config `localDevelopment`): test mode may post to loopback and private addresses. */
  localDevelopment: boolean;
}

export function checkPostbackUrl(raw: string, mode: Mode, reach: PostbackReach): string | null {
  const url = parseUrl(raw);
  const issue = basicIssue(url);
  if (issue) return issue;
  const host = hostOf(url!);
  const where = nonPublicHost(host);
  if (where && reach.localDevelopment && mode === 'test') return null; // any scheme and port: it is the developer's own machine
  if (url!.protocol !== 'https:') return 'must be https';
  if (where) return `host ${host} is not a public address: ${where}. Postbacks go only to public https URLs`;
  if (url!.port && !POSTBACK_PORTS.includes(url!.port)) {
    return `port ${url!.port} is not allowed for postbacks: use 443 (the default) or 8443`;
  }
  return null;
}

/** True when a URL's host is not a public Internet address (loopback, private, internal names …). */
export function isNonPublicUrl(raw: string): boolean {
  const url = parseUrl(raw);
  return !url || nonPublicHost(hostOf(url)) !== null;
}

/** Why a (parsed, lowercased) host is not a public Internet target, or null when it may be one. */
function nonPublicHost(host: string): string | null {
  const ip = classifyIpHost(host);
  if (ip !== undefined) return ip;
  const labels = host.split('.');
  if (labels.some((l) => l === '')) return 'an empty label';
  if (labels.length === 1) return 'a single-label name resolves inside a network';
  const suffix = INTERNAL_SUFFIXES.find((s) => host === s || host.endsWith(`.${s}`));
  if (suffix) return `.${suffix} names resolve inside a network`;
  const rebinding = REBINDING_DOMAINS.find((d) => host === d || host.endsWith(`.${d}`));
  if (rebinding) return `${rebinding} is a wildcard DNS service (it resolves names to any address, private ones included)`;
  const inside = embeddedPrivateV4(host);
  if (inside) return `the name embeds ${inside}, the way wildcard DNS services spell a target`;
  return null;
}

/** `10.0.0.1.example`, `app-127-0-0-1.example`, `7f000001.example`: the IPv4 a wildcard DNS would answer. */
function embeddedPrivateV4(host: string): string | null {
  const found: V4[] = [];
  for (const m of host.matchAll(/(?<!\d)(\d{1,3})[.-](\d{1,3})[.-](\d{1,3})[.-](\d{1,3})(?!\d)/g)) {
    found.push([Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])]);
  }
  for (const label of host.split('.')) {
    if (/^[0-9a-f]{8}$/.test(label)) {
      const n = parseInt(label, 16);
      found.push([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
    }
  }
  for (const v4 of found) {
    if (v4.some((octet) => octet > 255)) continue;
    const what = classifyV4(v4);
    if (what) return `${v4.join('.')} (${what})`;
  }
  return null;
}

/** The one spelling we store and redirect to. Call after the checks above accepted `raw`. */
function normalisedUrl(raw: string): string {
  return new URL(raw).href;
}

/**
 * A stored URL made safe for a `Location` header, or null when it cannot be one (an http(s) URL
 * without credentials, serialised by the parser: printable ASCII only, so `Headers` cannot throw).
 * Records written before URLs were normalised go through here too.
 */
export function safeLocation(stored: string | null | undefined): string | null {
  if (!stored) return null;
  const url = parseUrl(stored);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) return null;
  return /^[\x21-\x7e]+$/.test(url.href) ? url.href : null;
}

/** successUrl, errorUrl and postbackUrl as they are stored: normalised by the URL parser. */
export function normalisedPaymentUrls<T extends { successUrl: string; errorUrl: string; postbackUrl?: string }>(body: T) {
  return {
    successUrl: normalisedUrl(body.successUrl),
    errorUrl: normalisedUrl(body.errorUrl),
    ...(body.postbackUrl ? { postbackUrl: normalisedUrl(body.postbackUrl) } : {}),
  };
}
