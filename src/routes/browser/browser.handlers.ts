import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/context';
import { notImplemented } from '../../http/not-implemented';
import type * as routes from './browser.routes';

export const openPayLink: RouteHandler<typeof routes.openPayLink, AppEnv> = () => notImplemented();
export const returnSuccess: RouteHandler<typeof routes.returnSuccess, AppEnv> = () => notImplemented();
export const returnError: RouteHandler<typeof routes.returnError, AppEnv> = () => notImplemented();
