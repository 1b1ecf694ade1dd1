import { ServedDocuments } from './api/contract/served';
import type { BanskyGateway } from './core/bansky/gateway';
import { HttpBanskyGateway } from './core/bansky/http-gateway';
import { ListenSessions } from './core/listen/sessions';
import { derivePaymentId, paymentIdKey } from './core/payments/ids';
import { isPaymentId, PaymentStore } from './core/payments/store';
import { TransactionLog } from './core/payments/txlog';
import { EventLog } from './core/payments-index/events';
import { PaymentsIndex } from './core/payments-index/query';
import { PostbackDeadLetters } from './core/postbacks/dead-letters';
import { PostbackQueue } from './core/postbacks/queue';
import { ShopStore } from './core/shops/shop-store';
import { SessionStore } from './docs/sessions/sessions';
import { type Config, type Env, parseConfig } from './env';
import { bigQueryTargetFrom } from './insight/analytics/bigquery-insert';
import { AnalyticsEmitter, type AnalyticsSink } from './insight/analytics/emitter';
import { EventCoalescer } from './insight/analytics/event-coalescer';
import { BIGQUERY_READ_SCOPE, getAccessToken } from './insight/analytics/google-auth';
import { AnalyticsSafetyNets } from './insight/analytics/safety-nets';
import { StatsFiguresService } from './insight/reporting/stats-figures';
import { type Clock, systemClock } from './platform/lib/clock';
import { SecretBox } from './platform/lib/secret-box';
import { Limiter } from './platform/limits/limiter';
import { APP_SIGN_IN_POLICIES, LoginThrottle } from './platform/limits/login-throttle';
import { RateGate } from './platform/limits/rate-gate';
import { createLogger, type Logger } from './platform/observability/logger';
import { MemberService } from './shop-app/members/service';

/**
 * The composition root: everything a handler, a queue consumer or a Durable Object depends on,
 * built here and nowhere else (Unkey's `ServiceContext` shape). Code reads `services`, never raw
 * bindings, so tests swap the clock or Bansky by building services with other parts.
 */
export interface Services {
  config: Config;
  clock: Clock;
  log: Logger;
  shops: ShopStore;
  payments: PaymentStore;
  bansky: BanskyGateway;
  postbackQueue: PostbackQueue;
  postbackDeadLetters: PostbackDeadLetters;
  analytics: AnalyticsSink;
  /** Pay link opens: one analytics row per payment per second, with a count (event-coalescer.ts). */
  payLinkOpens: EventCoalescer;
  txlog: TransactionLog;
  limiter: Limiter;
  rateGate: RateGate;
  sessions(realm: string): SessionStore;
  /** The shop app's members and their sessions; the payments list shared by the API and /app. */
  members: MemberService;
  paymentsIndex: PaymentsIndex;
  /** Each shop's events (its postbacks, kept 30 days) for the events API, written with the index. */
  events: EventLog;
  /** The shops' `aimbrellapay listen` sessions (test mode): pushes and revocations. */
  listen: ListenSessions;
  /**
   * The Stats page's built-in figures, one instance per isolate (its cache); null when BigQuery is
   * not configured (no BIGQUERY_PROJECT) or misconfigured (logged once when built).
   */
  statsFigures: StatsFiguresService | null;
  /** The contract and guides the Worker serves, read from the deployment's assets (the only reader of ASSETS). */
  documents: ServedDocuments;
  /** The analytics consumer's parked events and dead letters (safety-nets.ts). */
  analyticsNets: AnalyticsSafetyNets;
}

export interface ServiceOverrides {
  clock?: Clock;
  bansky?: BanskyGateway;
}

// Built once per isolate and environment: validating config and wiring stores per request
// costs CPU on the hot path for nothing (bindings and vars do not change within an isolate).
const cache = new WeakMap<object, Services>();

export function buildServices(env: Env, overrides: ServiceOverrides = {}): Services {
  const custom = overrides.clock !== undefined || overrides.bansky !== undefined;
  const hit = custom ? undefined : cache.get(env);
  if (hit) return hit;

  const config = parseConfig(env);
  const clock = overrides.clock ?? systemClock;
  const log = createLogger({ level: config.logLevel, secrets: redactedSecrets(config), clock });
  const payments = new PaymentStore(env.PAYMENTS);
  const limiter = new Limiter(env.LIMITER);
  const analytics = new AnalyticsEmitter(env.ANALYTICS_QUEUE, log, clock, env.KV);
  const secretBox = new SecretBox(config.webhookSecretKeys);
  const shops = new ShopStore(env.KV, clock, secretBox);
  const services: Services = {
    config,
    clock,
    log,
    shops,
    payments,
    bansky: overrides.bansky ?? new HttpBanskyGateway(config.bansky, config.publicBaseUrl, clock),
    postbackQueue: new PostbackQueue(env.POSTBACK_QUEUE),
    postbackDeadLetters: new PostbackDeadLetters(env.KV),
    analytics,
    payLinkOpens: new EventCoalescer(analytics, clock),
    txlog: new TransactionLog(env.KV),
    limiter,
    rateGate: new RateGate(limiter, clock),
    sessions: (realm) => new SessionStore(env.SESSIONS, realm),
    members: new MemberService({
      ns: env.MEMBERS,
      kv: env.KV,
      throttle: new LoginThrottle(limiter, 'app', APP_SIGN_IN_POLICIES),
      box: secretBox,
      clock,
      publicBaseUrl: config.publicBaseUrl,
    }),
    paymentsIndex: new PaymentsIndex({
      ns: env.PAYMENTS_INDEX,
      readPayment: (id) => payments.get(id),
      paymentIdFor: (shopId, mode, shopTransactionId) => derivePaymentId(paymentIdKey(config), shopId, mode, shopTransactionId),
      isPaymentId,
      clock,
    }),
    events: new EventLog({ ns: env.PAYMENTS_INDEX, clock }),
    listen: new ListenSessions({ ns: env.LISTEN, shops, log, now: () => clock.now() }),
    statsFigures: statsFiguresFrom(config, clock, log),
    documents: new ServedDocuments(env.ASSETS),
    analyticsNets: new AnalyticsSafetyNets(env.KV, env.ANALYTICS_QUEUE, env.ANALYTICS_DLQ),
  };
  if (!custom) cache.set(env, services);
  return services;
}

/** Reads with the read-only scope (jobs.query is refused with the insert scope); the emulator needs no token. */
function statsFiguresFrom(config: Config, clock: Clock, log: Logger): StatsFiguresService | null {
  let target: ReturnType<typeof bigQueryTargetFrom>;
  try {
    target = bigQueryTargetFrom(config.bigQuery);
  } catch (err) {
    log.warn('BigQuery is misconfigured; the Stats page shows no figures', { error: err instanceof Error ? err.message : String(err) });
    return null;
  }
  if (!target) return null;
  const key = target.key;
  return new StatsFiguresService({
    target,
    accessToken: key ? () => getAccessToken(key, () => clock.now(), BIGQUERY_READ_SCOPE) : null,
    now: () => clock.now(),
  });
}

/** The same services with a logger that stamps every line with `fields` (request id, consumer…). */
export function withLogFields<S extends Pick<Services, 'log' | 'analytics'>>(services: S, fields: Record<string, unknown>): S {
  const log = services.log.child(fields);
  return { ...services, log, analytics: services.analytics.withLogger(log) };
}

/**
 * Every secret's value, plus the lines of the service account's private key (a log line could
 * quote one line of a PEM without the rest).
 */
function redactedSecrets(config: Config): string[] {
  const keyLines = (config.bigQuery.serviceAccountJson ?? '')
    .replace(/\\n/g, '\n')
    .split('\n')
    .filter((l) => l.length >= 16 && !l.includes('-----'));
  // Each key of WEBHOOK_SECRET_KEYS on its own too, as a line could carry one without the rest.
  const sealingKeys = config.webhookSecretKeys
    .split(',')
    .map((k) => k.split(':')[1] ?? '')
    .filter((k) => k.length >= 16);
  return [...config.secretValues, ...keyLines, ...sealingKeys];
}
