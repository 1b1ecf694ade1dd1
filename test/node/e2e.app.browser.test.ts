import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyDocsAssets } from '../../scripts/docs/copy-assets.mjs';
import { freePort } from '../../scripts/lib/ports.mjs';
import { banner, type Stack, startStack } from '../../scripts/local/stack.ts';
import { axeSerious } from './axe.support.ts';
import { ARTIFACTS, launchChromium, type PageRecorder, recordPage } from './docs.support.ts';
import { eventually, runCli } from './e2e.support.ts';

const PASSWORD = 'a walk in the shop app';

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(join(ARTIFACTS, 'shop-app'), { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'shop-app', name), fullPage: true });
}

/**
 * The newcomer's walk through the shop app in real Chromium, against the whole local stack
 * (`npm start`'s): set a password from the printed invite link, pay a demo payment at the Bansky
 * sandbox, find it, see its delivered postback, resend it, create and revoke a test token, rotate
 * the webhook secret, send a test postback. Screenshots land in test-artifacts/shop-app/.
 */
describe('a shop member walks through the app in Chromium', { timeout: 180_000 }, () => {
  const state = mkdtempSync(join(tmpdir(), 'apay-app-'));
  let stack: Stack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let rec: PageRecorder;
  let paymentPath = '';

  beforeAll(async () => {
    copyDocsAssets();
    stack = await startStack({
      workerPort: await freePort(),
      sandboxPort: await freePort(),
      shopPort: await freePort(),
      bigqueryPort: 0,
      bigquery: false,
      stateDir: state,
      log: () => {},
      workerVars: { POSTBACK_RESEND_INTERVAL_SECONDS: '1' },
    });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    rec = recordPage(page);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    rmSync(state, { recursive: true, force: true });
  });

  it('sets a password from the invite link printed by npm start and lands on Payments', async () => {
    expect(stack.demoMember.active).toBe(false);
    expect(banner(stack).join('\n')).toContain(
      `Open this one-time link (valid 72 h) to set a password and sign in:\n  ${stack.demoMember.inviteUrl}`,
    );
    await page.goto(stack.demoMember.inviteUrl);
    expect(await page.textContent('main')).toContain(stack.demoMember.email);
    await page.getByLabel('New password').fill(PASSWORD);
    await page.getByLabel('Repeat the password').fill(PASSWORD);
    await shot(page, '01-set-password.png');
    await page.getByRole('button', { name: 'Set password and sign in' }).click();
    await page.waitForURL(`${stack.workerUrl}/app/payments`);
    expect(await page.textContent('h1')).toBe('Payments');
  });

  it('pays a demo payment at the Bansky sandbox and finds it in the list', async () => {
    const customer = await context.newPage();
    await customer.goto(stack.shopUrl);
    await customer.getByRole('button', { name: 'Buy' }).click();
    await customer.waitForURL((url) => url.href.startsWith(`${stack.sandboxUrl}/checkout/`));
    await customer.getByRole('button', { name: 'Pay', exact: true }).click();
    await customer.waitForURL((url) => url.href.startsWith(`${stack.shopUrl}/success?order=`));
    const order = new URL(customer.url()).searchParams.get('order')!;
    await customer.close();

    await eventually(async () => {
      await page.goto(`${stack.workerUrl}/app/payments`);
      return (await page.locator('tbody tr').first().textContent())?.includes('Paid') ?? false;
    }, 'the paid payment in the list');
    const row = page.locator('tbody tr').first();
    expect(await row.textContent()).toContain(order);
    await shot(page, '02-payments.png');

    // Search by the shop's own id (the box matches its start).
    await page.getByLabel('Payment id or your transaction id (or its start)').fill(order);
    await page.getByRole('button', { name: 'Apply' }).click();
    expect(await page.locator('tbody tr').count()).toBe(1);
    await page.getByLabel('Status').selectOption('failed');
    await page.getByRole('button', { name: 'Apply' }).click();
    expect(await page.locator('tbody tr').count()).toBe(0);
    await page.getByRole('link', { name: 'Clear' }).click();
    paymentPath = (await page.locator('tbody tr td.amount a').first().getAttribute('href'))!;
  });

  it('opens the payment: timeline, URLs and the delivered postback; resends it', async () => {
    await eventually(async () => {
      await page.goto(stack.workerUrl + paymentPath);
      return (await page.locator('table.attempts tbody tr').count()) >= 1;
    }, 'the delivered postback attempt');
    const main = (await page.textContent('main'))!;
    expect(main).toContain('Delivered');
    expect(main).toContain('HTTP 200');
    expect(main).toContain(`${stack.shopUrl}/postbacks`);
    expect(main).toContain('Awaiting payment');
    expect(main).toContain('Checkout opened at the payment provider');
    // Copy buttons on ids work under the app's strict CSP (script from our own origin only).
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.workerUrl });
    await page.getByRole('button', { name: 'Copy the payment id' }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(paymentPath.split('/').pop());
    expect(await page.locator('button[data-copy="payment-id"]').textContent()).toBe('Copied the payment id');
    expect(await axeSerious(page)).toEqual([]);
    await shot(page, '03-payment-detail.png');

    await page.waitForTimeout(1100); // the resend interval of this stack (1 s; 60 s by default)
    await page.getByRole('button', { name: 'Resend postback' }).click();
    expect(await page.getByRole('status').first().textContent()).toContain('Postback queued again with the same webhook-id');
    await eventually(async () => {
      await page.reload();
      return (await page.locator('table.attempts tbody tr').count()) >= 2;
    }, 'the resent postback attempt');
    await shot(page, '04-payment-resent.png');

    // The customer's pay link of a paid payment: the small page in the same shared stylesheet.
    const customer = await context.newPage();
    await customer.goto(`${stack.workerUrl}/integration/pay?id=${paymentPath.split('/').pop()}`);
    expect(await customer.textContent('h1')).toBe('This payment is already complete');
    await shot(customer, '11-pay-link-paid.png');
    await customer.close();
  });

  it('finds a failing postback on the Postbacks page, with its reason, and resends it', async () => {
    // A payment whose postback URL answers nothing (a port nobody listens on): its delivery fails and retries.
    const order = `walk-unreachable-${Date.now()}`;
    const res = await fetch(`${stack.workerUrl}/api/v1/init-payment`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.demo.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        id: order,
        email: 'jane@example.com',
        amount: '12.50',
        currency: 'EUR',
        successUrl: `${stack.shopUrl}/success`,
        errorUrl: `${stack.shopUrl}/error`,
        postbackUrl: `http://127.0.0.1:${await freePort()}/hook`,
      }),
    });
    expect(res.status).toBe(201);
    const customer = await context.newPage();
    await customer.goto(((await res.json()) as { url: string }).url);
    await customer.getByRole('button', { name: 'Decline' }).click();
    await customer.close();

    await page.getByRole('link', { name: 'Postbacks', exact: true }).click();
    await eventually(async () => {
      await page.goto(`${stack.workerUrl}/app/postbacks?outcome=retrying`);
      return (await page.locator('tbody tr', { hasText: order }).count()) > 0;
    }, 'the failing postback on the Postbacks page');
    const row = page.locator('tbody tr', { hasText: order });
    expect(await row.textContent()).toContain('Retrying');
    expect(await row.locator('td.reason').textContent()).not.toBe('');
    expect(await axeSerious(page)).toEqual([]);
    await shot(page, '04b-postbacks.png');

    await page.waitForTimeout(1100); // the resend interval of this stack (1 s) since the postback was queued
    await page.reload();
    await page.getByRole('button', { name: `Resend the postback of ${order}` }).click();
    expect(await page.getByRole('status').first().textContent()).toContain('1 postback queued again with the same webhook-id');
    expect(page.url()).toContain('outcome=retrying');
    await shot(page, '04c-postbacks-resent.png');

    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, storageState: await context.storageState() });
    const small = await phone.newPage();
    await small.goto(`${stack.workerUrl}/app/postbacks`);
    expect(await small.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await axeSerious(small)).toEqual([]);
    await shot(small, '04d-postbacks-390px.png');
    // The payments list on a phone: one payment is a short card (amount and status on one line),
    // so a page of payments can be scanned without scrolling past a form per row.
    await small.goto(`${stack.workerUrl}/app/payments`);
    expect(await small.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const rowHeights = await small
      .locator('table.payments tbody tr')
      .evaluateAll((rows) => rows.map((r) => r.getBoundingClientRect().height));
    expect(rowHeights.length).toBeGreaterThan(1);
    for (const h of rowHeights) expect(h).toBeLessThan(140);
    await shot(small, '04e-payments-390px.png');
    await phone.close();
  });

  it('creates and revokes a test token, rotates the webhook secret, sends a test postback', async () => {
    await page.getByRole('link', { name: 'Developers', exact: true }).click();
    await page.getByLabel('Label for a new test token').fill('walkthrough');
    await page.getByRole('button', { name: 'Create test token' }).click();
    const token = await page.getByLabel('API token', { exact: true }).inputValue();
    expect(token).toMatch(/^apay_test_[A-Za-z0-9]{43}$/);
    expect(await page.getByRole('button', { name: 'Copy' }).isVisible()).toBe(true);
    await shot(page, '05-developers-token-created.png');
    // The token works against the API until it is revoked.
    expect((await fetch(`${stack.workerUrl}/api/v1/payments`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);

    await page.getByRole('button', { name: /Revoke token walkthrough/ }).click();
    expect(await page.getByRole('status').first().textContent()).toContain('revoked');
    expect(await page.textContent('table.tokens')).toContain('Revoked');

    await page.getByRole('button', { name: 'Rotate secret' }).click();
    expect(await page.getByLabel('Webhook secret', { exact: true }).inputValue()).toMatch(/^whsec_/);
    expect(await page.textContent('main')).toContain('A rotation is in progress');

    await page.getByLabel('Your postback URL').fill(`${stack.shopUrl}/postbacks`);
    await page.getByRole('button', { name: 'Send test postback' }).click();
    expect(await page.textContent('main')).toContain('Your endpoint accepted it');
    // The demo shop is on localhost: status and time, never a local service's body.
    expect(await page.textContent('main')).toContain("The answer's body is not shown for local and private addresses.");
    await shot(page, '06-developers.png');
    const { width, height } = page.viewportSize()!;
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot(page, '06b-developers-test-postback-390px.png');
    await page.setViewportSize({ width, height });
  });

  it('shows the Stats place, switches to live mode and back, reads well at 360 px, signs out and in', async () => {
    await page.getByRole('link', { name: 'Stats', exact: true }).click();
    // This stack runs without BigQuery and without Metabase: the page says so in a merchant's words,
    // with nothing for operators (figures and charts: e2e.stats.browser.test.ts).
    expect(await page.textContent('main')).toContain('Charts are not available on this installation yet.');
    expect(await page.textContent('main')).not.toMatch(/METABASE_|npm run|dashboard not connected/);
    await shot(page, '07-stats.png');

    await page.getByRole('button', { name: 'Live' }).click();
    await page.waitForURL(`${stack.workerUrl}/app/stats`);
    await page.getByRole('link', { name: 'Payments', exact: true }).click();
    expect(await page.textContent('main')).toContain('No payments match.');
    await page.getByRole('button', { name: 'Test' }).click();

    const phone = await browser.newContext({ viewport: { width: 360, height: 780 }, storageState: await context.storageState() });
    const small = await phone.newPage();
    await small.goto(`${stack.workerUrl}/app/payments`);
    expect(await small.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await shot(small, '08-payments-360px.png');
    await small.goto(stack.workerUrl + paymentPath);
    expect(await small.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await shot(small, '09-payment-360px.png');
    await phone.close();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${stack.workerUrl}/app/sign-in`);
    await page.getByLabel('Email').fill(stack.demoMember.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await shot(page, '10-sign-in.png');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${stack.workerUrl}/app/payments`);

    expect(rec.foreignRequests(stack.workerUrl)).toEqual([]);
    expect(await rec.cspViolations()).toEqual([]);
    expect(rec.consoleErrors).toEqual([]);
  });

  it('the operator invites, lists and removes a member with the CLI; removal signs them out at once', async () => {
    const cli = (...args: string[]) => runCli([...args, '--base-url', stack.workerUrl]);
    const invited = await cli('members', 'invite', '--shop', stack.demo.shopId, '--email', 'second@demo-shop.example');
    expect(invited.code).toBe(0);
    const link = /Invite link \(shown once, valid until \S+\): (\S+)/.exec(invited.stdout)![1]!;
    const second = await browser.newContext();
    const p2 = await second.newPage();
    await p2.goto(link);
    await p2.getByLabel('New password').fill(PASSWORD);
    await p2.getByLabel('Repeat the password').fill(PASSWORD);
    await p2.getByRole('button', { name: 'Set password and sign in' }).click();
    await p2.waitForURL(`${stack.workerUrl}/app/payments`);

    const listed = await cli('members', 'list', '--shop', stack.demo.shopId);
    expect(listed.stdout).toMatch(/second@demo-shop\.example\s+owner\s+active/);
    const id = /(mem_[A-Za-z0-9]{16})\s+second@demo-shop\.example/.exec(listed.stdout)![1]!;
    const removed = await cli('members', 'remove', '--shop', stack.demo.shopId, id);
    expect(removed.stdout).toContain('their sessions have ended');
    await p2.goto(`${stack.workerUrl}/app/payments`);
    expect(p2.url()).toBe(`${stack.workerUrl}/app/sign-in`);
    await second.close();
  });
});

/** RFC 6238 (HMAC-SHA1, 6 digits, 30 s) with node:crypto: the code an authenticator app would show. */
function totpNow(base32: string, at = Date.now()): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bits = [...base32.toUpperCase()].map((ch) => alphabet.indexOf(ch).toString(2).padStart(5, '0')).join('');
  const key = Buffer.from(bits.match(/.{8}/g)!.map((b) => Number.parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 30_000)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[19]! & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

describe('a team in Chromium: owner, developer and viewer; two-step sign-in', { timeout: 180_000 }, () => {
  const state = mkdtempSync(join(tmpdir(), 'apay-team-'));
  let stack: Stack;
  let browser: Browser;

  beforeAll(async () => {
    copyDocsAssets();
    stack = await startStack({
      workerPort: await freePort(),
      sandboxPort: await freePort(),
      shopPort: await freePort(),
      bigqueryPort: 0,
      bigquery: false,
      stateDir: state,
      log: () => {},
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    rmSync(state, { recursive: true, force: true });
  });

  async function accept(link: string): Promise<Page> {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const p = await ctx.newPage();
    await p.goto(link);
    await p.getByLabel('New password').fill(PASSWORD);
    await p.getByLabel('Repeat the password').fill(PASSWORD);
    await p.getByRole('button', { name: 'Set password and sign in' }).click();
    await p.waitForURL(`${stack.workerUrl}/app/payments`);
    return p;
  }

  async function narrow(p: Page, path: string, name: string): Promise<void> {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, storageState: await p.context().storageState() });
    const small = await phone.newPage();
    await small.goto(stack.workerUrl + path);
    expect(await small.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot(small, name);
    await phone.close();
  }

  it('the owner invites a developer and a viewer; each sees and may do what the role allows', async () => {
    const owner = await accept(stack.demoMember.inviteUrl);
    const rec = recordPage(owner);
    const invites: Record<string, string> = {};
    for (const [email, role] of [
      ['dev@demo-shop.example', 'developer'],
      ['viewer@demo-shop.example', 'viewer'],
    ] as const) {
      await owner.getByRole('link', { name: 'Team' }).click();
      await owner.getByLabel('Email').fill(email);
      await owner.getByLabel('Role', { exact: true }).selectOption(role);
      await owner.getByRole('button', { name: 'Create invite link' }).click();
      invites[role] = await owner.getByLabel('Invite link').inputValue();
    }
    await shot(owner, '20-team-owner.png');
    expect(await axeSerious(owner)).toEqual([]);
    await narrow(owner, '/app/team', '21-team-owner-390px.png');

    const developer = await accept(invites.developer!);
    await developer.getByRole('link', { name: 'Developers' }).click();
    await developer.getByLabel('Label for a new test token').fill('from the developer');
    await developer.getByRole('button', { name: 'Create test token' }).click();
    expect(await developer.getByLabel('API token', { exact: true }).inputValue()).toMatch(/^apay_test_/);
    await developer.getByRole('link', { name: 'Team' }).click();
    expect(await developer.getByRole('button', { name: 'Create invite link' }).count()).toBe(0);

    const viewer = await accept(invites.viewer!);
    await viewer.getByRole('link', { name: 'Developers' }).click();
    expect(await viewer.getByRole('button', { name: /Create test token|Rotate secret|Send test postback|Revoke/ }).count()).toBe(0);
    await shot(viewer, '22-developers-viewer.png');
    expect(await axeSerious(viewer)).toEqual([]);
    for (const path of ['/app/payments', '/app/stats', '/app/team']) {
      await viewer.goto(stack.workerUrl + path);
      expect(await axeSerious(viewer), path).toEqual([]);
    }
    // The skip link moves keyboard focus to the content.
    await viewer.keyboard.press('Tab');
    expect(await viewer.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await viewer.keyboard.press('Enter');
    await viewer.waitForURL(/#main$/);
    expect(await viewer.evaluate(() => document.activeElement?.id)).toBe('main');
    await narrow(viewer, '/app/developers', '23-developers-viewer-390px.png');
    // The server refuses what the page hides: the viewer's own session and CSRF token, posted from our origin.
    const csrf = await viewer.locator('input[name="_csrf"]').first().inputValue();
    const forged = await viewer.request.post(`${stack.workerUrl}/app/developers/webhook-secret`, {
      form: { _csrf: csrf },
      headers: { origin: stack.workerUrl },
      maxRedirects: 0,
    });
    expect(forged.status()).toBe(403);
    expect(await forged.text()).toContain('As a viewer you cannot rotate the webhook secret');

    await owner.goto(`${stack.workerUrl}/app/team/audit`);
    const audit = await owner.textContent('main');
    expect(audit).toContain('Created an API token');
    expect(audit).toContain('dev@demo-shop.example');
    expect(audit).toContain('Invited a member');
    await shot(owner, '24-audit.png');
    expect(await axeSerious(owner)).toEqual([]);
    await narrow(owner, '/app/team/audit', '25-audit-390px.png');
    expect(rec.consoleErrors).toEqual([]);
    expect(await rec.cspViolations()).toEqual([]);
    await owner.context().close();
    await developer.context().close();
    await viewer.context().close();
  });

  it('the viewer turns on two-step sign-in with a computed code, then signs in with a code and with a recovery code', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const p = await ctx.newPage();
    const rec = recordPage(p);
    await p.goto(`${stack.workerUrl}/app/sign-in`);
    await p.getByLabel('Email').fill('viewer@demo-shop.example');
    await p.getByLabel('Password').fill(PASSWORD);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.waitForURL(`${stack.workerUrl}/app/payments`);
    const cookies = await ctx.cookies();
    expect(cookies.find((c) => c.name === '__Host-apay_app_session')).toMatchObject({ path: '/', secure: true, httpOnly: true });
    expect(cookies.find((c) => c.name === '__Host-apay_app_device')).toMatchObject({ path: '/', secure: true, sameSite: 'Strict' });

    await p.getByRole('link', { name: 'Account' }).click();
    await p.getByRole('button', { name: 'Set up two-step sign-in' }).click();
    expect(await p.locator('.qr svg').count()).toBe(1);
    await shot(p, '26-two-step-setup.png');
    expect(await axeSerious(p)).toEqual([]);
    await narrow(p, '/app/account', '27-account-390px.png');
    const secret = await p.getByLabel('Setup key', { exact: true }).inputValue();
    if (Date.now() % 30_000 > 25_000) await p.waitForTimeout(30_000 - (Date.now() % 30_000) + 100);
    await p.getByLabel('Code from the app').fill(totpNow(secret));
    await p.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
    // allTextContents does not wait: wait for the page that shows the codes (slow on a busy machine).
    await p.locator('ul.recovery-codes li').first().waitFor();
    const codes = await p.locator('ul.recovery-codes li').allTextContents();
    expect(codes).toHaveLength(10);
    await shot(p, '28-recovery-codes.png');
    expect(await axeSerious(p)).toEqual([]);

    await p.getByRole('button', { name: 'Sign out', exact: true }).click();
    await p.getByLabel('Email').fill('viewer@demo-shop.example');
    await p.getByLabel('Password').fill(PASSWORD);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByLabel('Code', { exact: true }).fill(totpNow(secret, Date.now() + 30_000)); // the next step: the enrolment spent this one
    await shot(p, '29-sign-in-code.png');
    expect(await axeSerious(p)).toEqual([]);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.waitForURL(`${stack.workerUrl}/app/payments`);

    await p.getByRole('link', { name: 'Account' }).click();
    await p.getByRole('button', { name: 'Sign out everywhere' }).click();
    await p.waitForURL(`${stack.workerUrl}/app/sign-in`);
    await p.getByLabel('Email').fill('viewer@demo-shop.example');
    await p.getByLabel('Password').fill(PASSWORD);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByLabel('Code', { exact: true }).fill(codes[0]!);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.waitForURL(`${stack.workerUrl}/app/payments`);
    await p.getByRole('link', { name: 'Account' }).click();
    expect(await p.textContent('main')).toContain('9 of 10 recovery codes left');
    expect(rec.consoleErrors).toEqual([]);
    await ctx.close();
  });
});
