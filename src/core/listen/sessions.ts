import type { Mode } from '../../../generated/api/types.gen';
import type { Logger } from '../../platform/observability/logger';
import type { StoredEvent } from '../payments-index/events';
import { signShopPostback } from '../postbacks/payload';
import { activeWebhookSecrets, type ShopStore } from '../shops/shop-store';
import type { ListenObject } from './listen-object';
import type { ListenPostback } from './messages';

/**
 * `aimbrellapay listen` as the rest of the Worker sees it: open a session, push a shop's new
 * test-mode events to its sessions signed exactly like a postback, end a revoked token's sessions.
 */
export class ListenSessions {
  constructor(private readonly deps: { ns: DurableObjectNamespace<ListenObject>; shops: ShopStore; log: Logger; now: () => Date }) {}

  private stub(shopId: string): DurableObjectStub<ListenObject> {
    return this.deps.ns.get(this.deps.ns.idFromName(`listen:${shopId}`));
  }

  /** Hands an authenticated upgrade request to the shop's sessions object (it answers 101). */
  connect(shopId: string, tokenId: string, request: Request): Promise<Response> {
    const headers = new Headers(request.headers);
    headers.set('x-listen-token-id', tokenId);
    headers.set('x-listen-shop-id', shopId);
    return this.stub(shopId).fetch(new Request(request.url, { headers }));
  }

  /**
   * Each new event, signed now with the shop's active secrets as its postback is (same headers,
   * same body bytes), to the shop's live sessions. Test mode only; best effort (a tool that was
   * not connected catches up with the events API).
   */
  async push(shopId: string, mode: Mode, events: StoredEvent[]): Promise<void> {
    if (mode !== 'test' || events.length === 0) return;
    const shop = await this.deps.shops.getShop(shopId);
    const at = this.deps.now();
    const secrets = shop ? activeWebhookSecrets(shop, at) : [];
    if (secrets.length === 0) return;
    const postbacks: ListenPostback[] = events.map((e) => ({
      type: 'postback',
      webhookId: e.id,
      eventType: e.type,
      paymentId: e.paymentId,
      headers: signShopPostback(e.id, e.body, secrets, at),
      body: e.body,
    }));
    const sessions = await this.stub(shopId).push(postbacks);
    if (sessions > 0) this.deps.log.info('postbacks pushed to listen sessions', { shopId, sessions, count: postbacks.length });
  }

  /** Ends the sessions of a revoked token. */
  async revoked(shopId: string, tokenId: string): Promise<void> {
    await this.stub(shopId).revoke(tokenId);
  }
}
