import type { SandboxSession } from './server.ts';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const layout = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#1b1f24}
.card{border:1px solid #d0d7de;border-radius:12px;padding:1.5rem}.amount{font-size:2rem;font-weight:600;margin:.5rem 0}
button{font-size:1rem;padding:.6rem 1.4rem;border-radius:8px;border:0;margin-right:.5rem;cursor:pointer}
.pay{background:#1f883d;color:#fff}.decline{background:#eaeef2;color:#1b1f24}.muted{color:#57606a;font-size:.9rem}</style>
</head><body>${body}</body></html>`;

/** Bansky's hosted payment page. A plain form: works without JavaScript. */
export function checkoutPage(s: SandboxSession): string {
  const r = s.request;
  return layout(
    'Bansky sandbox checkout',
    `<div class="card">
  <p class="muted">Bansky sandbox — no money moves</p>
  <p>Payment for ${esc(r.name ?? r.email)}</p>
  <p class="amount">${esc(r.amount)} ${esc(r.currency)}</p>
  <p class="muted">Reference ${esc(r.id)}</p>
  <form method="post" action="/checkout/${esc(s.session)}">
    <button class="pay" type="submit" name="action" value="pay">Pay</button>
    <button class="decline" type="submit" name="action" value="decline">Decline</button>
  </form>
</div>`,
  );
}

export function donePage(message: string): string {
  return layout('Bansky sandbox', `<div class="card"><p>${esc(message)}</p></div>`);
}
