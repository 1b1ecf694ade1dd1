import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from './http/body-limit';
import type { AppEnv } from './http/context';
import { notFound, onError } from './http/errors';
import { requestId } from './http/request-id';
import { securityHeaders } from './http/security-headers';
import { limitPerIp } from './limits/rate-limit';
import { adminRouter } from './routes/admin';
import { banskyRouter } from './routes/bansky';
import { browserRouter } from './routes/browser';
import { docsRouter } from './routes/docs';
import { metaRouter } from './routes/meta';
import { paymentsRouter } from './routes/payments';
import { buildServices, withLogFields } from './services';
import { shopAppRouter } from './shop-app/routes';

export const MAX_BODY_BYTES = 64 * 1024;

/**
 * The HTTP application: request id → services → body limit → the routers of each area.
 * Route bindings live in src/routes/<area>/; the rules they apply live in the domain modules.
 */
export function createApp() {
  const app = new OpenAPIHono<AppEnv>();
  app.use('*', securityHeaders()); // nosniff everywhere, HSTS over https: first, so it wraps every answer
  app.use('*', requestId());
  app.use('*', async (c, next) => {
    c.set('services', withLogFields(buildServices(c.env), { requestId: c.var.requestId }));
    await next();
  });
  app.use('*', bodyLimit(MAX_BODY_BYTES)); // reads an oversized chunked upload to its end, so the 413 reaches the client

  app.use('/integration/*', limitPerIp()); // customers' pages carry no credentials: limit per client IP

  app.route('/', metaRouter);
  app.route('/', paymentsRouter);
  app.route('/', browserRouter);
  app.route('/', banskyRouter);
  app.route('/', adminRouter);
  app.route('/', docsRouter);
  app.route('/', shopAppRouter); // shop app (issue 12): /app, server-rendered

  app.notFound(notFound);
  app.onError(onError);
  return app;
}

export const app = createApp();
