/**
 * Shared setup for the docs tests: a wrangler dev Worker with the test bindings (and the docs
 * assets copied, as `npm install` does), and Debian's Chromium driven by playwright-core.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { copyDocsAssets } from '../../scripts/docs/copy-assets.mjs';
import { freePort } from '../../scripts/lib/ports.mjs';
import { type RunningWorker, startWorker } from '../../scripts/lib/wrangler-dev.mjs';
import { WORKER_TEST_BINDINGS } from '../support/test-bindings.ts';

/** The password whose hash is INTERNAL_DOCS_PASSWORD_HASH in test/support/test-bindings.ts. */
export const TEST_DOCS_PASSWORD = 'canary_internal_docs_password_6b0e2f';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const ARTIFACTS = join(ROOT, 'test-artifacts');

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Starts the Worker on a free port, its PUBLIC_BASE_URL pointing at itself. */
export async function startDocsWorker(vars: Record<string, string> = {}): Promise<RunningWorker> {
  copyDocsAssets();
  const port = await freePort();
  return startWorker({
    port,
    vars: { ...WORKER_TEST_BINDINGS, PUBLIC_BASE_URL: `http://127.0.0.1:${port}`, LOG_LEVEL: 'info', ...vars },
  });
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface PageRecorder {
  requests: string[];
  consoleErrors: string[];
  /**
   * Content-Security-Policy violations the page reported, except one known and harmless: the
   * zod library bundled in Scalar probes `new Function("")` in a try/catch to choose its
   * JIT-less mode; the CSP refuses the eval and zod falls back, as it is meant to.
   */
  cspViolations(): Promise<string[]>;
  /** Requests to any host but the Worker's own. */
  foreignRequests(origin: string): string[];
}

/** Records every request the page makes and every console error or uncaught exception. */
export function recordPage(page: Page): PageRecorder {
  const requests: string[] = [];
  const consoleErrors: string[] = [];
  page.on('request', (req) => requests.push(req.url()));
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(`${msg.text()} (${msg.location().url})`);
  });
  page.on('pageerror', (err) => consoleErrors.push(`uncaught: ${err.message}`));
  void page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __csp: string[] }).__csp = seen;
    document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI} from ${e.sourceFile}`));
  });
  return {
    requests,
    consoleErrors,
    cspViolations: async () =>
      (await page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? [])).filter(
        (v) => !/^script-src eval from https?:\/\/[^/]+\/docs\/assets\/scalar\/standalone\.js$/.test(v),
      ),
    foreignRequests: (origin) =>
      requests.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith('data:') && !url.startsWith(`blob:${origin}`)),
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, name);
  await page.screenshot({ path, fullPage: false });
  return path;
}
