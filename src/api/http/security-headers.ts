import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../../app-env';

/** Two years, as hstspreload.org asks; includeSubDomains because every host of ours is https. */
export const HSTS = 'max-age=63072000; includeSubDomains';

/** nosniff always, HSTS over https: set on `headers`. */
function addSecurityHeaders(headers: Headers, requestUrl: URL): void {
  headers.set('X-Content-Type-Options', 'nosniff');
  if (requestUrl.protocol === 'https:') headers.set('Strict-Transport-Security', HSTS);
}

/**
 * Headers every response of the Worker carries, whatever produced it (routes, problems from
 * onError, notFound, the docs): `X-Content-Type-Options: nosniff` always, HSTS when the request
 * came over https (over plain http a browser must ignore it, and local `http://localhost`
 * stays usable). Static files served before the Worker get the same from public/_headers.
 * Registered first in createApp so it wraps everything.
 */
export const securityHeaders = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  await next();
  const url = new URL(c.req.url);
  try {
    addSecurityHeaders(c.res.headers, url);
  } catch {
    // A response passed through from fetch() has immutable headers: copy it once.
    const res = new Response(c.res.body, c.res);
    addSecurityHeaders(res.headers, url);
    c.res = res;
  }
};
