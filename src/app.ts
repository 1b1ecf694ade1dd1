import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from './http/context';
import { notFound, onError } from './http/errors';
import { ApiError } from './http/problem';
import { requestId } from './http/request-id';
import { adminRouter } from './routes/admin';
import { banskyRouter } from './routes/bansky';
import { browserRouter } from './routes/browser';
import { docsRouter } from './routes/docs';
import { metaRouter } from './routes/meta';
import { paymentsRouter } from './routes/payments';
import { buildServices } from './services';
import { shopAppRouter } from './shop-app/routes'; // shop app (issue 12)

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
  app.use(
    '*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new ApiError(413, 'payload_too_large', `The body exceeds ${MAX_BODY_BYTES / 1024} KiB.`);
      },
    }),
  );

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
export type App = typeof app;
