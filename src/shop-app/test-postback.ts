import type { Mode, ShopPostback } from '../../generated/api/types.gen';
import { printableExcerpt, sendPostback } from '../core/postbacks/deliver';
import { signShopPostback } from '../core/postbacks/payload';
import { activeWebhookSecrets, type ShopRecord } from '../core/shops/shop-store';
import { checkPostbackUrl, hostAllowed, isNonPublicUrl, type PostbackReach } from '../platform/input/url-policy';
import type { Clock } from '../platform/lib/clock';
import { randomBase62 } from '../platform/lib/crypto';

const TEST_TRANSACTION_ID = 'test-postback';

/** What the developers page shows of one test postback: what a shop needs to fix its endpoint, no more. */
export type TestPostbackResult =
  | { refused: string }
  | {
      ok: boolean;
      httpStatus: number | null;
      latencyMs: number | null;
      /** Why it failed without an HTTP answer (timeout, connection refused, TLS …). */
      error: string | null;
      /** The start of the answer's body, only from one of the shop's own hosts. */
      excerpt: string | null;
      /** Why no excerpt is shown although the endpoint answered with a body. */
      withheld: string | null;
    };

const LOCAL_WITHHELD = "The answer's body is not shown for local and private addresses.";
const ownHostsOnly = (hosts: string[]) =>
  `The answer's body is shown only for your shop's own public hosts (${hosts.filter((h) => !isNonPublicUrl(`https://${h.replace(/^\*\./, '')}/`)).join(', ') || 'none set'}).`;

/** As many characters of the answer as a shop needs to recognise its own error page. */
const EXCERPT_CHARS = 200;

/**
 * "Send test postback": a `payment.paid` body of the real schema, marked `mode: test` with the
 * transaction id `test-postback` and a payment id that exists nowhere, signed with every active
 * secret of the shop exactly like real deliveries. The URL passes the same policy as a payment's
 * postbackUrl (public https, except test mode on a local development deployment).
 *
 * The page is a way to make us send a request and read what came back, so it shows the status,
 * the time and the kind of failure, and a short, sanitised excerpt of the body only when the URL
 * is on one of the shop's allowed hosts (its own domains, set by AimbrellaPay): never the body of
 * a loopback or private service, nor of someone else's server.
 */
export async function sendTestPostback(
  shop: ShopRecord,
  mode: Mode,
  url: string,
  opts: { clock: Clock; timeoutMs: number; reach: PostbackReach },
): Promise<TestPostbackResult> {
  const now = opts.clock.now();
  const issue = checkPostbackUrl(url, mode, opts.reach);
  if (issue) return { refused: issue };
  const secrets = activeWebhookSecrets(shop, now);
  if (secrets.length === 0) return { refused: 'Your shop has no active webhook secret: rotate it first.' };
  const at = now.toISOString();
  const body: ShopPostback = {
    type: 'payment.paid',
    timestamp: at,
    data: {
      id: `pay_TEST${randomBase62(18)}`,
      shopTransactionId: TEST_TRANSACTION_ID,
      status: 'paid',
      mode: 'test',
      amount: '1.00',
      currency: 'EUR',
      type: 'fiat',
      createdAt: at,
      updatedAt: at,
      metadata: {},
    },
  };
  const raw = JSON.stringify(body);
  const sent = await sendPostback(
    url,
    signShopPostback(`msg_test_${randomBase62(22)}`, raw, secrets, now),
    raw,
    opts.timeoutMs,
    opts.clock,
  );
  const local = isNonPublicUrl(url);
  const ownHost = !local && hostAllowed(new URL(url).hostname.replace(/\.+$/, ''), shop.allowedRedirectHosts);
  const answered = Boolean(sent.responseBody);
  return {
    ok: sent.ok,
    httpStatus: sent.httpStatus ?? null,
    latencyMs: sent.latencyMs ?? null,
    error: sent.httpStatus ? null : (sent.error ?? null),
    excerpt: answered && ownHost ? printableExcerpt(sent.responseBody!, EXCERPT_CHARS) : null,
    withheld: !answered || ownHost ? null : local ? LOCAL_WITHHELD : ownHostsOnly(shop.allowedRedirectHosts),
  };
}
