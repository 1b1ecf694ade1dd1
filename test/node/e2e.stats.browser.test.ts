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
import { type HeadlineFigures, HeadlineFiguresService } from '../../src/insight/reporting/headline-figures.ts';
import { type EmbeddableDashboard, verifyMetabaseEmbedToken } from '../support/metabase-jwt-verifier.ts';
import { ARTIFACTS, launchChromium, type PageRecorder, recordPage } from './docs.support.ts';
import { eventually } from './e2e.support.ts';

/**
 * The Stats page in real Chromium against `npm start`'s stack with the BigQuery emulator: after a
 * demo payment (paid) and a declined one, the headline figures on the page are the emulator's
 * figures. Metabase cannot run here, so METABASE_SITE_URL points at a loopback stand-in that serves
 * an `/app/embed.js` doing what Metabase's does on our side of the page (reads
 * window.metabaseConfig, reads the token attribute, frames `<site>/embed/…`, POSTs
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
      const claims = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
      window.__standin.token = token;
      const frame = document.createElement('iframe');
      frame.src = cfg.instanceUrl + '/embed/sdk/v1?embed-js-identifier=1';
      frame.title = 'Shop stats (Metabase)';
      frame.style.cssText = 'display:block;width:100%;height:40rem;border:0';
      this.appendChild(frame);
      fetch(cfg.guestEmbedProviderUri + '?response=json', {
        method: 'POST',
        body: JSON.stringify({ entityType: 'dashboard', entityId: claims.resource.dashboard, customContext: undefined }),
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

  it('after a paid demo payment and a declined one, shows the figures BigQuery holds, and the embed', async () => {
    await page.goto(stack.demoMember.inviteUrl);
    await page.getByLabel('New password').fill(PASSWORD);
    await page.getByLabel('Repeat the password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Set password and sign in' }).click();
    await page.waitForURL(`${stack.workerUrl}/app/payments`);

    await buy('Pay');
    await buy('Decline');

    // The events reach the emulator through the analytics queue (batches of ≤ 5 s). Wait for them
    // here, not on the page: the page's figures are cached for 5 minutes per shop and mode.
    const emulator = new HeadlineFiguresService({
      target: { baseUrl: stack.bigqueryUrl!, project: 'aimbrellapay-local', dataset: 'aimbrellapay', key: null },
      ttlMs: 0,
    });
    const expected = await eventually<HeadlineFigures>(
      async () => {
        const f = await emulator.get(stack.demo.shopId, 'test');
        const today = f.windows[0]!;
        return today.payments === 2 && today.paid === 1 && today.postbacks.delivered >= 1 && today.postbacks.pending === 0 ? f : undefined;
      },
      'both payments and the delivered postback in BigQuery',
      90_000,
    );

    await page.getByRole('link', { name: 'Stats', exact: true }).click();
    await page.waitForURL(`${stack.workerUrl}/app/stats`);
    const today = page.getByRole('region', { name: 'Today' });
    const todayText = (await today.textContent())!;
    expect(todayText).toContain('Payments2');
    expect(todayText).toContain('1 paid');
    expect(todayText).toContain('Conversion50 %');
    expect(todayText).toContain(`${DEMO_PRODUCT.amount} ${DEMO_PRODUCT.currency}`);
    expect(todayText).toContain('1 of 2 paid'); // per currency: both were EUR
    expect(todayText).toContain(`${expected.windows[0]!.postbacks.delivered} delivered`);
    expect(todayText).toContain('0 dead-lettered');
    for (const label of ['Last 7 days', 'Last 30 days']) {
      const text = (await page.getByRole('region', { name: label }).textContent())!;
      expect(text, label).toContain('Payments2');
      expect(text, label).toContain(`${DEMO_PRODUCT.amount} ${DEMO_PRODUCT.currency}`);
    }
    expect(await page.textContent('main')).not.toContain('BigQuery cannot be reached');

    // The embed: config set by our script before embed.js ran, a token for this member's shop and
    // mode only, the dashboard framed from the Metabase origin, a refreshed token from our endpoint.
    const standin = await eventually(
      () =>
        page
          .evaluate(
            () =>
              (
                window as unknown as {
                  __standin?: { config: unknown; token?: string; refresh?: { status: number; body: { jwt?: string } } };
                }
              ).__standin,
          )
          .then((s) => (s?.refresh ? s : undefined)),
      'the stand-in embed to load and refresh its token',
    );
    expect(standin.config).toEqual({ isGuest: true, instanceUrl: metabase.url, guestEmbedProviderUri: '/app/stats/embed-token' });
    const verify = (t: string) => verifyMetabaseEmbedToken(t, { secret: SECRET, dashboards: { [DASHBOARD]: dashboard } });
    expect((await verify(standin.token!)).params).toEqual({ shop_id: [stack.demo.shopId], mode: ['test'] });
    expect(standin.refresh!.status).toBe(200);
    expect((await verify(standin.refresh!.body.jwt!)).params).toEqual({ shop_id: [stack.demo.shopId], mode: ['test'] });
    expect(metabase.hits).toEqual(expect.arrayContaining(['/app/embed.js', '/embed/sdk/v1?embed-js-identifier=1']));
    await page.frameLocator('iframe[title="Shop stats (Metabase)"]').getByText('Shop stats').waitFor();

    expect(rec.foreignRequests(stack.workerUrl).every((u) => u.startsWith(`${metabase.url}/`))).toBe(true);
    expect(await rec.cspViolations()).toEqual([]);
    expect(rec.consoleErrors).toEqual([]);
    await page.getByRole('region', { name: 'Headline figures' }).scrollIntoViewIfNeeded();
    await shot(page, 'stats-figures-and-embed.png');

    // Narrow screens: the periods stack, nothing overflows.
    const phone = await browser.newContext({ viewport: { width: 360, height: 780 }, storageState: await context.storageState() });
    const small = await phone.newPage();
    await small.goto(`${stack.workerUrl}/app/stats`);
    await small.frameLocator('iframe[title="Shop stats (Metabase)"]').getByText('Shop stats').waitFor();
    expect(await small.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await shot(small, 'stats-360px.png');
    await phone.close();
  });
});
