import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from './api/http/body-limit';
import { notFound, onError } from './api/http/errors';
import { limitPerIp } from './api/http/rate-limit';
import { requestId } from './api/http/request-id';
import { securityHeaders } from './api/http/security-headers';
import { apiRouter } from './api/operations';
import type { AppEnv } from './app-env';
import { docsRouter } from './docs/routes';
import { buildServices, withLogFields } from './services';
import { shopAppRouter } from './shop-app/routes';

const MAX_BODY_BYTES = 64 * 1024;

/**
 * The HTTP application: request id → services → body limit → the routers of each area.
 * Route bindings live in src/api/<area>/; the rules they apply live in the domain modules.
 */
function createApp() {
  const app = new OpenAPIHono<AppEnv>();
  app.use('*', securityHeaders()); // nosniff everywhere, HSTS over https: first, so it wraps every answer
  app.use('*', requestId());
  app.use('*', async (c, next) => {
    c.set('services', withLogFields(buildServices(c.env), { requestId: c.var.requestId }));
    await next();
  });
  app.use('*', bodyLimit(MAX_BODY_BYTES)); // reads an oversized chunked upload to its end, so the 413 reaches the client

  app.use('/integration/*', limitPerIp()); // customers' pages carry no credentials: limit per client IP

  app.route('/', apiRouter);
  app.route('/', docsRouter);
  app.route('/', shopAppRouter); // the shop app: /app, server-rendered

  app.notFound(notFound);
  app.onError(onError);
  return app;
}

export const app = createApp();
