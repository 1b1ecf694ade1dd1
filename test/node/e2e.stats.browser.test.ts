import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PRODUCT } from '../../sandbox/demo-shop/server.ts';
import { copyDocsAssets } from '../../scripts/docs/copy-assets.mjs';
import { freePort } from '../../scripts/lib/ports.mjs';
import { type Stack, startStack } from '../../scripts/local/stack.ts';
import { rangeDays, type StatsFigures, StatsFiguresService } from '../../src/insight/reporting/stats-figures.ts';
import { type EmbeddableDashboard, verifyMetabaseEmbedToken } from '../support/metabase-jwt-verifier.ts';
import { insertRows } from './analytics.support.ts';
import { ARTIFACTS, launchChromium, type PageRecorder, recordPage } from './docs.support.ts';
import { eventually } from './e2e.support.ts';
import { eventsOf, type SeedPayment } from './metabase.sql.support.ts';

/**
 * The Stats page in real Chromium against `npm start`'s stack with the BigQuery emulator: a week of
 * the demo shop's payments (six days written as rows into the emulator's table, today's two made
 * through the real pipeline: a paid demo payment and a declined one) shows as figures and
 * server-drawn SVG charts per currency, outcomes and failure reasons, equal to what BigQuery holds,
 * with nothing for operators on the page. Metabase cannot run here, so METABASE_SITE_URL points at
 * a loopback stand-in that serves an `/app/embed.js` doing what Metabase's does on our side of the
 * page (reads window.metabaseConfig, reads the token attribute, frames `<site>/embed/…`, POSTs
 * `{entityType, entityId, customContext}` to guestEmbedProviderUri): the real browser then proves
 * the CSP admits exactly that, the config script runs first, and the refresh endpoint answers a
 * same-origin fetch with the page's cookies. Screenshots: test-artifacts/shop-app/stats-*.png.
 */
const PASSWORD = 'figures for the stats page';
const SECRET = 'b7e2c91d4f3a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c';
const DASHBOARD = 3;
const dashboard: EmbeddableDashboard = {
  enable_embedding: true,
  embedding_params: { shop_id: 'locked', mode: 'locked', from: 'enabled', to: 'enabled', currency: 'enabled', status: 'enabled' },
};

/** What a Metabase origin serves to the page, as far as our side can see (see the file comment). */
const EMBED_JS = `
(() => {
  const cfg = window.metabaseConfig;
  window.__standin = { config: cfg ? { ...cfg } : null };
  class Dashboard extends HTMLElement {
    connectedCallback() {
      const token = this.getAttribute('token');
      // Older embed.js releases take the dashboard to refresh from this attribute only.
      const dashboardId = this.getAttribute('dashboard-id');
      window.__standin.token = token;
      window.__standin.dashboardId = dashboardId;
      const frame = document.createElement('iframe');
      frame.src = cfg.instanceUrl + '/embed/sdk/v1?embed-js-identifier=1';
      frame.title = 'Shop stats (Metabase)';
      frame.style.cssText = 'display:block;width:100%;height:40rem;border:0';
      this.appendChild(frame);
      fetch(cfg.guestEmbedProviderUri + '?response=json', {
        method: 'POST',
        body: JSON.stringify({ entityType: 'dashboard', entityId: Number(dashboardId), customContext: undefined }),
      })
        .then((r) => r.json().then((body) => ({ status: r.status, body })))
        .then((answer) => { window.__standin.refresh = answer; });
    }
  }
  customElements.define('metabase-dashboard', Dashboard);
})();`;

const FRAME_HTML = `<!doctype html><html><head><meta charset="utf-8"></head><body style="margin:0;font:14px system-ui;color:#16181d;background:#fff">
<div style="padding:16px 20px;border-bottom:1px solid #e3e6ec;display:flex;gap:12px;align-items:center">
<strong style="font-size:16px">Shop stats</strong><span style="color:#6b7280">Metabase stand-in for tests — the real dashboard renders here</span></div>
<div style="display:flex;gap:12px;padding:16px 20px;color:#6b7280">
<span style="border:1px solid #cfd4dc;border-radius:6px;padding:6px 10px">From</span><span style="border:1px solid #cfd4dc;border-radius:6px;padding:6px 10px">To</span>
<span style="border:1px solid #cfd4dc;border-radius:6px;padding:6px 10px">Currency</span><span style="border:1px solid #cfd4dc;border-radius:6px;padding:6px 10px">Status</span></div>
</body></html>`;

async function startMetabaseStandIn(): Promise<{ url: string; server: Server; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/app/embed.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(EMBED_JS);
    if (req.url?.startsWith('/embed/sdk/v1')) return void res.writeHead(200, { 'content-type': 'text/html' }).end(FRAME_HTML);
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, hits };
}

async function shot(page: Page, name: string): Promise<string> {
  mkdirSync(join(ARTIFACTS, 'shop-app'), { recursive: true });
  const path = join(ARTIFACTS, 'shop-app', name);
  await page.screenshot({ path, fullPage: true });
  return path;
}

describe('the Stats page shows real figures from the BigQuery emulator, in Chromium', { timeout: 240_000 }, () => {
  const state = mkdtempSync(join(tmpdir(), 'apay-stats-'));
  let stack: Stack;
  let metabase: Awaited<ReturnType<typeof startMetabaseStandIn>>;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let rec: PageRecorder;

  beforeAll(async () => {
    copyDocsAssets();
    metabase = await startMetabaseStandIn();
    stack = await startStack({
      workerPort: await freePort(),
      sandboxPort: await freePort(),
      shopPort: await freePort(),
      bigqueryPort: await freePort(),
      bigquery: true,
      stateDir: state,
      log: () => {},
      workerVars: { METABASE_SITE_URL: metabase.url, METABASE_DASHBOARD_ID: String(DASHBOARD), METABASE_EMBED_SECRET: SECRET },
    });
    if (!stack.bigqueryUrl) throw new Error(`this test needs the BigQuery emulator: ${stack.bigqueryNote}`);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    rec = recordPage(page);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await new Promise((r) => metabase?.server.close(r));
    rmSync(state, { recursive: true, force: true });
  });

  async function buy(button: 'Pay' | 'Decline'): Promise<void> {
    const customer = await context.newPage();
    await customer.goto(stack.shopUrl);
    await customer.getByRole('button', { name: 'Buy' }).click();
    await customer.waitForURL((url) => url.href.startsWith(`${stack.sandboxUrl}/checkout/`));
    await customer.getByRole('button', { name: button, exact: true }).click();
    await customer.waitForURL((url) => url.href.startsWith(`${stack.shopUrl}/`));
    await customer.close();
  }

  it('a week of payments shows as figures and charts per currency, outcomes and reasons, and the embed below them', async () => {
    await page.goto(stack.demoMember.inviteUrl);
    await page.getByLabel('New password').fill(PASSWORD);
    await page.getByLabel('Repeat the password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Set password and sign in' }).click();
    await page.waitForURL(`${stack.workerUrl}/app/payments`);

    // Six earlier days of payments in two currencies, written as the pipeline writes them.
    const days = rangeDays(new Date(), 7);
    const week: SeedPayment[] = days.slice(0, 6).flatMap((day, i) => {
      const base = { shop: stack.demo.shopId, mode: 'test' as const, day, postback: 'delivered' as const };
      const rows: SeedPayment[] = [
        { ...base, id: `wk-eur-${i}`, currency: 'EUR', amount: `${12 + i * 7}.50`, time: '09:15:00', outcome: 'paid', payDelayS: 40 + i },
      ];
      if (i % 2 === 0)
        rows.push({ ...base, id: `wk-usd-${i}`, currency: 'USD', amount: '25.00', time: '11:00:00', outcome: 'paid', payDelayS: 90 });
      if (i === 1 || i === 4)
        rows.push({ ...base, id: `wk-fail-${i}`, currency: 'EUR', amount: '9.99', time: '13:30:00', outcome: 'failed' });
      if (i === 3) rows.push({ ...base, id: `wk-exp-${i}`, currency: 'EUR', amount: '40.00', time: '15:00:00', outcome: 'expired' });
      if (i === 2)
        rows.push({
          ...base,
          id: `wk-init-${i}`,
          currency: 'USD',
          amount: '15.00',
          time: '16:45:00',
          outcome: 'init_failed',
          postback: null,
        });
      return rows;
    });
    await insertRows(
      { url: stack.bigqueryUrl!, port: 0, project: 'aimbrellapay-local', dataset: 'aimbrellapay', stop: async () => {} },
      week.flatMap(eventsOf),
    );

    // Today: a paid demo payment and a declined one, through the real pipeline.
    await buy('Pay');
    await buy('Decline');

    // The events reach the emulator through the analytics queue (batches of ≤ 5 s). Wait for them
    // here, not on the page: the page's figures are cached for 5 minutes per shop, mode and range.
    const emulator = new StatsFiguresService({
      target: { baseUrl: stack.bigqueryUrl!, project: 'aimbrellapay-local', dataset: 'aimbrellapay', key: null },
      ttlMs: 0,
    });
    const todays = (f: StatsFigures) => f.currencies.find((c) => c.currency === DEMO_PRODUCT.currency)!.days.at(-1)!;
    const expected = await eventually<StatsFigures>(
      async () => {
        const f = await emulator.get(stack.demo.shopId, 'test', '7d');
        return f.payments === week.length + 2 && todays(f).payments === 2 && todays(f).paid === 1 && f.postbacks.pending === 0
          ? f
          : undefined;
      },
      "the week and both of today's payments, with their postbacks, in BigQuery",
      90_000,
    );
    expect(expected.currencies.map((c) => c.currency)).toEqual(['EUR', 'USD']);

    await page.getByRole('link', { name: 'Stats', exact: true }).click();
    await page.waitForURL(`${stack.workerUrl}/app/stats`);
    const main = (await page.textContent('main'))!;
    // The range's figures, as BigQuery holds them.
    const kpis = (await page.locator('.kpis-row').textContent())!;
    expect(kpis).toContain(`Payments${expected.payments}`);
    expect(kpis).toContain(`${expected.paid} paid`);
    expect(kpis).toContain(`Conversion${(Math.round((expected.paid / expected.payments) * 1000) / 10).toLocaleString('en-US')} %`);
    for (const c of expected.currencies) {
      const panel = page.getByRole('region', { name: new RegExp(` ${c.currency}$`) });
      expect(await panel.textContent()).toContain(`${c.paid} of ${c.payments} payments`);
      // Two charts per currency, one bar (or stub) per day of the range.
      for (const name of [`Paid volume per day in ${c.currency}`, `Conversion per day in ${c.currency}`]) {
        const chart = panel.getByRole('img', { name: new RegExp(`^${name}`) });
        expect(await chart.locator('rect.chart-bar, rect.chart-stub').count(), name).toBe(7);
      }
      // The tallest paid-volume bar is the day with the most money, and says so on hover.
      const top = [...c.days].sort((a, b) => Number(b.amountPaid) - Number(a.amountPaid))[0]!;
      expect(await panel.locator('title').allTextContents()).toContainEqual(expect.stringContaining(`${top.day}: `));
    }
    const outcomes = (await page.getByRole('region', { name: 'Outcomes' }).textContent())!;
    for (const o of expected.outcomes) expect(outcomes).toContain(String(o.payments));
    expect(outcomes).toMatch(/Paid\d/);
    const reasons = (await page.getByRole('region', { name: 'Why payments were not paid' }).textContent())!;
    // In a merchant's words: Bansky's failure postbacks (seeded and today's real decline) are one row.
    expect(reasons).toMatch(/Declined or failed at the payment provider3/);
    expect(reasons).toContain('The customer did not pay before the pay link expired');
    expect(reasons).toContain('bansky_5xx (not started)'); // a code the page does not know is shown as it is
    // Nothing for operators on a merchant's page.
    expect(main).not.toMatch(/METABASE_|npm run|provision|\/internal|BigQuery cannot be reached/);
    await shot(page, 'stats-1280.png');

    // 30 and 90 days: the same payments, more (empty) days.
    await page.getByRole('link', { name: 'Last 30 days' }).click();
    await page.waitForURL(`${stack.workerUrl}/app/stats?range=30d`);
    expect(
      await page
        .getByRole('img', { name: /^Paid volume per day in EUR/ })
        .locator('rect.chart-bar, rect.chart-stub')
        .count(),
    ).toBe(30);
    expect((await page.locator('.kpis-row').textContent())!).toContain(`Payments${expected.payments}`);
    expect(await page.getByRole('link', { name: 'Last 30 days' }).getAttribute('aria-current')).toBe('page');
    await page.goto(`${stack.workerUrl}/app/stats?range=bogus`);
    expect(await page.getByRole('link', { name: 'Last 7 days' }).getAttribute('aria-current')).toBe('page');

    // The embed: config set by our script before embed.js ran, a token for this member's shop and
    // mode only, the dashboard framed from the Metabase origin, a refreshed token from our endpoint.
    const standin = await eventually(
      () =>
        page
          .evaluate(
            () =>
              (
                window as unknown as {
                  __standin?: {
                    config: unknown;
                    token?: string;
                    dashboardId?: string;
                    refresh?: { status: number; body: { jwt?: string } };
                  };
                }
              ).__standin,
          )
          .then((s) => (s?.refresh ? s : undefined)),
      'the stand-in embed to load and refresh its token',
    );
    expect(standin.config).toEqual({ isGuest: true, instanceUrl: metabase.url, guestEmbedProviderUri: '/app/stats/embed-token' });
    const verify = (t: string) => verifyMetabaseEmbedToken(t, { secret: SECRET, dashboards: { [DASHBOARD]: dashboard } });
    expect((await verify(standin.token!)).params).toEqual({ shop_id: [stack.demo.shopId], mode: ['test'] });
    expect(standin.dashboardId).toBe(String(DASHBOARD));
    expect(standin.refresh!.status).toBe(200);
    expect((await verify(standin.refresh!.body.jwt!)).params).toEqual({ shop_id: [stack.demo.shopId], mode: ['test'] });
    expect(metabase.hits).toEqual(expect.arrayContaining(['/app/embed.js', '/embed/sdk/v1?embed-js-identifier=1']));
    await page.frameLocator('iframe[title="Shop stats (Metabase)"]').getByText('Shop stats').waitFor();

    expect(rec.foreignRequests(stack.workerUrl).every((u) => u.startsWith(`${metabase.url}/`))).toBe(true);
    expect(await rec.cspViolations()).toEqual([]);
    expect(rec.consoleErrors).toEqual([]);
    await page.getByRole('region', { name: 'Dashboard' }).scrollIntoViewIfNeeded();
    await shot(page, 'stats-embed.png');

    // A phone: everything stacks, nothing overflows, the charts keep one bar per day.
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, storageState: await context.storageState() });
    const small = await phone.newPage();
    await small.goto(`${stack.workerUrl}/app/stats`);
    await small.frameLocator('iframe[title="Shop stats (Metabase)"]').getByText('Shop stats').waitFor();
    expect(await small.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const plot = await small.getByRole('img', { name: /^Paid volume per day in EUR/ }).boundingBox();
    expect(plot!.width).toBeGreaterThan(200);
    await shot(small, 'stats-390.png');
    // An empty range says so in words: live mode has no payments.
    await small.getByRole('button', { name: 'Live' }).click();
    await small.waitForURL(`${stack.workerUrl}/app/stats`);
    expect(await small.textContent('main')).toContain('No live-mode payments in the last 7 days');
    expect(await small.getByRole('img').count()).toBe(0);
    await shot(small, 'stats-390-empty.png');
    await small.getByRole('button', { name: 'Test' }).click();
    await phone.close();
  });
});
