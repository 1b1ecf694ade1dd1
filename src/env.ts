// A namespace import: esbuild shakes `z.x` member by member then (`import { z }` bundles all of zod).
import * as z from 'zod';
import type { ListenObject } from './core/listen/listen-object';
import type { PaymentObject } from './core/payments/payment-object';
import type { PaymentsIndexObject } from './core/payments-index/index-object';
import type { PostbackJob } from './core/postbacks/payload';
import type { SessionObject } from './docs/sessions/session-object';
import type { AnalyticsEvent } from './insight/analytics/events';
import { parseKeySpec } from './platform/lib/secret-box';
import type { LimiterObject } from './platform/limits/limiter-object';
import type { ShopMembersObject } from './shop-app/members/members-object';

/** The bindings of wrangler.toml: provided by the runtime, typed here, not validated. */
interface Bindings {
  KV: KVNamespace;
  PAYMENTS: DurableObjectNamespace<PaymentObject>;
  LIMITER: DurableObjectNamespace<LimiterObject>;
  SESSIONS: DurableObjectNamespace<SessionObject>;
  /** The payments index shards and each shop's members and sessions (the shop app). */
  PAYMENTS_INDEX: DurableObjectNamespace<PaymentsIndexObject>;
  MEMBERS: DurableObjectNamespace<ShopMembersObject>;
  /** Each shop's live `aimbrellapay listen` sessions (hibernatable WebSockets). */
  LISTEN: DurableObjectNamespace<ListenObject>;
  POSTBACK_QUEUE: Queue<PostbackJob>;
  /** One event per message, or one request's events together (src/insight/analytics/emitter.ts). */
  ANALYTICS_QUEUE: Queue<AnalyticsEvent | AnalyticsEvent[]>;
  ANALYTICS_DLQ: Queue;
  ASSETS?: Fetcher;
}

// Every var and secret arrives as a string (wrangler.toml [vars], .dev.vars, `wrangler secret put`).
const httpBase = z
  .string()
  .url()
  .transform((u) => u.replace(/\/+$/, ''));
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v ? v : undefined));
const optionalInt = (min: number, max: number, fallback: number) =>
  z
    .string()
    .optional()
    .transform((v) => (v ? Number(v) : fallback))
    .pipe(z.number().int().min(min).max(max));
/** An http(s) origin (`https://metabase.example.com`, no path): the page's CSP admits exactly this. */
const optionalOrigin = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (!v) return undefined;
    const u = URL.canParse(v) ? new URL(v) : null;
    if (!u || !/^https?:$/.test(u.protocol) || u.pathname.replace(/\/+$/, '') !== '' || u.search || u.hash || u.username || u.password) {
      ctx.addIssue({ code: 'custom', message: 'must be an http(s) origin such as https://metabase.example.com (no path)' });
      return z.NEVER;
    }
    return u.origin;
  });
const optionalPositiveInt = z
  .string()
  .optional()
  .transform((v) => (v ? Number(v) : undefined))
  .pipe(z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional());
/** A comma-separated setting's entries. */
const listed = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
/** Secrets carry `secret: true`: the logger redacts exactly these (see `secretValues`). */
const secret = <T extends z.ZodType>(schema: T) => schema.meta({ secret: true });

/**
 * The environment, defined once: each var and secret with its rule, and the typed config the
 * code reads. `Env` (bindings + vars) is inferred from it.
 */
const varsSchema = z.object({
  PUBLIC_BASE_URL: httpBase,
  BANSKY_TEST_BASE_URL: httpBase,
  BANSKY_LIVE_BASE_URL: httpBase,
  BANSKY_TIMEOUT_MS: optionalInt(100, 60_000, 10_000),
  PAY_LINK_TTL_SECONDS: optionalInt(60, 30 * 86_400, 86_400),
  // Queues cap one retry delay at 12 h; the last step repeats until the dead-letter age.
  POSTBACK_RETRY_SCHEDULE_SECONDS: z
    .string()
    .optional()
    .transform((s) => (s || '30,60,120,300,600,1800,3600,7200,14400,28800').split(',').map((n) => Number(n.trim())))
    .pipe(z.array(z.number().int().min(0).max(43_200)).min(1)),
  POSTBACK_DEAD_LETTER_AFTER_SECONDS: optionalInt(1, 30 * 86_400, 86_400),
  POSTBACK_TIMEOUT_MS: optionalInt(100, 60_000, 15_000),
  /** Minimum seconds between queuings of one payment's postback before a shop's resend is accepted. */
  POSTBACK_RESEND_INTERVAL_SECONDS: optionalInt(0, 86_400, 60),
  BIGQUERY_BASE_URL: optionalString,
  BIGQUERY_PROJECT: optionalString,
  BIGQUERY_DATASET: optionalString,
  /**
   * The longest wait between two tries of an analytics row (default 5 min). `npm start` shortens it
   * while the local BigQuery emulator is still being built, so queued events stream in soon after.
   */
  BIGQUERY_RETRY_MAX_SECONDS: optionalInt(2, 300, 300),
  LOG_LEVEL: z
    .string()
    .optional()
    .transform((v) => v || 'info')
    .pipe(z.enum(['debug', 'info', 'warn', 'error'])),
  RATE_LIMIT_PER_TOKEN: optionalInt(1, 1_000_000, 600),
  RATE_LIMIT_PER_IP: optionalInt(1, 1_000_000, 300),
  RATE_LIMIT_WINDOW_SECONDS: optionalInt(1, 3600, 60),
  /** The Stats page embeds Metabase only when the site, the dashboard and the secret are all set. */
  METABASE_SITE_URL: optionalOrigin,
  METABASE_DASHBOARD_ID: optionalPositiveInt,
  /**
   * A local development deployment (`npm start`, the tests): test-mode postbacks may go to
   * loopback and private addresses. Set in .dev.vars and the test bindings only; never in
   * wrangler.toml, which the deploy check (scripts/deploy/check.mjs) enforces.
   */
  LOCAL_DEVELOPMENT: z
    .string()
    .optional()
    .transform((v) => v === 'true' || v === '1'),

  BANSKY_API_TOKEN: secret(z.string().min(8, 'BANSKY_API_TOKEN must be set')),
  /** One secret, or two comma-separated while Bansky rotates it (either verifies: docs/internal/runbook.md). */
  BANSKY_POSTBACK_SECRET: secret(
    z.string().refine((v) => listed(v).length >= 1 && listed(v).length <= 2 && listed(v).every((s) => s.length >= 8), {
      message: 'must be set: one secret of at least 8 characters, or two comma-separated during a rotation',
    }),
  ),
  /** Keys the deterministic payment id of (shop, mode, shop transaction id); see src/core/payments/ids.ts. */
  PAYMENT_ID_SECRET: secret(optionalString),
  ADMIN_TOKEN: secret(z.string().min(16, 'ADMIN_TOKEN must be at least 16 characters')),
  INTERNAL_DOCS_PASSWORD_HASH: secret(optionalString),
  BIGQUERY_SERVICE_ACCOUNT_JSON: secret(optionalString),
  METABASE_EMBED_SECRET: secret(optionalString),
  /** Seals the shops' webhook secrets in KV: `<keyId>:<32 bytes base64url>[,…]`, the first seals (src/platform/lib/secret-box.ts). */
  WEBHOOK_SECRET_KEYS: secret(
    z.string().superRefine((spec, ctx) => {
      try {
        parseKeySpec(spec);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    }),
  ),
});

/**
 * Local development is refused on anything but a loopback PUBLIC_BASE_URL: a deployment that got
 * the setting by mistake (a `wrangler secret put`, a copied .dev.vars) fails on its first request
 * instead of letting shops' test postbacks reach its private network.
 */
const checkedVarsSchema = varsSchema.superRefine((v, ctx) => {
  // Without PAYMENT_ID_SECRET the id key derives from the postback secret: a rotation would move every id.
  if (listed(v.BANSKY_POSTBACK_SECRET).length > 1 && !v.PAYMENT_ID_SECRET) {
    ctx.addIssue({
      code: 'custom',
      path: ['BANSKY_POSTBACK_SECRET'],
      message: 'holds two secrets (a rotation) but PAYMENT_ID_SECRET is not set: set it first (docs/internal/runbook.md)',
    });
  }
  if (v.LOCAL_DEVELOPMENT && !isLoopbackUrl(v.PUBLIC_BASE_URL)) {
    ctx.addIssue({
      code: 'custom',
      path: ['LOCAL_DEVELOPMENT'],
      message: 'is only for local development; PUBLIC_BASE_URL is not a loopback address, so this is a deployment: remove it',
    });
  }
});

function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname.replace(/\.+$/, '');
  return host === 'localhost' || host.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '[::1]';
}

export type Vars = z.input<typeof varsSchema>;
export type Env = Bindings & Vars;

function toConfig(v: z.output<typeof varsSchema>) {
  return {
    publicBaseUrl: v.PUBLIC_BASE_URL,
    bansky: {
      testBaseUrl: v.BANSKY_TEST_BASE_URL,
      liveBaseUrl: v.BANSKY_LIVE_BASE_URL,
      apiToken: v.BANSKY_API_TOKEN,
      /** Every secret that verifies Bansky's postbacks: the current one first, the one being retired second. */
      postbackSecrets: listed(v.BANSKY_POSTBACK_SECRET),
      timeoutMs: v.BANSKY_TIMEOUT_MS,
    },
    payLinkTtlSeconds: v.PAY_LINK_TTL_SECONDS,
    paymentIdSecret: v.PAYMENT_ID_SECRET,
    postbacks: {
      retryScheduleSeconds: v.POSTBACK_RETRY_SCHEDULE_SECONDS,
      deadLetterAfterSeconds: v.POSTBACK_DEAD_LETTER_AFTER_SECONDS,
      timeoutMs: v.POSTBACK_TIMEOUT_MS,
      resendIntervalSeconds: v.POSTBACK_RESEND_INTERVAL_SECONDS,
    },
    rateLimits: { perToken: v.RATE_LIMIT_PER_TOKEN, perIp: v.RATE_LIMIT_PER_IP, windowSeconds: v.RATE_LIMIT_WINDOW_SECONDS },
    adminToken: v.ADMIN_TOKEN,
    internalDocsPasswordHash: v.INTERNAL_DOCS_PASSWORD_HASH,
    bigQuery: {
      baseUrl: v.BIGQUERY_BASE_URL,
      project: v.BIGQUERY_PROJECT,
      dataset: v.BIGQUERY_DATASET ?? 'aimbrellapay',
      serviceAccountJson: v.BIGQUERY_SERVICE_ACCOUNT_JSON,
      retryMaxSeconds: v.BIGQUERY_RETRY_MAX_SECONDS,
    },
    webhookSecretKeys: v.WEBHOOK_SECRET_KEYS,
    /** The Stats page's guest embed (docs/internal/metabase.md); `embed` is null unless all three are set. */
    metabase: {
      siteUrl: v.METABASE_SITE_URL,
      dashboardId: v.METABASE_DASHBOARD_ID,
      embedSecret: v.METABASE_EMBED_SECRET,
      embed:
        v.METABASE_SITE_URL && v.METABASE_DASHBOARD_ID && v.METABASE_EMBED_SECRET
          ? { siteUrl: v.METABASE_SITE_URL, dashboardId: v.METABASE_DASHBOARD_ID, secret: v.METABASE_EMBED_SECRET }
          : null,
    },
    logLevel: v.LOG_LEVEL,
    /** Test-mode postbacks may reach loopback and private addresses (see LOCAL_DEVELOPMENT). */
    localDevelopment: v.LOCAL_DEVELOPMENT,
    /** Every secret's value, for the logger to redact. */
    // A comma-separated secret is redacted whole and entry by entry (a rotation's two values, the sealing keys).
    secretValues: SECRET_VARS.map((name) => v[name])
      .filter((s): s is string => typeof s === 'string' && s !== '')
      .flatMap((s) => [s, ...listed(s).filter((part) => part !== s && part.length >= 8)]),
  };
}

export type Config = ReturnType<typeof toConfig>;

const SECRET_VARS = (Object.keys(varsSchema.shape) as Array<keyof typeof varsSchema.shape>).filter(
  (name) => varsSchema.shape[name].meta()?.secret === true,
);

/**
 * Validates the environment and returns the typed config. A misconfigured deploy fails loudly on
 * its first request instead of half-working; the error names settings, never their values.
 */
export function parseConfig(env: Vars): Config {
  const parsed = checkedVarsSchema.safeParse(env);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid Worker configuration: ${fields}`);
  }
  return toConfig(parsed.data);
}
