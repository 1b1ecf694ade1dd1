import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/context';
import { notImplemented } from '../../http/not-implemented';
import type * as routes from './admin.routes';

type H<R extends keyof typeof routes> = RouteHandler<(typeof routes)[R], AppEnv>;

export const getPayment: H<'getPayment'> = () => notImplemented();
export const redeliverPostback: H<'redeliverPostback'> = () => notImplemented();
export const listDeadLetters: H<'listDeadLetters'> = () => notImplemented();
