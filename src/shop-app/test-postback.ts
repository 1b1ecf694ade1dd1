import type { Mode, ShopPostback } from '../../generated/api/types.gen';
import { type AttemptResult, sendPostback } from '../core/postbacks/deliver';
import { signShopPostback } from '../core/postbacks/payload';
import { activeWebhookSecrets, type ShopRecord } from '../core/shops/shop-store';
import { checkPostbackUrl } from '../platform/input/url-policy';
import type { Clock } from '../platform/lib/clock';
import { randomBase62 } from '../platform/lib/crypto';

export const TEST_TRANSACTION_ID = 'test-postback';

/**
 * "Send test postback": a `payment.paid` body of the real schema, marked `mode: test` with the
 * transaction id `test-postback` and a payment id that exists nowhere, signed with every active
 * secret of the shop exactly like real deliveries. The URL passes the same policy as a payment's
 * postbackUrl (public https in live mode: no requests into private networks).
 */
export async function sendTestPostback(
  shop: ShopRecord,
  mode: Mode,
  url: string,
  clock: Clock,
  timeoutMs: number,
): Promise<{ refused: string } | AttemptResult> {
  const now = clock.now();
  const issue = checkPostbackUrl(url, mode);
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
  return sendPostback(url, signShopPostback(`msg_test_${randomBase62(22)}`, raw, secrets, now), raw, timeoutMs, clock);
}
