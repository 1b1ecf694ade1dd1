import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../../app-env';
import { ApiError } from '../../platform/problem';

/**
 * Runs before the body is parsed or validated: nothing of an unauthenticated body is looked at.
 * Hono caches the raw body, so the JSON validator after us reads the same bytes we verified.
 */
export const verifyBanskySignature = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  const raw = await c.req.arrayBuffer();
  const header = c.req.header('x-bansky-signature');
  const ok = await c.var.services.bansky.verifyPostback(raw, header);
  if (!ok) {
    c.var.services.log.warn('bansky postback rejected: bad signature', {
      requestId: c.var.requestId,
      hasHeader: header !== undefined,
      bytes: raw.byteLength,
    });
    throw new ApiError(401, 'invalid_signature', 'The X-Bansky-Signature header does not match the request body.');
  }
  await next();
};
