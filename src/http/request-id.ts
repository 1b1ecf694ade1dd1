import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './context';

// Honour a caller's id only when it is harmless to echo into logs and headers.
const WELL_FORMED = /^[A-Za-z0-9._:-]{8,128}$/;

/** Gives every request an id (x-request-id), reusing a well-formed incoming one. */
export const requestId = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  const incoming = c.req.header('x-request-id');
  const id = incoming && WELL_FORMED.test(incoming) ? incoming : crypto.randomUUID();
  c.set('requestId', id);
  await next();
  c.res.headers.set('x-request-id', id);
};
