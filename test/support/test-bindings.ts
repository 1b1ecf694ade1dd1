/**
 * Secrets and vars the Worker sees inside the workerd test pool. The secret values are canaries:
 * security tests assert that none of them ever appears in a response, redirect or log line.
 */
export const CANARY = {
  BANSKY_API_TOKEN: 'canary_bansky_token_5f1d8c2a9e7b',
  BANSKY_POSTBACK_SECRET: 'canary_bansky_postback_secret_3c9e1a7f',
  PAYMENT_ID_SECRET: 'canary_payment_id_secret_9d4b2e7c1f6a',
  ADMIN_TOKEN: 'canary_admin_token_8b2f6d4e1a9c',
  BIGQUERY_SERVICE_ACCOUNT_JSON: '',
  METABASE_EMBED_SECRET: 'canary_metabase_secret_7e3a9c1f5b2d',
} as const;

export const WORKER_TEST_BINDINGS: Record<string, string> = {
  ...CANARY,
  PUBLIC_BASE_URL: 'https://pay.test.example',
  BANSKY_TEST_BASE_URL: 'http://127.0.0.1:18788',
  BANSKY_LIVE_BASE_URL: 'http://127.0.0.1:18789',
  BANSKY_TIMEOUT_MS: '2000',
  LOG_LEVEL: 'debug',
};
