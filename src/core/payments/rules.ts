import type { InitPaymentRequest, Mode, PaymentType } from '../../../generated/api/types.gen';
import { checkPostbackUrl, checkRedirectUrl, normalisedPaymentUrls } from '../../platform/input/url-policy';
import { ApiError } from '../../platform/problem';
import type { ShopRecord } from '../shops/shop-store';
import { canonicalAmount, decimalFromJsonNumber } from './amount';

/** Crypto currencies we accept, with their decimals (the smallest unit Bansky settles). */
export const CRYPTO_DECIMALS: Readonly<Record<string, number>> = { BTC: 8, ETH: 18, LTC: 8, USDT: 6, USDC: 6 };

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
export const METADATA_MAX_KEYS = 20;
export const METADATA_KEY = /^[A-Za-z0-9_.:-]{1,40}$/;

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
export function canonicalMetadata(metadata: Readonly<Record<string, string>> | undefined): Record<string, string> | undefined {
  if (!metadata || Object.keys(metadata).length === 0) return undefined;
  return Object.fromEntries(Object.entries(metadata).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** How the JSON text spelt a number, by JSON Pointer (see src/api/http/json-body.ts). */
export type NumberSources = ReadonlyMap<string, string>;

/**
 * The rules the schema cannot express (DESIGN §4). Each failure is a 400 with its own stable
 * code and the offending field as a JSON Pointer in `errors[]`.
 */
export function validatePayment(
  body: InitPaymentRequest,
  shop: ShopRecord,
  mode: Mode,
  numberSources: NumberSources = new Map(),
): ValidatedPayment {
  const fail = (code: ConstructorParameters<typeof ApiError>[1], path: string, message: string): never => {
    throw new ApiError(400, code, `${path.slice(1)}: ${message}`, { errors: [{ path, in: 'body', message }] });
  };

  const info = currencyInfo(body.currency);
  if (!info) fail('invalid_currency', '/currency', 'not an ISO 4217 code nor a supported crypto code (BTC, ETH, LTC, USDT, USDC)');
  const { type, decimals } = info!;
  if (body.type && body.type !== type) fail('type_currency_mismatch', '/type', `${body.currency} is a ${type} currency`);

  const decimal =
    typeof body.amount === 'number'
      ? decimalFromJsonNumber(body.amount, numberSources.get('/amount'))
      : { ok: true as const, value: body.amount };
  if (!decimal.ok) return fail('invalid_amount', '/amount', decimal.message);
  const amount = canonicalAmount(decimal.value, decimals);
  if (!amount.ok) return fail('invalid_amount', '/amount', amount.message);

  for (const field of ['successUrl', 'errorUrl'] as const) {
    const issue = checkRedirectUrl(body[field], shop.allowedRedirectHosts, mode);
    if (issue) fail('redirect_host_not_allowed', `/${field}`, issue);
  }
  if (body.postbackUrl) {
    const issue = checkPostbackUrl(body.postbackUrl, mode);
    if (issue) fail('postback_url_not_allowed', '/postbackUrl', issue);
  }
  const metadataIssues = body.metadata ? metadataKeyIssues(body.metadata, 'body', (k) => `/metadata/${pointerToken(k)}`) : [];
  if (metadataIssues.length > 0) {
    const detail = metadataIssues.map((e) => `${e.path.slice(1)}: ${e.message}`).join('; ');
    throw new ApiError(400, 'invalid_metadata', detail, { errors: metadataIssues });
  }
  const { metadata: _sent, ...rest } = body;
  const metadata = canonicalMetadata(body.metadata);
  // URLs stored and redirected to as the URL parser spells them
  return { ...rest, ...(metadata ? { metadata } : {}), amount: amount.value, type, ...normalisedPaymentUrls(body) };
}
