import { metadataKeyIssues } from '../../core/payments/rules';
import { BadCursor } from '../../core/payments-index/query';
import { resendShopPostback } from '../../core/payments-index/resend';
import { ApiError } from '../../platform/problem';
import type { Handler } from '../http/context';

/** GET /api/v1/payments: the shop's payments in the token's mode (src/core/payments-index/query.ts). */
export const listPayments: Handler<'listPayments'> = async (c) => {
  const { cursor, limit, ...filters } = c.req.valid('query');
  const { shop, token, services } = c.var;
  if (filters.metadata) {
    const errors = metadataKeyIssues(filters.metadata, 'query', (k) => `/metadata[${k}]`);
    if (errors.length > 0)
      throw new ApiError(400, 'invalid_metadata', errors.map((e) => `${e.path.slice(1)}: ${e.message}`).join('; '), { errors });
  }
  try {
    return c.json(await services.paymentsIndex.list(shop, token.mode, filters, cursor, limit ?? 50), 200);
  } catch (err) {
    if (err instanceof BadCursor)
      throw new ApiError(400, 'validation_failed', 'cursor: not a cursor this API returned.', {
        errors: [{ path: 'cursor', message: err.message }],
      });
    throw err;
  }
};

/** POST /api/v1/payments/{id}/postback: queue the final postback again (same webhook-id), rate-limited per payment. */
export const resendPostback: Handler<'resendPostback'> = async (c) => {
  const { id } = c.req.valid('param');
  const { shop, token, services, requestId } = c.var;
  const outcome = await resendShopPostback(services, shop.id, token.mode, id, requestId);
  switch (outcome.kind) {
    case 'not_found':
      throw new ApiError(404, 'payment_not_found', 'No payment with this id exists for your shop in this mode.');
    case 'not_redeliverable':
      throw new ApiError(409, 'not_redeliverable', outcome.reason);
    case 'rate_limited':
      throw new ApiError(429, 'rate_limited', outcome.reason, { headers: { 'retry-after': String(outcome.retryAfterSeconds) } });
    case 'queued':
      services.log.info('postback resend queued by the shop', { paymentId: id, webhookId: outcome.webhookId, requestId });
      return c.json({ paymentId: id, webhookId: outcome.webhookId, status: 'queued' as const }, 202);
  }
};
