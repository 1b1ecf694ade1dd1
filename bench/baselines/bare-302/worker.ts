import { Hono } from 'hono';

// Baseline (d1): the least a Hono Worker can do to answer the pay link — a constant 302.
const app = new Hono();
app.get('/healthz', (c) => c.json({ status: 'ok' }));
app.get('/integration/pay', (c) => c.redirect('http://127.0.0.1:9/checkout/cs_baseline', 302));
export default app;
