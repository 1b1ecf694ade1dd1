import { AnalyticsEmitter } from './analytics/emitter';
import { loadConfig, type Config, type Env } from './env';
import { createLogger, type Logger } from './observability/logger';
import { ShopStore } from './shops/shop-store';

/**
 * Everything a handler depends on, built once per request from the bindings. Handlers read
 * `c.var.services` instead of importing bindings, so tests can swap the clock or a base URL
 * through the environment without stubbing modules.
 */
export interface Services {
  env: Env;
  config: Config;
  log: Logger;
  now: () => Date;
  shops: ShopStore;
  analytics: AnalyticsEmitter;
}

export function buildServices(env: Env, fields: Record<string, unknown> = {}): Services {
  const config = loadConfig(env);
  const now = () => new Date();
  const log = createLogger({
    level: config.logLevel,
    secrets: [
      config.bansky.apiToken,
      config.bansky.postbackSecret,
      config.paymentIdSecret,
      config.adminToken,
      config.internalDocsPasswordHash,
      config.bigQuery.serviceAccountJson,
      config.metabaseEmbedSecret,
    ],
    base: fields,
  });
  return {
    env,
    config,
    log,
    now,
    shops: new ShopStore(env.KV, now),
    analytics: new AnalyticsEmitter(env.ANALYTICS_QUEUE, log, now, env.KV),
  };
}
