/** The small HTML pages of the internal docs gate. No scripts; nothing of the docs themselves. */

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<title>${escapeHtml(title)}</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; background: #f6f6f7; color: #1e1e20; display: grid; place-items: center; min-height: 100vh; margin: 0; }
  main { background: #fff; padding: 2rem 2.5rem; border-radius: 8px; box-shadow: 0 1px 4px rgba(0,0,0,.12); width: min(24rem, 90vw); }
  h1 { font-size: 1.25rem; margin: 0 0 1rem; }
  label { display: block; margin-bottom: .25rem; }
  input { width: 100%; box-sizing: border-box; padding: .5rem; font-size: 1rem; margin-bottom: 1rem; }
  button { padding: .5rem 1.25rem; font-size: 1rem; }
  .error { color: #b00020; }
</style>
</head>
<body><main>${body}</main></body>
</html>`;
}

export function loginPage(message?: string): string {
  return page(
    'AimbrellaPay internal docs — sign in',
    `<h1>AimbrellaPay internal docs</h1>
${message ? `<p class="error" role="alert">${escapeHtml(message)}</p>` : ''}
<form method="post" action="/internal/login">
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required autofocus>
  <button type="submit">Sign in</button>
</form>`,
  );
}

export function closedPage(): string {
  return page(
    'AimbrellaPay internal docs — closed',
    `<h1>Internal docs are closed</h1>
<p>INTERNAL_DOCS_PASSWORD_HASH is not set, or not in the format <code>npm run docs:hash-password</code> produces.</p>`,
  );
}

/** A sign-out button laid over the Scalar page (a plain form: no script, so the CSP stays strict). */
export const SIGN_OUT_FORM = `<form method="post" action="/internal/logout" style="position:fixed;right:12px;bottom:12px;z-index:1000;margin:0">
  <button type="submit" style="padding:6px 12px;border-radius:6px;border:1px solid #8886;background:#fff;color:#1e1e20;font:13px system-ui,sans-serif;cursor:pointer">Sign out</button>
</form>`;
