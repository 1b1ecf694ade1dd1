/** The secrets and limits every bench Worker runs with (fixed test values, never real ones). */
export const BENCH_SECRETS = {
  BANSKY_API_TOKEN: 'bench_bansky_token_0123456789',
  BANSKY_POSTBACK_SECRET: 'bench_postback_secret_0123456789',
  ADMIN_TOKEN: 'bench_admin_token_0123456789abcdef',
  PAYMENT_ID_SECRET: 'bench_payment_id_secret_0123456789',
  WEBHOOK_SECRET_KEYS: 'bench:YmVuY2hfd2ViaG9va19zZWFsaW5nX2tleV8zMmJ5dGU',
  // The load comes from one address and one token: far above what a run sends, so it measures work, not limits.
  RATE_LIMIT_PER_TOKEN: '1000000',
  RATE_LIMIT_PER_IP: '1000000',
};
