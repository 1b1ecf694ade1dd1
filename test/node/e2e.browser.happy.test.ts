import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/lib/ports.mjs';
import { type Stack, startStack } from '../../scripts/local/stack.ts';
import { launchChromium, screenshot } from './docs.support.ts';
import { eventually } from './e2e.support.ts';

/** The newcomer in a real browser: Buy at the demo shop, Pay or Decline at the sandbox, come back. */
describe('a customer in Chromium pays through the local stack', () => {
  const state = mkdtempSync(join(tmpdir(), 'apay-browser-'));
  let stack: Stack;
  let browser: Browser;

  beforeAll(async () => {
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

  /** Clicks through and returns the shop page the customer lands on, once the postback is shown. */
  async function buyAndClick(button: 'Pay' | 'Decline', finalStatus: string): Promise<Page> {
    const page = await browser.newPage();
    await page.goto(stack.shopUrl);
    await page.getByRole('button', { name: 'Buy' }).click();
    await page.waitForURL((url) => url.href.startsWith(`${stack.sandboxUrl}/checkout/`));
    await page.getByRole('button', { name: button, exact: true }).click();
    const landing = button === 'Pay' ? '/success?order=' : '/error?order=';
    await page.waitForURL((url) => url.href.startsWith(stack.shopUrl + landing));
    expect(await page.textContent('body')).toContain('not proof of payment');
    await eventually(async () => {
      await page.reload();
      return (await page.textContent('#status')) === finalStatus && (await page.locator('#postbacks tr').count()) === 2;
    }, `the ${finalStatus} status and its verified postback on the shop's page`);
    return page;
  }

  it('Buy → Pay → the success page shows paid and the verified postback', async () => {
    const page = await buyAndClick('Pay', 'paid');
    expect(await page.textContent('#postbacks')).toContain('payment.paid');
    await screenshot(page, 'demo-shop-success.png');
    await page.close();
  });

  it('Buy → Decline → the error page shows failed and the verified postback', async () => {
    const page = await buyAndClick('Decline', 'failed');
    expect(await page.textContent('#postbacks')).toContain('payment.failed');
    await page.close();
  });
});
