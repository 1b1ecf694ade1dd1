import type { ErrorCode, InitPaymentRequest, Mode, PaymentType, ValidationIssue } from '../../../generated/api/types.gen';
import { checkPostbackUrl, checkRedirectUrl, normalisedPaymentUrls, type PostbackReach } from '../../platform/input/url-policy';
import { ApiError } from '../../platform/problem';
import type { ShopRecord } from '../shops/shop-store';
import { canonicalAmount, decimalFromJsonNumber } from './amount';
import type { PaymentRecord } from './record';

/** Crypto currencies we accept, with their decimals (the smallest unit Bansky settles). */
const CRYPTO_DECIMALS: Readonly<Record<string, number>> = { BTC: 8, ETH: 18, LTC: 8, USDT: 6, USDC: 6 };

let iso4217: Set<string> | null = null;
function isIso4217(code: string): boolean {
  iso4217 ??= new Set(Intl.supportedValuesOf('currency'));
  return iso4217.has(code);
}

/** The currency's type and number of decimals, or null when we do not know the code. */
export function currencyInfo(code: string): { type: PaymentType; decimals: number } | null {
  const crypto = CRYPTO_DECIMALS[code];
  if (crypto !== undefined) return { type: 'crypto', decimals: crypto };
  if (!isIso4217(code)) return null;
  let decimals = fiatDecimals.get(code);
  if (decimals === undefined) {
    // A NumberFormat is costly to build (≈1 ms in workerd, measured in bench/PROFILE.md): once per currency.
    decimals = new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits ?? 2;
    fiatDecimals.set(code, decimals);
  }
  return { type: 'fiat', decimals };
}

const fiatDecimals = new Map<string, number>();

/** A JSON Pointer reference token (RFC 6901). */
const pointerToken = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

/** A payment that passed every rule: its amount canonical (see amount.ts), its type known. */
export interface ValidatedPayment extends Omit<InitPaymentRequest, 'amount'> {
  amount: string;
  type: PaymentType;
}

/** `metadata` limits (the contract's Metadata schema; its key rules are checked here, as zod's record ignores them). */
const METADATA_MAX_KEYS = 20;
const METADATA_KEY = /^[A-Za-z0-9_.:-]{1,40}$/;

/** Each key that breaks the rules, as `errors[]` entries (`in` is where the map was sent). */
export function metadataKeyIssues(
  metadata: Readonly<Record<string, string>>,
  where: 'body' | 'query',
  pointer: (key: string) => string,
): { path: string; in: 'body' | 'query'; message: string }[] {
  const keys = Object.keys(metadata);
  const issues = keys
    .filter((k) => !METADATA_KEY.test(k))
    .map((k) => ({
      path: pointer(k),
      in: where,
      message:
        k.length === 0 || k.length > 40
          ? `key must be 1 to 40 characters (is ${k.length})`
          : 'key may hold only letters, digits and _ - . :',
    }));
  if (keys.length > METADATA_MAX_KEYS)
    issues.unshift({ path: pointer('').slice(0, -1), in: where, message: `at most ${METADATA_MAX_KEYS} keys (has ${keys.length})` });
  return issues;
}

/** The metadata as stored and fingerprinted: keys sorted (the order they were sent in means nothing), none when empty. */
function canonicalMetadata(metadata: Readonly<Record<string, string>> | undefined): Record<string, string> | undefined {
  if (!metadata || Object.keys(metadata).length === 0) return undefined;
  return Object.fromEntries(Object.entries(metadata).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** How the JSON text spelt a number, by JSON Pointer (see src/api/http/json-body.ts). */
export type NumberSources = ReadonlyMap<string, string>;

/**
 * The rules the schema cannot express. Every rule is checked before answering, so one corrected
 * request is enough: a 400 whose `code` is the first failure's and whose `errors[]` lists each
 * offending field (a JSON Pointer) with its own code. A redirect host refusal names the shop's
 * allowed hosts, and in test mode says that http://localhost works too.
 */
export function validatePayment(
  body: InitPaymentRequest,
  shop: ShopRecord,
  mode: Mode,
  opts: { numberSources?: NumberSources; reach: PostbackReach },
): ValidatedPayment {
  const issues: ValidationIssue[] = [];
  const fail = (code: ErrorCode, path: string, message: string) => issues.push({ path, in: 'body', code, message });

  const info = currencyInfo(body.currency);
  if (!info) fail('invalid_currency', '/currency', 'not an ISO 4217 code nor a supported crypto code (BTC, ETH, LTC, USDT, USDC)');
  if (info && body.type && body.type !== info.type) fail('type_currency_mismatch', '/type', `${body.currency} is a ${info.type} currency`);

  const decimal =
    typeof body.amount === 'number'
      ? decimalFromJsonNumber(body.amount, opts.numberSources?.get('/amount'))
      : { ok: true as const, value: body.amount };
  // Without a known currency the decimals are unknown: the amount is judged once the currency is fixed.
  const amount = !decimal.ok ? decimal : info ? canonicalAmount(decimal.value, info.decimals) : null;
  if (amount && !amount.ok) fail('invalid_amount', '/amount', amount.message);

  const redirectIssues = (['successUrl', 'errorUrl'] as const).flatMap((field) => {
    const issue = checkRedirectUrl(body[field], shop.allowedRedirectHosts, mode);
    return issue ? [{ field, issue }] : [];
  });
  for (const { field, issue } of redirectIssues) fail('redirect_host_not_allowed', `/${field}`, issue);
  if (body.postbackUrl) {
    const issue = checkPostbackUrl(body.postbackUrl, mode, opts.reach);
    if (issue) fail('postback_url_not_allowed', '/postbackUrl', issue);
  }
  const metadataIssues = body.metadata ? metadataKeyIssues(body.metadata, 'body', (k) => `/metadata/${pointerToken(k)}`) : [];
  for (const m of metadataIssues) fail('invalid_metadata', m.path, m.message);

  if (issues.length > 0) {
    const first = issues[0]!;
    const detail = issues.map((i) => `${i.path.slice(1)}: ${i.message}`).join('; ');
    const hosts = redirectIssues.length > 0 ? redirectHostsHint(shop.allowedRedirectHosts, mode) : '';
    throw new ApiError(400, first.code!, hosts ? `${detail}. ${hosts}` : detail, {
      errors: issues,
      ...(redirectIssues.length > 0 ? { extensions: { allowedRedirectHosts: shop.allowedRedirectHosts } } : {}),
    });
  }
  const { metadata: _sent, ...rest } = body;
  const metadata = canonicalMetadata(body.metadata);
  // URLs stored and redirected to as the URL parser spells them.
  return {
    ...rest,
    ...(metadata ? { metadata } : {}),
    amount: (amount as { value: string }).value,
    type: info!.type,
    ...normalisedPaymentUrls(body),
  };
}

function redirectHostsHint(allowed: string[], mode: Mode): string {
  const list = allowed.length > 0 ? `Your shop may redirect to ${allowed.join(', ')}` : 'Your shop has no allowed redirect hosts yet';
  const local = mode === 'test' ? ' (and, in test mode, http://localhost and http://127.0.0.1)' : '';
  return `${list}${local}; ask AimbrellaPay support to add a host.`;
}

/** Fields whose values the conflict message may repeat: the shop's own figures, nothing personal. */
const SHOWN_ON_CONFLICT = new Set(['amount', 'currency', 'type']);

/**
 * Which fields of a replayed request differ from the first one (as both were validated: `100` and
 * "100.00" USD are the same amount), for `409 idempotency_conflict`: one entry per field, so the
 * shop sees at once whether it reused an id or changed an order.
 */
export function differingFields(first: PaymentRecord, now: ValidatedPayment): ValidationIssue[] {
  const was: Record<string, unknown> = {
    email: first.email,
    name: first.name ?? undefined,
    amount: first.amount,
    currency: first.currency,
    type: first.type,
    successUrl: first.successUrl,
    errorUrl: first.errorUrl,
    postbackUrl: first.postbackUrl ?? undefined,
    metadata: first.metadata && Object.keys(first.metadata).length > 0 ? first.metadata : undefined,
  };
  const is: Record<string, unknown> = { ...now };
  return Object.keys(was)
    .filter((field) => JSON.stringify(was[field]) !== JSON.stringify(is[field]))
    .map((field) => ({
      path: `/${field}`,
      in: 'body' as const,
      code: 'idempotency_conflict' as const,
      message: SHOWN_ON_CONFLICT.has(field)
        ? `${JSON.stringify(was[field])} in the first request, ${JSON.stringify(is[field])} now`
        : 'differs from the first request',
    }));
}
