import type { ShopRecord, TokenRecord } from './core/shops/shop-store';
import type { Env } from './env';
import type { Services } from './services';

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
