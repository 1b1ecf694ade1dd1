import { Scalar } from '@scalar/hono-api-reference';
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env';
import { sha256, toBase64 } from '../platform/lib/crypto';

/**
 * Scalar's API reference page, configured so the browser talks to nobody but us: the bundle and
 * fonts come from public/docs/assets (copied from node_modules by scripts/docs/copy-assets.mjs),
 * and Scalar's default font CDN, request proxy, telemetry and AI agent are switched off.
 */

const ASSET_BASE = '/docs/assets';

/** Our icon (public/favicon.svg), so the browser does not ask for a missing /favicon.ico. */
const FAVICON_LINK = '<link rel="icon" href="/favicon.svg" type="image/svg+xml">';

const FONT_FACES = [
  ...[400, 500, 600, 700].map((w) => ['Inter', `inter-latin-${w}-normal.woff2`, w] as const),
  ...[400, 500].map((w) => ['JetBrains Mono', `jetbrains-mono-latin-${w}-normal.woff2`, w] as const),
]
  .map(
    ([family, file, weight]) =>
      `@font-face { font-family: '${family}'; font-style: normal; font-weight: ${weight}; font-display: swap; src: url('${ASSET_BASE}/fonts/${file}') format('woff2'); }`,
  )
  .join('\n');

const FONT_VARIABLES = `:root { --scalar-font: 'Inter', system-ui, sans-serif; --scalar-font-code: 'JetBrains Mono', ui-monospace, monospace; }`;

// The guide is long and full of code: give Scalar's introduction the whole width (its server and
// client cards follow below it) instead of a narrow column with scrolling code blocks.
const GUIDE_CSS = `.introduction-section .section-columns { flex-direction: column; }
.introduction-section .section-column { width: 100%; max-width: none; }`;

// Scalar's light theme and the Hono integration's dark theme (used for the request-example cards
// even on the light page) set secondary text and method/syntax colours below WCAG AA's 4.5:1, e.g.
// #757575 and #0082d0 on the #f6f6f6 code background, #5c73e7 on the #2a2a2a card. These are the
// same hues, darkened (light) or lightened (dark) until each reaches 4.5:1 on every background of
// its mode. `!important` because the light theme repeats its colours in an
// `@supports (color: display-p3)` block that would otherwise win in Chromium.
const CONTRAST_CSS = `.light-mode {
  --scalar-color-2: #4f4f4f !important;
  --scalar-color-3: #626262 !important;
  --scalar-color-accent: #0068b8 !important;
  --scalar-color-blue: #0068b8 !important;
  --scalar-color-green: #00704a !important;
  --scalar-color-orange: #b83a00 !important;
  --scalar-color-red: #c80005 !important;
  --scalar-color-yellow: #7a5c00 !important;
}
.dark-mode {
  --scalar-color-2: #d4d4cf !important;
  --scalar-color-3: #a8a8a4 !important;
  --scalar-color-accent: #f08a3c !important;
  --scalar-color-blue: #8fa0f2 !important;
}`;

// A code block that scrolls sideways is a region a keyboard user cannot reach (Scalar renders it
// without a tabindex): wrap the guide's long lines instead. Copying still yields the original lines.
const CODE_WRAP_CSS = `.markdown pre code, .markdown pre code * { white-space: pre-wrap !important; overflow-wrap: anywhere !important; }`;

export interface ScalarPageOptions {
  specUrl: string;
  title: string;
}

function scalarConfig({ specUrl, title }: ScalarPageOptions) {
  return {
    url: specUrl,
    cdn: `${ASSET_BASE}/scalar/standalone.js`,
    pageTitle: title,
    withDefaultFonts: false,
    customCss: [FONT_FACES, FONT_VARIABLES, GUIDE_CSS, CONTRAST_CSS, CODE_WRAP_CSS].join('\n'),
    telemetry: false,
    proxyUrl: '',
    showDeveloperTools: 'never' as const,
    agent: { disabled: true },
    documentDownloadType: 'json' as const,
    hideModels: false,
  };
}

/** Renders the Scalar HTML for a spec URL and lets the caller adjust it (e.g. add a sign-out form). */
export async function renderScalarPage(
  c: Context<AppEnv>,
  options: ScalarPageOptions,
  transform = (html: string) => html,
): Promise<string> {
  const handler = Scalar<AppEnv>(scalarConfig(options));
  const res = await handler(c, async () => {});
  if (!(res instanceof Response)) throw new Error('Scalar rendered no page');
  // Scalar's shell (@scalar/core's html-rendering) opens with a bare <html>: give it the language
  // screen readers need to pick a voice and pronunciation.
  const html = (await res.text()).replace(/<html>/, '<html lang="en">').replace('</head>', `  ${FAVICON_LINK}\n  </head>`);
  return transform(html);
}

async function sha256Base64(text: string): Promise<string> {
  return toBase64(await sha256(text));
}

/**
 * A strict Content-Security-Policy for the docs' HTML: scripts only from our origin plus the
 * exact inline scripts of this page (by hash), connections only to our origin, no framing.
 * Styles allow 'unsafe-inline' because Scalar (Vue) sets style attributes at run time.
 */
export const docsSecurityHeaders = (): MiddlewareHandler => async (c, next) => {
  await next();
  c.header('X-Content-Type-Options', 'nosniff');
  // same-origin, not no-referrer: with no-referrer Chromium sends `Origin: null` on our own sign-in POST.
  c.header('Referrer-Policy', 'same-origin');
  if (!c.res.headers.get('content-type')?.startsWith('text/html')) return;
  const html = await c.res.clone().text();
  const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
  const hashes = await Promise.all(inline.map(async (s) => `'sha256-${await sha256Base64(s)}'`));
  const policy = [
    "default-src 'none'",
    `script-src 'self' ${hashes.join(' ')}`.trim(),
    "style-src 'self' 'unsafe-inline'",
    "font-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  c.header('Content-Security-Policy', policy);
  c.header('X-Frame-Options', 'DENY');
};
