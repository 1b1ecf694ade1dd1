/**
 * `tsx bench/profile/micro.ts`: per-call cost, under Node's V8 (same engine as workerd), of the
 * pure-JS steps our request path repeats: config validation (cache miss vs hit), building the
 * services, the currency rule, the init body's schema. I/O-free, so Node measures them fairly.
 */
import { zInitPaymentRequest } from '../../generated/api/zod.gen.ts';
import { currencyInfo } from '../../src/core/payments/rules.ts';
import { type Env, loadConfig } from '../../src/env.ts';
import { buildServices } from '../../src/services.ts';
import { benchInitBody } from '../workers.ts';

const env = {
  PUBLIC_BASE_URL: 'http://127.0.0.1:8787',
  BANSKY_TEST_BASE_URL: 'http://127.0.0.1:8788',
  BANSKY_LIVE_BASE_URL: 'https://api.bansky.example',
  BANSKY_API_TOKEN: 'bench_bansky_token_0123456789',
  BANSKY_POSTBACK_SECRET: 'bench_postback_secret_0123456789',
  ADMIN_TOKEN: 'bench_admin_token_0123456789abcdef',
  LOG_LEVEL: 'warn',
} as unknown as Env;
const body = benchInitBody('order-1');

function time(name: string, fn: () => unknown, n = 20_000) {
  for (let i = 0; i < Math.min(n, 2000); i++) fn(); // warm the JIT
  const t = performance.now();
  for (let i = 0; i < n; i++) fn();
  const us = ((performance.now() - t) * 1000) / n;
  console.log(`${us.toFixed(2).padStart(9)} µs  ${name}`);
}

time('loadConfig, cache miss (new env object: full zod parse)', () => loadConfig({ ...env }), 5000);
time('loadConfig, cache hit (same env object, as in workerd)', () => loadConfig(env));
time('buildServices (config hit + logger + ShopStore + AnalyticsEmitter)', () => buildServices(env, { requestId: 'r' }));
time("currencyInfo('EUR') (new Intl.NumberFormat each call)", () => currencyInfo('EUR'), 5000);
time('zInitPaymentRequest.safeParse (the route validator)', () => zInitPaymentRequest.safeParse(body));
