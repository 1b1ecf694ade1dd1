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
  WEBHOOK_SECRET_KEYS: 'canary:Y2FuYXJ5X3dlYmhvb2tfc2VhbGluZ19rZXlfMzJieXQ',
  INTERNAL_DOCS_PASSWORD_HASH: 'pbkdf2-sha256:100000:zjf45JN9d9R32Z5ejuSiEw:MVSXajkFv2TKm8NbxunCUQrUV-HQZQLD4sG6EsoZUsg', // password: test/node/docs.support.ts
} as const;

export const WORKER_TEST_BINDINGS: Record<string, string> = {
  ...CANARY,
  PUBLIC_BASE_URL: 'https://pay.test.example',
  BANSKY_TEST_BASE_URL: 'http://127.0.0.1:18788',
  BANSKY_LIVE_BASE_URL: 'http://127.0.0.1:18789',
  BANSKY_TIMEOUT_MS: '2000',
  LOG_LEVEL: 'debug',
  // Tests post to receivers on 127.0.0.1, as `npm start` posts to the demo shop on localhost.
  LOCAL_DEVELOPMENT: 'true',
};

/** Path on the HTTP recorder that stands for our public base URL (Bansky's returns and postbacks land there). */
export const RELAY_PREFIX = '/relay';

/**
 * The bindings with the real servers started by the worker project's globalSetup: both Bansky
 * sandboxes, our public base URL on the recorder (so Bansky's postbacks are captured and relayed
 * into the Worker by the tests), and postback retries a second apart (the queue redelivers in real time).
 */
export function workerTestBindingsWith(servers: {
  banskyTestUrl: string;
  banskyLiveUrl: string;
  recorderUrl: string;
}): Record<string, string> {
  return {
    ...WORKER_TEST_BINDINGS,
    PUBLIC_BASE_URL: servers.recorderUrl + RELAY_PREFIX,
    BANSKY_TEST_BASE_URL: servers.banskyTestUrl,
    BANSKY_LIVE_BASE_URL: servers.banskyLiveUrl,
    // The queue's own redelivery runs in real time, so retries come after a second; dead-lettering
    // keeps the production window of a day, which tests reach by moving the clock (time.support.ts).
    POSTBACK_RETRY_SCHEDULE_SECONDS: '1',
    POSTBACK_TIMEOUT_MS: '3000',
  };
}
