import { z } from 'zod';

/** The Worker's bindings, as declared in wrangler.toml and .dev.vars.example. */
export interface Env {
  KV: KVNamespace;
  PAYMENTS: DurableObjectNamespace;
  /** Shop app (issue 12): the payments index shards and each shop's members and sessions. */
  PAYMENTS_INDEX: DurableObjectNamespace;
  MEMBERS: DurableObjectNamespace;
  POSTBACK_QUEUE: Queue;
  POSTBACK_DLQ: Queue;
  ANALYTICS_QUEUE: Queue;
  ANALYTICS_DLQ: Queue;
  ASSETS?: Fetcher;

  PUBLIC_BASE_URL: string;
  BANSKY_TEST_BASE_URL: string;
  BANSKY_LIVE_BASE_URL: string;
  BANSKY_TIMEOUT_MS?: string;
  PAY_LINK_TTL_SECONDS?: string;
  POSTBACK_RETRY_SCHEDULE_SECONDS?: string;
  POSTBACK_DEAD_LETTER_AFTER_SECONDS?: string;
  POSTBACK_TIMEOUT_MS?: string;
  /** Shop app (issue 12): minimum seconds between queuings of one payment's postback before a shop resend is accepted (default 60). */
  POSTBACK_RESEND_INTERVAL_SECONDS?: string;
  BIGQUERY_BASE_URL?: string;
  BIGQUERY_PROJECT?: string;
  BIGQUERY_DATASET?: string;
  LOG_LEVEL?: string;

  // Secrets
  BANSKY_API_TOKEN: string;
  BANSKY_POSTBACK_SECRET: string;
  PAYMENT_ID_SECRET?: string;
  ADMIN_TOKEN: string;
  INTERNAL_DOCS_PASSWORD_HASH?: string;
  BIGQUERY_SERVICE_ACCOUNT_JSON?: string;
  METABASE_EMBED_SECRET?: string;
}

const httpBase = z
  .string()
  .url()
  .transform((u) => u.replace(/\/+$/, ''));
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v ? v : undefined));

const configSchema = z.object({
  publicBaseUrl: httpBase,
  bansky: z.object({
    testBaseUrl: httpBase,
    liveBaseUrl: httpBase,
    apiToken: z.string().min(8, 'BANSKY_API_TOKEN must be set'),
    postbackSecret: z.string().min(8, 'BANSKY_POSTBACK_SECRET must be set'),
    timeoutMs: z.coerce.number().int().min(100).max(60_000).default(10_000),
  }),
  payLinkTtlSeconds: z.coerce.number().int().min(60).max(30 * 86_400).default(86_400),
  /** Keys the deterministic payment id of (shop, mode, shop transaction id); see src/payments/ids.ts. */
  paymentIdSecret: optionalString,
  postbacks: z.object({
    // Queues cap one retry delay at 12 h; the last step repeats until deadLetterAfterSeconds.
    retryScheduleSeconds: z
      .string()
      .default('30,60,120,300,600,1800,3600,7200,14400,28800')
      .transform((s) => s.split(',').map((n) => Number(n.trim())))
      .pipe(z.array(z.number().int().min(0).max(43_200)).min(1)),
    deadLetterAfterSeconds: z.coerce.number().int().min(1).default(86_400),
    timeoutMs: z.coerce.number().int().min(100).max(60_000).default(15_000),
  }),
  adminToken: z.string().min(16, 'ADMIN_TOKEN must be at least 16 characters'),
  internalDocsPasswordHash: optionalString,
  bigQuery: z.object({
    baseUrl: optionalString,
    project: optionalString,
    dataset: z.string().default('aimbrellapay'),
    serviceAccountJson: optionalString,
  }),
  metabaseEmbedSecret: optionalString,
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

export type Config = z.infer<typeof configSchema>;

const cache = new WeakMap<object, Config>();

/**
 * Validates the environment once per isolate (per env object) and returns typed config.
 * A misconfigured deploy fails loudly on its first request instead of half-working.
 */
export function loadConfig(env: Env): Config {
  const hit = cache.get(env);
  if (hit) return hit;
  const parsed = configSchema.safeParse({
    publicBaseUrl: env.PUBLIC_BASE_URL,
    bansky: {
      testBaseUrl: env.BANSKY_TEST_BASE_URL,
      liveBaseUrl: env.BANSKY_LIVE_BASE_URL,
      apiToken: env.BANSKY_API_TOKEN,
      postbackSecret: env.BANSKY_POSTBACK_SECRET,
      timeoutMs: env.BANSKY_TIMEOUT_MS || undefined,
    },
    payLinkTtlSeconds: env.PAY_LINK_TTL_SECONDS || undefined,
    paymentIdSecret: env.PAYMENT_ID_SECRET,
    postbacks: {
      retryScheduleSeconds: env.POSTBACK_RETRY_SCHEDULE_SECONDS || undefined,
      deadLetterAfterSeconds: env.POSTBACK_DEAD_LETTER_AFTER_SECONDS || undefined,
      timeoutMs: env.POSTBACK_TIMEOUT_MS || undefined,
    },
    adminToken: env.ADMIN_TOKEN,
    internalDocsPasswordHash: env.INTERNAL_DOCS_PASSWORD_HASH,
    bigQuery: {
      baseUrl: env.BIGQUERY_BASE_URL,
      project: env.BIGQUERY_PROJECT,
      dataset: env.BIGQUERY_DATASET || undefined,
      serviceAccountJson: env.BIGQUERY_SERVICE_ACCOUNT_JSON,
    },
    metabaseEmbedSecret: env.METABASE_EMBED_SECRET,
    logLevel: env.LOG_LEVEL || undefined,
  });
  if (!parsed.success) {
    // Name the settings, never their values: some of them are secrets.
    const fields = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid Worker configuration: ${fields}`);
  }
  cache.set(env, parsed.data);
  return parsed.data;
}
