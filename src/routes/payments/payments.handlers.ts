import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/context';
import { notImplemented } from '../../http/not-implemented';
import type * as routes from './payments.routes';

export const initPayment: RouteHandler<typeof routes.initPayment, AppEnv> = () => notImplemented();
export const getPayment: RouteHandler<typeof routes.getPayment, AppEnv> = () => notImplemented();
