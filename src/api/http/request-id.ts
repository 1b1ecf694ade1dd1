import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../../app-env';

// Honour a caller's id only when it is harmless to echo into logs and headers.
const WELL_FORMED = /^[A-Za-z0-9._:-]{8,128}$/;

/** The request's id: a well-formed incoming x-request-id, or a new one. */
function requestIdOf(headers: Headers): string {
  const incoming = headers.get('x-request-id');
  return incoming && WELL_FORMED.test(incoming) ? incoming : crypto.randomUUID();
}

/** Gives every request an id (x-request-id), reusing a well-formed incoming one. */
export const requestId = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  const id = requestIdOf(c.req.raw.headers);
  c.set('requestId', id);
  await next();
  c.res.headers.set('x-request-id', id);
};
