import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from './http/body-limit';
import type { AppEnv } from './http/context';
import { notFound, onError } from './http/errors';
import { requestId } from './http/request-id';
import { adminRouter } from './routes/admin';
import { banskyRouter } from './routes/bansky';
import { browserRouter } from './routes/browser';
import { docsRouter } from './routes/docs';
import { metaRouter } from './routes/meta';
import { paymentsRouter } from './routes/payments';
import { buildServices } from './services';

export const MAX_BODY_BYTES = 64 * 1024;

/**
 * The HTTP application: request id → services → body limit → the routers of each area.
 * Route bindings live in src/routes/<area>/; the rules they apply live in the domain modules.
 */
export function createApp() {
  const app = new OpenAPIHono<AppEnv>();
  app.use('*', requestId());
  app.use('*', async (c, next) => {
    c.set('services', buildServices(c.env, { requestId: c.var.requestId }));
    await next();
  });
  app.use('*', bodyLimit(MAX_BODY_BYTES)); // reads an oversized chunked upload to its end, so the 413 reaches the client

  app.route('/', metaRouter);
  app.route('/', paymentsRouter);
  app.route('/', browserRouter);
  app.route('/', banskyRouter);
  app.route('/', adminRouter);
  app.route('/', docsRouter);

  app.notFound(notFound);
  app.onError(onError);
  return app;
}

export const app = createApp();
export type App = typeof app;
