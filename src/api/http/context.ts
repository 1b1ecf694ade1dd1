import type { RouteHandler } from '@hono/zod-openapi';
import type { OperationId, operations } from '../../../generated/routes';
import type { ShopRecord, TokenRecord } from '../../core/shops/shop-store';
import type { Env } from '../../env';
import type { Services } from '../../services';

/** What a request carries through Hono's context. */
export type AppEnv = {
  Bindings: Env;
  Variables: {
    requestId: string;
    services: Services;
    /** Set by shopAuth() on shop API routes. */
    shop: ShopRecord;
    token: TokenRecord;
    /** Set by jsonNumberSources(): how the body's top-level numbers were written, by JSON Pointer. */
    numberSources: ReadonlyMap<string, string>;
  };
};

/** The handler of one operation of the contract, typed from its generated route. */
export type Handler<Op extends OperationId> = RouteHandler<(typeof operations)[Op], AppEnv>;

/** A handler for every operation, and nothing else. */
export type Handlers = { [Op in OperationId]: Handler<Op> };
