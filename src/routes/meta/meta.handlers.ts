import type { RouteHandler } from '@hono/zod-openapi';
import contract from '../../../generated/openapi.json';
import type { AppEnv } from '../../http/context';
import type * as routes from './meta.routes';

export const getHealth: RouteHandler<typeof routes.getHealth, AppEnv> = (c) =>
  c.json({ status: 'ok' as const, version: contract.info.version }, 200);

/** Serves openapi.yaml itself (bundled as JSON at generate time): the contract shops build from. */
export const getContract: RouteHandler<typeof routes.getContract, AppEnv> = (c) =>
  c.json(contract as Record<string, unknown>, 200);
