import type { RouteHandler } from '@hono/zod-openapi';
import type { OperationId, operations } from '../../../generated/routes';
import type { AppEnv } from '../../app-env';

/** The handler of one operation of the contract, typed from its generated route. */
export type Handler<Op extends OperationId> = RouteHandler<(typeof operations)[Op], AppEnv>;

/** A handler for every operation, and nothing else. */
export type Handlers = { [Op in OperationId]: Handler<Op> };
