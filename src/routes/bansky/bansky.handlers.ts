import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/context';
import { notImplemented } from '../../http/not-implemented';
import type * as routes from './bansky.routes';

export const receiveBanskyPostback: RouteHandler<typeof routes.receiveBanskyPostback, AppEnv> = () => notImplemented();
