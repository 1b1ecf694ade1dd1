import { ApiError } from '../../platform/problem';
import type { Handler } from '../http/context';

/** GET /api/v1/listen: an authenticated test-mode WebSocket upgrade, handed to the shop's sessions object. */
export const listen: Handler<'listen'> = async (c) => {
  const { shop, token, services } = c.var;
  if (token.mode !== 'test')
    throw new ApiError(403, 'test_mode_only', 'aimbrellapay listen receives test-mode postbacks only; use a test token (apay_test_…).');
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket')
    throw new ApiError(
      426,
      'websocket_required',
      'Open this endpoint as a WebSocket (Upgrade: websocket), e.g. with npx aimbrellapay listen.',
      {
        headers: { upgrade: 'websocket' },
      },
    );
  services.log.info('listen session opening', { shopId: shop.id, tokenId: token.id });
  const upgraded = await services.listen.connect(shop.id, token.id, c.req.raw);
  // The object's answer has immutable headers; ours get the request id and security headers.
  const res = new Response(null, { status: upgraded.status, headers: upgraded.headers, webSocket: upgraded.webSocket });
  return res as never; // a 101 with the client end of the socket: the typed route cannot describe that body
};
