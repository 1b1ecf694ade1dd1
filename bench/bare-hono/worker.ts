import { Hono } from 'hono';

// The baseline for the redirect benchmark: the least a Hono Worker can do to answer the pay link.
const app = new Hono();
app.get('/healthz', (c) => c.json({ status: 'ok' }));
app.get('/integration/pay', (c) => c.redirect('http://127.0.0.1:9/checkout/cs_baseline', 302));
export default app;
