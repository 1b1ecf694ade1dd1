import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { zErrorCode } from '../../generated/api/zod.gen';
import { app } from '../../src/app';
import type { Env } from '../../src/env';
import '../support/provided-context';
import { BASE, createShopWithToken, shopHeaders, worker } from './helpers';
import {
  ALLOWED_REDIRECT_HOSTS,
  AMOUNT_CASES,
  type FieldCase,
  LINK_QUERIES,
  LIVE_POSTBACK_PRIVATE,
  type Mode,
  NAME_CASES,
  POSTBACK_ACCEPTED,
  RAW_CASES,
  RAW_VALID,
  type RawCase,
  REDIRECT_CASES,
  TEST_POSTBACK_PRIVATE,
  URL_TEXT_CASES,
} from './hostile-input.corpus';
import { paymentBody, visit } from './payments.support';

/**
 * The hostile-input corpus through the real Worker: every case must get no 5xx; every
 * refusal must be an RFC 9457 problem with a stable code; nothing accepted may target private
 * space in live mode; and every accepted payment is followed like a browser would — pay link,
 * success and error wrappers — to prove that no redirect leaves Bansky or the shop's hosts.
 */
const KNOWN_CODES = new Set<string>(zErrorCode.options);
const tally = {
  cases: 0,
  accepted: 0,
  refused: 0,
  serverErrors: 0,
  notProblem: 0,
  openRedirects: 0,
  privateAccepted: 0,
  redirectsFollowed: 0,
  upstreamRetries: 0,
};
const tokens: Record<Mode, string> = { test: '', live: '' };
let unique = 0;

beforeAll(async () => {
  for (const mode of ['test', 'live'] as const) {
    tokens[mode] = (await createShopWithToken({ mode, allowedRedirectHosts: ALLOWED_REDIRECT_HOSTS })).token;
  }
});

afterAll(() => {
  console.log(`hostile-input corpus: ${JSON.stringify(tally)}`);
});

/** Independent of src/: is `host` one the shop allowed (or a local dev host in test mode)? */
function allowedHost(host: string, mode: Mode): boolean {
  if (mode === 'test' && (host === 'localhost' || host === '127.0.0.1')) return true;
  const h = host.replace(/\.$/, '');
  return ALLOWED_REDIRECT_HOSTS.some((p) => (p.startsWith('*.') ? h.endsWith(p.slice(1)) && h.length > p.length - 1 : h === p));
}

/** Why a 4xx answer is not a well-formed problem, or null. */
async function problemIssue(res: Response): Promise<string | null> {
  if (res.headers.get('content-type') !== 'application/problem+json') return `content-type ${res.headers.get('content-type')}`;
  const body = (await res.json()) as { status?: number; code?: string; requestId?: string; errors?: { path: string; message: string }[] };
  if (body.status !== res.status) return `status ${body.status} in a ${res.status}`;
  if (!body.code || !KNOWN_CODES.has(body.code)) return `unknown code ${body.code}`;
  if (!body.requestId || body.requestId !== res.headers.get('x-request-id')) return 'no request id';
  if (body.errors?.some((e) => !/^(\/[^/]*)*$/.test(e.path) || !e.message))
    return `errors not JSON Pointers: ${JSON.stringify(body.errors)}`;
  return null;
}

/** A Location we sent: printable ASCII, parseable, http(s), no credentials. */
function locationIssue(location: string | null): string | null {
  if (!location) return 'no Location';
  if (!/^[\x21-\x7e]+$/.test(location)) return `Location not printable ASCII: ${JSON.stringify(location)}`;
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    return `Location does not parse: ${location}`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `Location scheme ${url.protocol}`;
  if (url.username || url.password) return 'Location with credentials';
  return null;
}

/** The customer's path through an accepted payment: pay link → Bansky, returns → the shop. */
async function followPayment(mode: Mode, payLink: string, id: string, sent: Record<string, unknown>): Promise<string[]> {
  const issues: string[] = [];
  const bansky = new URL(mode === 'live' ? inject('banskyLiveUrl') : inject('banskyTestUrl')).host;
  const pay = await visit(payLink);
  tally.redirectsFollowed++;
  if (pay.status !== 302) issues.push(`pay link answered ${pay.status}`);
  else if (locationIssue(pay.headers.get('location')) || new URL(pay.headers.get('location')!).host !== bansky) {
    issues.push(`pay link sent the customer to ${pay.headers.get('location')}, not Bansky`);
  }
  for (const [via, field] of [
    ['success', 'successUrl'],
    ['error', 'errorUrl'],
  ] as const) {
    const res = await worker.fetch(`${BASE}/integration/${via}?id=${id}`, { redirect: 'manual' });
    tally.redirectsFollowed++;
    if (res.status >= 500) tally.serverErrors++;
    const location = res.headers.get('location');
    const bad = res.status === 302 ? locationIssue(location) : `${via} wrapper answered ${res.status}`;
    if (bad) {
      issues.push(bad);
      continue;
    }
    const url = new URL(location!);
    if (!allowedHost(url.hostname, mode)) {
      tally.openRedirects++;
      issues.push(`OPEN REDIRECT via ${via}: ${location}`);
    }
    const expected = new URL(String(sent[field] ?? paymentBody()[field])).href;
    if (location !== expected) issues.push(`${via} redirects to ${location}, not the normalised ${expected}`);
  }
  return issues;
}

const deployedEnv = { ...env, LOCAL_DEVELOPMENT: '' } as Env;

async function initOnce(mode: Mode, fields: Record<string, unknown>, deployed = false): Promise<Response> {
  const request = new Request(`${BASE}/api/v1/init-payment`, {
    method: 'POST',
    headers: shopHeaders(tokens[mode]),
    body: JSON.stringify(paymentBody(fields as never)),
  });
  if (!deployed) return worker.fetch(request);
  const ctx = createExecutionContext();
  const res = await app.fetch(request, deployedEnv, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

async function upstreamFailure(res: Response): Promise<boolean> {
  if (res.status !== 502 && res.status !== 504) return false;
  const { code } = (await res.clone().json()) as { code?: string };
  return code === 'bansky_timeout' || code === 'bansky_error';
}

function withUniqueId(fields: Record<string, unknown>): Record<string, unknown> {
  return typeof fields.id === 'string' ? { ...fields, id: `${fields.id}-${Date.now().toString(36)}-${++unique}` } : fields;
}

/** Runs `fn` over `items`, a few at a time: the Worker is mostly waiting on Bansky and storage. */
async function inParallel<T>(items: T[], fn: (item: T) => Promise<void>, width = 4): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/** Runs field cases; returns one line per violated property. */
async function runFieldCases(cases: FieldCase[]): Promise<string[]> {
  const violations: string[] = [];
  await inParallel(cases, async (c) => {
    tally.cases++;
    let sent = withUniqueId(c.fields);
    let res = await initOnce(c.mode, sent, c.deployed);
    // The sandbox standing in for Bansky can time out on a loaded CI machine (our documented
    // 502/504): that is not this corpus' subject, so such a case is retried with a fresh id.
    for (let retry = 0; retry < 3 && (await upstreamFailure(res)); retry++) {
      tally.upstreamRetries++;
      sent = withUniqueId(c.fields);
      res = await initOnce(c.mode, sent, c.deployed);
    }
    const label = `[${c.mode}] ${c.what}`;
    if (res.status >= 500) {
      tally.serverErrors++;
      violations.push(`${label}: ${res.status} ${await res.text()}`);
      return;
    }
    if (res.status >= 400) {
      tally.refused++;
      const issue = await problemIssue(res);
      if (issue) {
        tally.notProblem++;
        violations.push(`${label}: ${res.status} ${issue}`);
      }
      if (c.refused === false) violations.push(`${label}: refused (${res.status}) but must be accepted`);
      return;
    }
    tally.accepted++;
    if (c.private && c.mode === 'live') tally.privateAccepted++;
    if (c.private) violations.push(`${label}: PRIVATE TARGET ACCEPTED (${res.status})`);
    if (c.refused === true) violations.push(`${label}: accepted (${res.status}) but must be refused`);
    const answer = (await res.json()) as { id: string; url: string };
    violations.push(...(await followPayment(c.mode, answer.url, answer.id, sent)).map((v) => `${label}: ${v}`));
  });
  return violations.sort();
}

async function runRawCase(c: RawCase): Promise<string | null> {
  tally.cases++;
  const body = typeof c.body === 'function' ? c.body() : c.body;
  const headers = { ...shopHeaders(tokens.test), ...c.headers };
  for (const [k, v] of Object.entries(headers)) if (v === '') delete headers[k as keyof typeof headers];
  const send = (b: BodyInit) => {
    const init: RequestInit & { duplex?: string } = { method: c.method ?? 'POST', headers, duplex: 'half' };
    if (c.method !== 'DELETE') init.body = b;
    return worker.fetch(`${BASE}/api/v1/init-payment`, init);
  };
  let res = await send(body);
  // As above: a sandbox timeout is retried (these bodies carry no id, so a retry is a new payment).
  for (let retry = 0; retry < 3 && (await upstreamFailure(res)); retry++) {
    tally.upstreamRetries++;
    res = await send(typeof c.body === 'function' ? c.body() : c.body);
  }
  if (res.status >= 500) {
    tally.serverErrors++;
    return `${res.status} ${await res.text()}`;
  }
  if (res.status >= 400) {
    tally.refused++;
    const issue = await problemIssue(res);
    if (issue) tally.notProblem++;
    return issue;
  }
  tally.accepted++;
  if (c.refused) return `accepted (${res.status}) but must be refused`;
  const answer = (await res.json()) as { id: string; url: string };
  const issues = await followPayment('test', answer.url, answer.id, RAW_VALID);
  return issues.length ? issues.join('; ') : null;
}

describe('hostile-input corpus through the Worker', { timeout: 300_000 }, () => {
  it(`live postbacks into private, internal or special-purpose space: ${LIVE_POSTBACK_PRIVATE.length} cases, all refused`, async () => {
    expect(await runFieldCases(LIVE_POSTBACK_PRIVATE)).toEqual([]);
  });

  it(`test-mode postbacks outside localhost: ${TEST_POSTBACK_PRIVATE.length} cases, all refused`, async () => {
    expect(await runFieldCases(TEST_POSTBACK_PRIVATE)).toEqual([]);
  });

  it(`public postback targets and local dev hosts: ${POSTBACK_ACCEPTED.length} cases, all accepted and followed`, async () => {
    expect(await runFieldCases(POSTBACK_ACCEPTED)).toEqual([]);
  });

  it(`redirect URLs: ${REDIRECT_CASES.length} cases, no redirect off the shop's hosts`, async () => {
    expect(await runFieldCases(REDIRECT_CASES)).toEqual([]);
  });

  it(`names: ${NAME_CASES.length} cases (controls, bidi, surrogates, invisible; real names kept)`, async () => {
    expect(await runFieldCases(NAME_CASES)).toEqual([]);
  });

  it(`control and invisible characters in URLs: ${URL_TEXT_CASES.length} cases, all refused`, async () => {
    expect(await runFieldCases(URL_TEXT_CASES)).toEqual([]);
  });

  it(`amounts: ${AMOUNT_CASES.length} cases`, async () => {
    expect(await runFieldCases(AMOUNT_CASES)).toEqual([]);
  });

  it(`raw bodies (JSON, encodings, content types, sizes, methods, tokens): ${RAW_CASES.length} cases`, async () => {
    const violations: string[] = [];
    await inParallel(
      RAW_CASES,
      async (c) => {
        const issue = await runRawCase(c);
        if (issue) violations.push(`${c.what}: ${issue}`);
      },
      4,
    );
    expect(violations.sort()).toEqual([]);
  });

  it(`the customer's links with hostile query strings: ${LINK_QUERIES.length * 3} cases, HTML pages, never a redirect`, async () => {
    const violations: string[] = [];
    const links = ['/integration/pay', '/integration/success', '/integration/error'].flatMap((path) =>
      LINK_QUERIES.map((q) => [path, q] as const),
    );
    await inParallel(links, async ([path, q]) => {
      tally.cases++;
      const res = await worker.fetch(`${BASE}${path}?${q}`, { redirect: 'manual' });
      if (res.status >= 500) tally.serverErrors++;
      else tally.refused++;
      if (
        res.status < 400 ||
        res.status >= 500 ||
        res.headers.get('location') ||
        !res.headers.get('content-type')?.startsWith('text/html')
      ) {
        violations.push(`${path}?${q.slice(0, 60)}: ${res.status} ${res.headers.get('content-type')} ${res.headers.get('location') ?? ''}`);
      }
      await res.body?.cancel();
    });
    expect(violations.sort()).toEqual([]);
  });

  it('the figures: at least 200 cases, 0 5xx, 0 malformed refusals, 0 open redirects, 0 private targets accepted', () => {
    expect(tally.cases).toBeGreaterThanOrEqual(200);
    expect({
      serverErrors: tally.serverErrors,
      notProblem: tally.notProblem,
      openRedirects: tally.openRedirects,
      privateAccepted: tally.privateAccepted,
    }).toEqual({
      serverErrors: 0,
      notProblem: 0,
      openRedirects: 0,
      privateAccepted: 0,
    });
  });
});
