// Baseline (b): the same workerd hop as ours, doing nothing but forwarding init to the sandbox.
// Separates wrangler dev's local proxy hop + a Worker subrequest from anything our code does.
interface Env {
  SANDBOX_URL: string;
}

export default {
  async fetch(req: Request, env: Env): Promise<Response> {
    const url = new URL(req.url);
    if (url.pathname === '/healthz') return Response.json({ status: 'ok' });
    if (req.method !== 'POST' || url.pathname !== '/v1/payments') return new Response('not found', { status: 404 });
    const upstream = await fetch(`${env.SANDBOX_URL}/v1/payments`, {
      method: 'POST',
      headers: { authorization: req.headers.get('authorization') ?? '', 'content-type': 'application/json' },
      body: await req.text(),
    });
    return new Response(upstream.body, { status: upstream.status, headers: { 'content-type': 'application/json' } });
  },
} satisfies ExportedHandler<Env>;
