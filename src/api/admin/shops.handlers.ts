import { publicShop, publicToken } from '../../core/shops/shop-store';
import { ApiError } from '../../platform/problem';
import type { Handler } from '../http/context';

const shopNotFound = () => new ApiError(404, 'shop_not_found', 'No shop with this id.');

export const listShops: Handler<'adminListShops'> = async (c) => {
  const { cursor, limit } = c.req.valid('query');
  const page = await c.var.services.shops.listShops(cursor, limit ?? 50);
  return c.json({ items: page.items.map(publicShop), nextCursor: page.nextCursor }, 200);
};

export const createShop: Handler<'adminCreateShop'> = async (c) => {
  const { shop, webhookSecret } = await c.var.services.shops.createShop(c.req.valid('json'));
  c.var.services.log.info('shop created', { shopId: shop.id, requestId: c.var.requestId });
  return c.json({ shop: publicShop(shop), webhookSecret }, 201);
};

export const getShop: Handler<'adminGetShop'> = async (c) => {
  const shop = await c.var.services.shops.getShop(c.req.valid('param').shopId);
  if (!shop) throw shopNotFound();
  return c.json(publicShop(shop), 200);
};

export const updateShop: Handler<'adminUpdateShop'> = async (c) => {
  const shop = await c.var.services.shops.updateShop(c.req.valid('param').shopId, c.req.valid('json'));
  if (!shop) throw shopNotFound();
  c.var.services.log.info('shop updated', { shopId: shop.id, disabled: shop.disabled, requestId: c.var.requestId });
  return c.json(publicShop(shop), 200);
};

export const listTokens: Handler<'adminListTokens'> = async (c) => {
  const { shopId } = c.req.valid('param');
  const { cursor, limit } = c.req.valid('query');
  const shops = c.var.services.shops;
  if (!(await shops.getShop(shopId))) throw shopNotFound();
  const page = await shops.listTokens(shopId, cursor, limit ?? 50);
  return c.json({ items: page.items.map(publicToken), nextCursor: page.nextCursor }, 200);
};

export const issueToken: Handler<'adminIssueToken'> = async (c) => {
  const { shopId } = c.req.valid('param');
  const { mode, label } = c.req.valid('json');
  const shops = c.var.services.shops;
  if (!(await shops.getShop(shopId))) throw shopNotFound();
  const { token, record } = await shops.issueToken(shopId, mode, label);
  c.var.services.log.info('token issued', { shopId, tokenId: record.id, mode, requestId: c.var.requestId });
  return c.json({ ...publicToken(record), token }, 201);
};

export const revokeToken: Handler<'adminRevokeToken'> = async (c) => {
  const { shopId, tokenId } = c.req.valid('param');
  const record = await c.var.services.shops.revokeToken(shopId, tokenId);
  if (!record) throw new ApiError(404, 'token_not_found', 'No token with this id for this shop.');
  await c.var.services.listen.revoked(shopId, tokenId); // its `aimbrellapay listen` sessions end now
  c.var.services.log.info('token revoked', { shopId, tokenId, requestId: c.var.requestId });
  return c.json(publicToken(record), 200);
};

export const rotateWebhookSecret: Handler<'adminRotateWebhookSecret'> = async (c) => {
  const { shopId } = c.req.valid('param');
  const body = c.req.valid('json') as { overlapSeconds?: number } | undefined;
  const result = await c.var.services.shops.rotateWebhookSecret(shopId, body?.overlapSeconds ?? 86_400);
  if (!result) throw shopNotFound();
  c.var.services.log.info('webhook secret rotated', { shopId, requestId: c.var.requestId });
  return c.json(result, 201);
};
