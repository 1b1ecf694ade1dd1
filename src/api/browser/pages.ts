/**
 * The few HTML pages a customer may see on our domain. They name no payment, shop or amount:
 * a link that does not work reveals nothing about what exists behind it.
 */
function page(title: string, message: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title} · AimbrellaPay</title>
<link rel="stylesheet" href="/assets/ui.css">
</head>
<body class="card-page">
<main class="card">
<p class="brand brand-solo"><span class="brand-mark" aria-hidden="true">A</span><span class="brand-name">AimbrellaPay</span></p>
<h1>${title}</h1>
<p>${message}</p>
</main>
</body>
</html>`;
}

export const PAGES = {
  badLink: () => page('This link is not valid', 'Please go back to the shop and start the payment again.'),
  unknown: () =>
    page('Payment link not found', 'This payment link does not exist. Please go back to the shop and start the payment again.'),
  expired: () =>
    page(
      'This payment link has expired',
      'Payment links are valid for a limited time. Please go back to the shop and start the payment again.',
    ),
  paid: () => page('This payment is already complete', 'This payment has already been paid. There is nothing more to do.'),
  failed: () => page('This payment has already ended', 'This payment was declined or cancelled. Please go back to the shop to try again.'),
  notStarted: () => page('This payment could not be started', 'Please go back to the shop and start the payment again.'),
  noReturn: () => page('We could not take you back to the shop', 'Please go back to the shop yourself.'),
  shopDisabled: () =>
    page('This payment cannot be made here', 'The shop can no longer take payments through this link. Please contact the shop.'),
};

/** Browser pages must not be cached or framed, and must not leak where they were opened from. */
export const HTML_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  // The shared stylesheet (public/assets/ui.css) and its self-hosted font; nothing else.
  'content-security-policy': "default-src 'none'; style-src 'self'; font-src 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
};
