import { AnalyticsEmitter } from './analytics/emitter';
import { loadConfig, type Config, type Env } from './env';
import { createLogger, type Logger } from './observability/logger';
import { ShopStore } from './shops/shop-store';
// Shop app (issue 12)
import { KvSignInLockout, policyForKey } from './members/lockout';
import { MemberService, type MembersNamespace } from './members/service';
import { PaymentsIndex } from './payments-index/query';
import type { IndexNamespace } from './payments-index/shards';
import { derivePaymentId, paymentIdKey } from './payments/ids';
import { isPaymentId, paymentObject } from './payments/store';

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
  /** Shop app (issue 12): members and sessions; the payments list shared by the API and /app. */
  members: MemberService;
  paymentsIndex: PaymentsIndex;
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
    // Shop app (issue 12)
    members: new MemberService({
      ns: env.MEMBERS as unknown as MembersNamespace,
      kv: env.KV,
      lockout: new KvSignInLockout(env.KV, policyForKey, now),
      now,
      publicBaseUrl: config.publicBaseUrl,
    }),
    paymentsIndex: new PaymentsIndex({
      ns: env.PAYMENTS_INDEX as unknown as IndexNamespace,
      readPayment: (id) => paymentObject(env, id).get(),
      paymentIdFor: (shopId, mode, shopTransactionId) => derivePaymentId(paymentIdKey(config), shopId, mode, shopTransactionId),
      isPaymentId,
      now,
    }),
  };
}
