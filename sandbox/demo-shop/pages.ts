import type { Payment } from '../../generated/api/types.gen.ts';
import type { VerifiedPostback } from './postbacks.ts';

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function layout(title: string, body: string, refreshSeconds?: number): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · Demo shop</title>
${refreshSeconds ? `<meta http-equiv="refresh" content="${refreshSeconds}">` : ''}
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:64rem;margin:2rem auto;padding:0 1rem}
table{border-collapse:collapse;font-size:.85rem}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}
.note{background:#fff6d5;padding:.5rem 1rem;border-left:4px solid #e0b000}
button{font-size:1.1rem;padding:.5rem 1.5rem}</style></head>
<body><p><a href="/">Demo shop</a> — a shop integrating AimbrellaPay in test mode</p>
<h1>${escapeHtml(title)}</h1>
${body}
</body></html>`;
}

function postbackTable(postbacks: VerifiedPostback[]): string {
  if (postbacks.length === 0) return '<p id="postbacks">No verified postback yet.</p>';
  const rows = postbacks
    .map(
      (p) =>
        `<tr><td>${escapeHtml(p.receivedAt)}</td><td>${escapeHtml(p.payload.type)}</td>` +
        `<td>${escapeHtml(p.payload.data.shopTransactionId)}</td><td>${escapeHtml(p.payload.data.id)}</td>` +
        `<td>${escapeHtml(p.payload.data.amount)} ${escapeHtml(p.payload.data.currency)}</td>` +
        `<td>${escapeHtml(p.webhookId)}</td><td>${p.deliveries}</td></tr>`,
    )
    .join('');
  return `<table id="postbacks"><tr><th>received</th><th>event</th><th>order</th><th>payment</th><th>amount</th><th>webhook-id</th><th>deliveries</th></tr>${rows}</table>`;
}

export function landingPage(product: { name: string; amount: string; currency: string }, postbacks: VerifiedPostback[]): string {
  return layout(
    'Demo shop',
    `<p><strong>${escapeHtml(product.name)}</strong> — ${escapeHtml(product.amount)} ${escapeHtml(product.currency)}</p>
<form method="post" action="/buy"><button type="submit">Buy</button></form>
<p>Buying calls <code>POST /api/v1/init-payment</code> from this server with the shop's test token and sends
your browser to the returned pay link; the Bansky sandbox's page lets you Pay or Decline.</p>
<h2>Verified postbacks</h2>${postbackTable(postbacks)}`,
  );
}

export function returnPage(opts: {
  kind: 'success' | 'error';
  orderId: string;
  payment: Payment | null;
  lookupError?: string;
  postbacks: VerifiedPostback[];
}): string {
  const { kind, orderId, payment } = opts;
  const final = payment && ['paid', 'failed', 'expired', 'init_failed'].includes(payment.status);
  const status = payment
    ? `<p>Payment <code>${escapeHtml(payment.id)}</code>: status <strong id="status">${escapeHtml(payment.status)}</strong>
(${escapeHtml(payment.amount)} ${escapeHtml(payment.currency)}, ${escapeHtml(payment.mode)} mode), postback ${escapeHtml(payment.postback.status)}.</p>`
    : `<p>No payment status yet for order <code>${escapeHtml(orderId)}</code>${opts.lookupError ? ` (${escapeHtml(opts.lookupError)})` : ''}.</p>`;
  return layout(
    kind === 'success' ? 'Thank you — payment returned as successful' : 'Payment not completed',
    `<p>Order <code>${escapeHtml(orderId)}</code>.</p>${status}
<p class="note">Arriving on this page is <strong>not proof of payment</strong>: anyone can open this URL.
Only a verified postback (below) or the status from <code>GET /api/v1/payments/{id}</code> says whether the customer paid.</p>
<h2>Verified postbacks for this order</h2>${postbackTable(opts.postbacks)}`,
    final ? undefined : 3,
  );
}

export function problemPage(message: string): string {
  return layout('Could not start the payment', `<p>${escapeHtml(message)}</p><p><a href="/">Back</a></p>`);
}
