/** @jsxImportSource hono/jsx */

import { raw } from 'hono/html';
import type { Child, FC } from 'hono/jsx';
import type { MemberRole, Mode } from '../../generated/api/types.gen';

const STYLESHEET = '/assets/ui.css';

/** The app's page areas in the order the top navigation shows them. */
const NAV_AREAS = [
  ['payments', 'Payments'],
  ['postbacks', 'Postbacks'],
  ['developers', 'Developers'],
  ['stats', 'Stats'],
  ['team', 'Team'],
  ['account', 'Account'],
] as const;
type Nav = (typeof NAV_AREAS)[number][0];

export interface Frame {
  shopName: string;
  email: string;
  mode: Mode;
  csrf: string;
  role: MemberRole;
  /** Path to come back to after switching mode. */
  here: string;
}

const Head: FC<{ title: string }> = ({ title }) => (
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="robots" content="noindex" />
    <title>{title} · AimbrellaPay</title>
    <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
    <link rel="stylesheet" href={STYLESHEET} />
  </head>
);

export const Csrf: FC<{ token: string }> = ({ token }) => <input type="hidden" name="_csrf" value={token} />;

/** A signed-in page: header with the shop, navigation, the test/live switch and sign-out. */
export const AppPage: FC<{ title: string; frame: Frame; nav: Nav; children?: Child; script?: boolean }> = ({
  title,
  frame,
  nav,
  children,
  script,
}) => (
  <>
    {raw('<!doctype html>')}
    <html lang="en">
      <Head title={title} />
      <body class={`mode-${frame.mode}`}>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="topbar">
          <div class="topbar-inner">
            <a class="brand" href="/app/payments">
              <span class="brand-mark" aria-hidden="true">
                A
              </span>
              <span class="brand-name">{frame.shopName}</span>
            </a>
            <nav class="nav" aria-label="Main">
              {NAV_AREAS.map(([area, label]) => (
                <a href={`/app/${area}`} aria-current={nav === area ? 'page' : undefined}>
                  {label}
                </a>
              ))}
            </nav>
            <div class="topbar-end">
              <form method="post" action="/app/mode" class="mode-switch" aria-label="Data mode">
                <Csrf token={frame.csrf} />
                <input type="hidden" name="back" value={frame.here} />
                <button type="submit" name="mode" value="test" aria-pressed={frame.mode === 'test' ? 'true' : 'false'}>
                  Test
                </button>
                <button type="submit" name="mode" value="live" aria-pressed={frame.mode === 'live' ? 'true' : 'false'}>
                  Live
                </button>
              </form>
              <form method="post" action="/app/sign-out" class="sign-out">
                <Csrf token={frame.csrf} />
                <button type="submit" class="link-button" title={`Signed in as ${frame.email}`}>
                  Sign out
                </button>
              </form>
            </div>
          </div>
          {frame.mode === 'test' ? (
            <p class="mode-banner" role="note">
              Test mode — payments here go to the Bansky sandbox and move no money.
            </p>
          ) : null}
        </header>
        {/* tabindex: following the skip link moves keyboard focus here, not only the scroll position. */}
        <main id="main" class="container" tabindex={-1}>
          {children}
        </main>
        <footer class="footer container">
          Signed in as {frame.email} · <a href="/docs">API docs</a>
        </footer>
        {script ? <script src="/assets/app.js" defer></script> : null}
      </body>
    </html>
  </>
);

/** Pages before sign-in: one centred card. */
export const CardPage: FC<{ title: string; children?: Child }> = ({ title, children }) => (
  <>
    {raw('<!doctype html>')}
    <html lang="en">
      <Head title={title} />
      <body class="card-page">
        <main id="main" class="card">
          <p class="brand brand-solo">
            <span class="brand-mark" aria-hidden="true">
              A
            </span>
            <span class="brand-name">AimbrellaPay</span>
          </p>
          {children}
        </main>
      </body>
    </html>
  </>
);

export const Notice: FC<{ tone: 'ok' | 'bad' | 'info'; children?: Child }> = ({ tone, children }) => (
  <div class={`notice notice-${tone}`} role={tone === 'bad' ? 'alert' : 'status'}>
    {children}
  </div>
);
