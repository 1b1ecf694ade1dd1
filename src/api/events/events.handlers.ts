import { BadCursor } from '../../core/payments-index/query';
import { ApiError } from '../../platform/problem';
import type { Handler } from '../http/context';

/** GET /api/v1/events: the shop's events in the token's mode, newest first (src/core/payments-index/events.ts). */
export const listEvents: Handler<'listEvents'> = async (c) => {
  const { cursor, limit, ...filters } = c.req.valid('query');
  const { shop, token, services } = c.var;
  try {
    return c.json(await services.events.list(shop.id, token.mode, filters, cursor, limit ?? 50), 200);
  } catch (err) {
    if (err instanceof BadCursor)
      throw new ApiError(400, 'validation_failed', 'cursor: not a cursor this API returned.', {
        errors: [{ path: '/cursor', in: 'query', message: err.message }],
      });
    throw err;
  }
};

/** GET /api/v1/events/{id}: one event by its webhook-id, only the caller's shop and mode. */
export const getEvent: Handler<'getEvent'> = async (c) => {
  const { id } = c.req.valid('param');
  const { shop, token, services } = c.var;
  const event = await services.events.get(shop.id, token.mode, id);
  if (!event)
    throw new ApiError(404, 'event_not_found', 'No event with this id exists for your shop in this mode (events are kept 30 days).');
  return c.json(event, 200);
};
