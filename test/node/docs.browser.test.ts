import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningWorker } from '../../scripts/lib/wrangler-dev.mjs';
import { type AxeFinding, axeFindings, type KnownIssue } from './axe.support.ts';
import { CHROMIUM_PATH, launchChromium, recordPage, screenshot, startDocsWorker, TEST_DOCS_PASSWORD } from './docs.support.ts';

/**
 * What axe (WCAG 2.1 A/AA) still finds inside @scalar/api-reference's own components at the pinned
 * version, where neither our theme CSS nor our Markdown reaches. Listed in docs/README.md too.
 * Everything else on the docs pages must be free of critical and serious findings.
 */
const SCALAR_KNOWN_ISSUES: readonly KnownIssue[] = [
  {
    rule: 'aria-allowed-attr',
    selector: 'button.font-sidebar[aria-selected]',
    reason: 'sidebar entries are buttons carrying aria-selected, which a button may not have',
  },
  {
    rule: 'aria-required-children',
    selector: '.client-libraries-list[role="tablist"]',
    reason: 'the client-language tab list holds plain buttons, not role="tab"',
  },
  {
    rule: 'button-name',
    selector: 'button.scalar-code-copy',
    reason: "the code block's copy button is an icon without an accessible name",
  },
  { rule: 'button-name', selector: 'button.code-copy', reason: "the example card's copy button is an icon without an accessible name" },
  {
    rule: 'button-name',
    selector: 'button[role="search"]',
    reason: 'the sidebar search opener hides its only text ("Search") with aria-hidden',
  },
  {
    rule: 'button-name',
    selector: 'button.client-libraries__select',
    reason: 'the "more client languages" button is an icon without an accessible name',
  },
  {
    rule: 'label-content-name-mismatch',
    selector: 'button.show-more[aria-label]',
    reason: 'the "Show More" button\'s aria-label ("Show all … endpoints") does not contain its visible text',
  },
  {
    rule: 'scrollable-region-focusable',
    selector: 'ul.endpoints',
    reason: "the endpoint list in a tag's summary card scrolls but nothing in it can take focus",
  },
];

// The docs as a reader sees them: Debian's Chromium against the Worker under wrangler dev.
describe.skipIf(!existsSync(CHROMIUM_PATH) && !process.env.CI)('docs in a real browser', () => {
  let worker: RunningWorker;
  let browser: Browser;
  /** Which known Scalar issues axe actually met, over every page state checked below. */
  const knownIssuesSeen = new Set<string>();

  /** Fails on any critical or serious axe finding that is not a listed Scalar issue; records which listed ones occurred. */
  async function expectNoAxeFindingsOfOurs(page: Page, state: string) {
    const findings: AxeFinding[] = await axeFindings(page, SCALAR_KNOWN_ISSUES);
    for (const f of findings) if (f.knownAs) knownIssuesSeen.add(`${f.rule} ${f.knownAs}`);
    expect(
      findings.filter((f) => !f.knownAs),
      `axe on ${state}`,
    ).toEqual([]);
  }

  beforeAll(async () => {
    [worker, browser] = await Promise.all([startDocsWorker(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
  });

  it('/docs renders the guide and the public reference from our origin only, without console errors', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const rec = recordPage(page);
    const res = await page.goto(`${worker.url}/docs`, { waitUntil: 'networkidle' });
    expect(res?.status()).toBe(200);

    await expect.poll(() => page.getByText('Start a payment').first().isVisible(), { timeout: 30_000 }).toBe(true);
    await expect.poll(() => page.getByRole('heading', { name: 'Quick start' }).first().isVisible()).toBe(true);
    await screenshot(page, 'docs-public.png');
    await expectNoAxeFindingsOfOurs(page, '/docs at 1400 px');
    await page.setViewportSize({ width: 390, height: 844 });
    await expectNoAxeFindingsOfOurs(page, '/docs at 390 px');
    await screenshot(page, 'docs-public-390.png');
    await page.setViewportSize({ width: 1400, height: 1000 });
    await page.getByText('Start a payment').first().click();
    await page.waitForLoadState('networkidle');
    await screenshot(page, 'docs-public-init-payment.png');

    const body = await page.locator('body').textContent();
    for (const internal of ['Onboard a shop', 'Issue an API token', '/admin/v1', 'Receive Bansky', '[Bansky]']) {
      expect(body, `public docs show "${internal}"`).not.toContain(internal);
    }
    expect(rec.foreignRequests(worker.url)).toEqual([]);
    expect(rec.requests).toContain(`${worker.url}/docs/assets/scalar/standalone.js`);
    expect(rec.requests.some((u) => u.startsWith(`${worker.url}/docs/assets/fonts/`))).toBe(true);
    const diagram = page.locator('img[src="/docs/diagrams/payment-flow.svg"]');
    await diagram.scrollIntoViewIfNeeded();
    await expect.poll(() => diagram.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(500);
    expect(rec.consoleErrors).toEqual([]);
    expect(await rec.cspViolations()).toEqual([]);
    await page.close();
  });

  // Scalar follows the reader's colour scheme, and its dark theme has its own colours to check.
  it('/docs in dark mode passes axe too', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, colorScheme: 'dark' });
    await page.goto(`${worker.url}/docs`, { waitUntil: 'networkidle' });
    await expect.poll(() => page.getByText('Start a payment').first().isVisible(), { timeout: 30_000 }).toBe(true);
    expect(await page.evaluate(() => document.body.classList.contains('dark-mode'))).toBe(true);
    await screenshot(page, 'docs-public-dark.png');
    await expectNoAxeFindingsOfOurs(page, '/docs in dark mode');
    await page.close();
  });

  // The contract and the guides are static assets only the Worker reads (src/api/contract/served.ts):
  // wrangler.toml routes /_private/* to the Worker, so the asset server never hands them out.
  it('never serves the files the docs are made from: /_private/* is a 404 from the Worker', async () => {
    for (const file of ['openapi.json', 'internal-guide.md', 'public-guide.md', 'nothing-here']) {
      const res = await fetch(`${worker.url}/_private/${file}`);
      expect(res.status, file).toBe(404);
      expect(res.headers.get('content-type'), file).toBe('application/problem+json');
      expect(((await res.json()) as { code: string }).code, file).toBe('not_found');
    }
    const docsSpec = await fetch(`${worker.url}/docs/openapi.json`);
    expect(docsSpec.status).toBe(200);
    expect(((await docsSpec.json()) as { info: { description: string } }).info.description).toContain('# Quick start');
  });

  it('/internal answers 401 with only the sign-in form, then renders the full reference after sign-in', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    const rec = recordPage(page);
    const refused = await page.goto(`${worker.url}/internal`);
    expect(refused?.status()).toBe(401);
    const refusedText = await page.locator('body').textContent();
    expect(refusedText).toContain('Password');
    expect(refusedText).not.toMatch(/admin|shop|token|deploy|runbook/i);
    await screenshot(page, 'internal-sign-in.png');
    await expectNoAxeFindingsOfOurs(page, '/internal sign-in');

    expect(page.url()).not.toContain(TEST_DOCS_PASSWORD);
    await page.getByLabel('Password').fill(TEST_DOCS_PASSWORD);
    await Promise.all([page.waitForURL(`${worker.url}/internal`), page.getByRole('button', { name: 'Sign in' }).click()]);
    await page.waitForLoadState('networkidle');
    await screenshot(page, 'internal-docs.png');
    await expect.poll(() => page.getByText('Onboard a shop').first().isVisible(), { timeout: 30_000 }).toBe(true);
    await expect.poll(() => page.getByRole('heading', { name: 'Runbook' }).first().isVisible()).toBe(true);
    await screenshot(page, 'internal-docs.png');
    await expectNoAxeFindingsOfOurs(page, '/internal signed in');

    const cookie = (await context.cookies()).find((c) => c.name === 'apay_internal_docs');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/internal' });
    expect(rec.requests.every((u) => !u.includes(TEST_DOCS_PASSWORD))).toBe(true);
    expect(rec.foreignRequests(worker.url)).toEqual([]);
    expect(rec.consoleErrors.filter((e) => !e.includes('401'))).toEqual([]);
    expect(await rec.cspViolations()).toEqual([]);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${worker.url}/internal`);
    expect(await page.getByLabel('Password').isVisible()).toBe(true);
    expect((await context.cookies()).some((c) => c.name === 'apay_internal_docs')).toBe(false);
    await context.close();
  });

  // Runs after the page tests above: a listed issue nobody met any more (fixed by a Scalar upgrade,
  // or a selector that drifted) must leave the list, so the list never excuses more than it should.
  it('every listed Scalar accessibility issue still occurs', async () => {
    const listed = SCALAR_KNOWN_ISSUES.map((k) => `${k.rule} ${k.selector}`);
    // Scalar renders parts of the reference lazily: on a busy machine a page check can run before
    // one of them exists. A listed issue not met yet gets a second look on a fully settled page
    // (both references, 2 s after the network is idle) before the list is judged stale.
    if (listed.some((k) => !knownIssuesSeen.has(k))) {
      const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
      const page = await context.newPage();
      await page.goto(`${worker.url}/docs`, { waitUntil: 'networkidle' });
      await page.waitForTimeout(2000);
      await expectNoAxeFindingsOfOurs(page, '/docs, second look');
      await page.goto(`${worker.url}/internal`);
      await page.getByLabel('Password').fill(TEST_DOCS_PASSWORD);
      await Promise.all([page.waitForURL(`${worker.url}/internal`), page.getByRole('button', { name: 'Sign in' }).click()]);
      await page.waitForLoadState('networkidle');
      await page.waitForTimeout(2000);
      await expectNoAxeFindingsOfOurs(page, '/internal signed in, second look');
      await context.close();
    }
    expect([...knownIssuesSeen].sort()).toEqual(listed.sort());
  });

  it('wrong passwords are rate-limited, and a locked-out client cannot sign in even with the right one', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      await page.goto(`${worker.url}/internal`);
      await page.getByLabel('Password').fill(`wrong-guess-${i}`);
      const [res] = await Promise.all([
        page.waitForResponse(`${worker.url}/internal/login`),
        page.getByRole('button', { name: 'Sign in' }).click(),
      ]);
      statuses.push(res.status());
      if (i === 0) await expectNoAxeFindingsOfOurs(page, '/internal after a wrong password');
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    await page.getByLabel('Password').fill(TEST_DOCS_PASSWORD);
    const [locked] = await Promise.all([
      page.waitForResponse(`${worker.url}/internal/login`),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ]);
    expect(locked.status()).toBe(429);
    expect(await page.locator('body').textContent()).toContain('Too many wrong passwords');
    await screenshot(page, 'internal-rate-limited.png');
    expect((await context.cookies()).some((c) => c.name === 'apay_internal_docs')).toBe(false);
    await context.close();
  });
});
