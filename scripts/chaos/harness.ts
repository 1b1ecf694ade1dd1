/**
 * What every chaos scenario stands on: the Bansky sandbox (in this process, so its counters and
 * checkout sessions can be read), the Worker under `wrangler dev` on a state folder that survives
 * a SIGKILL and a restart (scripts/lib/wrangler-dev.mjs, as `npm start` runs it), shops onboarded
 * through the admin API, and small HTTP helpers that record every status the Worker answers.
 */
import { appendFileSync } from 'node:fs';
import { spawnSandbox } from '../../bench/sandbox.ts';
import { cmdline, descendants } from '../../bench/workers.ts';
import { createClient } from '../../generated/api/client/index.ts';
import { adminCreateShop, adminIssueToken } from '../../generated/api/sdk.gen.ts';
import type { AdminPayment, Payment } from '../../generated/api/types.gen.ts';
import type { SandboxLedger, SandboxPaymentStats } from '../../sandbox/bansky/server.ts';
import { startWorker } from '../lib/wrangler-dev.mjs';
import { DEMO_SHOP_HOSTS } from '../local/demo-credentials.ts';

export const SECRETS = {
  BANSKY_API_TOKEN: 'chaos_bansky_token_0123456789',
  BANSKY_POSTBACK_SECRET: 'chaos_postback_secret_0123456789',
  ADMIN_TOKEN: 'chaos_admin_token_0123456789abcdef',
  PAYMENT_ID_SECRET: 'chaos_payment_id_secret_0123456789',
};

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ShopCreds {
  name: string;
  shopId: string;
  token: string;
  webhookSecret: string;
}

export interface RunningWorker {
  url: string;
  /** wrangler's node process and every workerd under it. */
  pids(): { wrangler: number; workerd: number[] };
  stop(): Promise<void>;
}

/** The Worker under wrangler dev on `port`, state in `stateDir`; its log lines go to `logFile`. */
export async function startChaosWorker(opts: {
  port: number;
  stateDir: string;
  vars: Record<string, string> & { BANSKY_TEST_BASE_URL: string };
  logFile: string;
  label: string;
}): Promise<RunningWorker> {
  appendFileSync(opts.logFile, `\n=== ${opts.label} ${new Date().toISOString()} ===\n`);
  const w = await startWorker({
    port: opts.port,
    persistTo: opts.stateDir,
    logLevel: 'warn',
    vars: { ...SECRETS, PUBLIC_BASE_URL: `http://127.0.0.1:${opts.port}`, ...opts.vars },
    onLine: (line: string) => appendFileSync(opts.logFile, `${line}\n`),
  });
  return {
    url: w.url,
    pids: () => ({ wrangler: w.pid!, workerd: descendants(w.pid!).filter((p) => isWorkerd(p)) }),
    stop: () => w.stop(),
  };
}

function isWorkerd(pid: number): boolean {
  try {
    return cmdline(pid)[0]!.endsWith('workerd');
  } catch {
    return false;
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * SIGKILL of the runtime (every workerd of this wrangler dev), then of the rest of its tree:
 * wrangler's bin wrapper runs the real CLI as a child node process, which runs esbuild. Waits
 * until all are gone, so the restart finds the state folder and the port free.
 */
export async function killRuntime(w: RunningWorker): Promise<{ killed: number[] }> {
  const { wrangler, workerd } = w.pids();
  const rest = descendants(wrangler).filter((p) => !workerd.includes(p));
  for (const pid of workerd) process.kill(pid, 'SIGKILL');
  for (const pid of [...rest, wrangler]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  const all = [...workerd, ...rest, wrangler];
  const deadline = Date.now() + 10_000;
  while (all.some(alive) && Date.now() < deadline) await sleep(50);
  return { killed: workerd };
}

export interface ChaosSandbox {
  url: string;
  /** The sandbox's test hook GET /_sandbox/payments/<id>: init calls, checkout sessions, postbacks sent. */
  stats(paymentId: string): Promise<SandboxPaymentStats>;
  /** Every checkout session the sandbox opened (GET /_sandbox/ledger): the ground truth of where money could move. */
  ledger(): Promise<SandboxLedger>;
  close(): Promise<void>;
}

/**
 * The sandbox in its own process (bench/sandbox.ts), as the benchmark runs it: sharing this
 * process's event loop with the load, it answered late enough under load to turn healthy inits
 * into 504s and dropped connections into 502s.
 */
export async function startSandbox(opts: { stallMs: number; postbackDelayMs: number }): Promise<ChaosSandbox> {
  const sb = await spawnSandbox(SECRETS.BANSKY_API_TOKEN, SECRETS.BANSKY_POSTBACK_SECRET, {
    BANSKY_SANDBOX_STALL_MS: String(opts.stallMs),
    BANSKY_SANDBOX_POSTBACK_DELAY_MS: String(opts.postbackDelayMs),
  });
  return {
    url: sb.url,
    async stats(paymentId) {
      const res = await fetch(`${sb.url}/_sandbox/payments/${paymentId}`, { signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`sandbox stats for ${paymentId} answered ${res.status}`);
      return (await res.json()) as SandboxPaymentStats;
    },
    async ledger() {
      const res = await fetch(`${sb.url}/_sandbox/ledger`, { signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`sandbox ledger answered ${res.status}`);
      return (await res.json()) as SandboxLedger;
    },
    close: () => sb.stop(),
  };
}

/** A shop and a test token, onboarded through the admin API as an operator would (scripts/admin/). */
export async function createShop(workerUrl: string, name: string): Promise<ShopCreds> {
  const admin = createClient({ baseUrl: workerUrl, auth: SECRETS.ADMIN_TOKEN });
  const shop = await adminCreateShop({ client: admin, body: { name: `chaos ${name}`, allowedRedirectHosts: DEMO_SHOP_HOSTS } });
  if (!shop.data) throw new Error(`creating shop ${name} failed: ${shop.response?.status}`);
  const token = await adminIssueToken({ client: admin, path: { shopId: shop.data.shop.id }, body: { mode: 'test', label: 'chaos' } });
  if (!token.data) throw new Error(`issuing a token for ${name} failed: ${token.response?.status}`);
  return { name, shopId: shop.data.shop.id, token: token.data.token, webhookSecret: shop.data.webhookSecret };
}

/** Every status the Worker answered, by scenario, so "no 5xx but the documented 502/504" is checked everywhere. */
export class StatusLog {
  private readonly byScenario = new Map<string, Map<number, number>>();
  note(scenario: string, status: number) {
    const m = this.byScenario.get(scenario) ?? new Map<number, number>();
    m.set(status, (m.get(status) ?? 0) + 1);
    this.byScenario.set(scenario, m);
  }
  counts(scenario: string): Record<number, number> {
    return Object.fromEntries(this.byScenario.get(scenario) ?? []);
  }
}

export interface InitBody {
  id?: string;
  email: string;
  amount: string;
  currency: string;
  successUrl: string;
  errorUrl: string;
  postbackUrl?: string;
}

export interface InitAnswer {
  status: number;
  id: string | null;
  replayed: boolean;
  code: string | null;
  ms: number;
}

/** The client side of the Worker the scenarios use; `url` follows the Worker across a restart. */
export class Api {
  constructor(
    public url: string,
    private readonly statuses: StatusLog,
  ) {}

  async init(scenario: string, shop: ShopCreds, body: InitBody, timeoutMs = 20_000): Promise<InitAnswer> {
    const t = performance.now();
    const res = await fetch(`${this.url}/api/v1/init-payment`, {
      method: 'POST',
      headers: { authorization: `Bearer ${shop.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const json = (await res.json().catch(() => ({}))) as { id?: string; code?: string };
    this.statuses.note(scenario, res.status);
    return {
      status: res.status,
      id: json.id ?? null,
      replayed: res.headers.get('idempotent-replayed') === 'true',
      code: json.code ?? null,
      ms: performance.now() - t,
    };
  }

  /**
   * An init a scenario needs to go on (not the one it measures): a 503 or no answer is retried with
   * the same body, as the contract tells a shop to (the transaction id makes it idempotent). The
   * retries are counted under `retried-503`, not as the scenario's answers.
   */
  async initCreated(scenario: string, shop: ShopCreds, body: InitBody): Promise<string> {
    let last = '';
    for (let attempt = 1; attempt <= 6; attempt++) {
      const a = await this.init(`${scenario}-setup`, shop, body).catch((err: Error) => ({ status: 0, id: null, code: err.message }));
      if ((a.status === 201 || a.status === 200) && a.id) {
        this.statuses.note(scenario, a.status);
        return a.id;
      }
      last = `${a.status} ${a.code ?? ''}`;
      if (a.status !== 503 && a.status !== 0) break;
      this.statuses.note('retried-503', a.status);
      await sleep(500 * attempt);
    }
    throw new Error(`${scenario}: an init it needs answered ${last.trim()} (after retrying 503s and dropped connections)`);
  }

  /**
   * The customer pays or declines at Bansky's checkout (through our pay link), and Bansky's own
   * signed postback makes the payment final: resolves once the shop can read it final.
   */
  async settleAtBansky(scenario: string, shop: ShopCreds, paymentId: string, action: 'pay' | 'decline'): Promise<void> {
    const r = await this.customer(scenario, paymentId, action, false);
    if (!r.ok) throw new Error(`${scenario}: the customer's way to Bansky answered ${r.steps.join(' → ')}`);
    const want = action === 'pay' ? 'paid' : 'failed';
    const final = await waitFor(
      async () => (await this.payment(scenario, shop, paymentId).catch(() => null))?.status === want,
      15_000,
      200,
    );
    if (!final) throw new Error(`${scenario}: ${paymentId} not ${want} 15 s after Bansky's checkout (its postback)`);
  }

  /** The customer's browser back from Bansky at our return wrapper (302 on to the shop); false when it got no such answer. */
  async returnFromBansky(scenario: string, paymentId: string): Promise<boolean> {
    try {
      const ret = await fetch(`${this.url}/integration/success?id=${paymentId}`, {
        redirect: 'manual',
        signal: AbortSignal.timeout(10_000),
      });
      await ret.arrayBuffer();
      this.statuses.note(scenario, ret.status);
      return ret.status === 302;
    } catch {
      return false;
    }
  }

  /** The shop's view (GET /api/v1/payments/{id}); null when not found. */
  async payment(scenario: string, shop: ShopCreds, id: string): Promise<Payment | null> {
    const res = await fetch(`${this.url}/api/v1/payments/${id}`, {
      headers: { authorization: `Bearer ${shop.token}` },
      signal: AbortSignal.timeout(10_000),
    });
    this.statuses.note(scenario, res.status);
    if (res.status === 404) return null;
    if (!res.ok) throw new Error(`GET payment ${id} answered ${res.status}`);
    return (await res.json()) as Payment;
  }

  /** The operator's view: transitions, webhook-id and every postback attempt. */
  async adminPayment(scenario: string, id: string): Promise<AdminPayment | null> {
    const res = await fetch(`${this.url}/admin/v1/payments/${id}`, {
      headers: { authorization: `Bearer ${SECRETS.ADMIN_TOKEN}` },
      signal: AbortSignal.timeout(10_000),
    });
    this.statuses.note(scenario, res.status);
    if (res.status === 404) return null;
    if (!res.ok) throw new Error(`GET admin payment ${id} answered ${res.status}`);
    return (await res.json()) as AdminPayment;
  }

  async deadLetterIds(scenario: string): Promise<Set<string>> {
    const ids = new Set<string>();
    let cursor: string | null = null;
    do {
      const res = await fetch(
        `${this.url}/admin/v1/postbacks/dead-letters?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        {
          headers: { authorization: `Bearer ${SECRETS.ADMIN_TOKEN}` },
        },
      );
      this.statuses.note(scenario, res.status);
      const page = (await res.json()) as { items: Array<{ paymentId: string }>; nextCursor: string | null };
      for (const d of page.items) ids.add(d.paymentId);
      cursor = page.nextCursor;
    } while (cursor);
    return ids;
  }

  /**
   * The customer: opens our pay link (302 to Bansky's checkout), clicks Pay or Decline there
   * (303 to our return wrapper), and optionally follows that back to us. Returns the statuses seen.
   */
  async customer(
    scenario: string,
    paymentId: string,
    action: 'pay' | 'decline',
    returns: boolean,
  ): Promise<{ ok: boolean; steps: number[] }> {
    const steps: number[] = [];
    const link = await fetch(`${this.url}/integration/pay?id=${paymentId}`, { redirect: 'manual', signal: AbortSignal.timeout(10_000) });
    this.statuses.note(scenario, link.status);
    steps.push(link.status);
    const checkout = link.headers.get('location');
    await link.arrayBuffer();
    if (link.status !== 302 || !checkout) return { ok: false, steps };
    return this.checkout(scenario, checkout, action, returns, steps);
  }

  /** Pay or decline at a Bansky checkout page (also for a session our init timed out on). */
  async checkout(
    scenario: string,
    checkoutUrl: string,
    action: 'pay' | 'decline',
    returns: boolean,
    steps: number[] = [],
  ): Promise<{ ok: boolean; steps: number[] }> {
    const done = await fetch(checkoutUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `action=${action}`,
      redirect: 'manual',
    });
    steps.push(done.status);
    const back = done.headers.get('location');
    await done.arrayBuffer();
    if (done.status !== 303 || !back) return { ok: false, steps };
    if (!returns) return { ok: true, steps };
    const ret = await fetch(back, { redirect: 'manual', signal: AbortSignal.timeout(10_000) });
    this.statuses.note(scenario, ret.status);
    steps.push(ret.status);
    await ret.arrayBuffer();
    return { ok: ret.status === 302, steps };
  }
}

/** Runs fn over items with at most `n` in flight; results in input order. */
export async function pool<T, R>(items: T[], n: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

/** Polls until check() is true or the deadline passes; returns whether it became true. */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 250): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(everyMs);
  }
  return check();
}
