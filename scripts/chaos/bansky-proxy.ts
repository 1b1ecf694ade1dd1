/**
 * Between the Worker and the Bansky sandbox: a loopback HTTP relay the run can make refuse
 * connections (its listener closed: what the Worker sees when Bansky is unreachable) or slow
 * (each request reaches Bansky at once, its answer is held back: Bansky working but late, so a
 * checkout may exist that our init gave up on). The sandbox itself keeps running, so its ledger
 * stays the ground truth of what Bansky did.
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sleep } from './harness.ts';

export type ProxyMode = { kind: 'pass' } | { kind: 'refuse' } | { kind: 'slow'; answerAfterMs: number };

export async function startBanskyProxy(target: string) {
  const upstream = new URL(target);
  let mode: ProxyMode = { kind: 'pass' };
  const server = createServer((req, res) => {
    const hold = mode.kind === 'slow' ? mode.answerAfterMs : 0;
    const started = Date.now();
    const out = request(
      // A connection per request (agent: false): a kept-alive socket the sandbox has just closed
      // would fail the request and read as "Bansky unreachable" when it is not.
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent: false },
      async (answer) => {
        const chunks: Buffer[] = [];
        for await (const c of answer) chunks.push(c as Buffer);
        await sleep(Math.max(0, hold - (Date.now() - started)));
        if (res.destroyed) return; // the Worker gave up waiting (its BANSKY_TIMEOUT_MS)
        res.writeHead(answer.statusCode ?? 502, answer.headers).end(Buffer.concat(chunks));
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  const listen = (port: number) => new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  await listen(0);
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    async set(next: ProxyMode) {
      if (next.kind === 'refuse' && server.listening) {
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
      } else if (next.kind !== 'refuse' && !server.listening) {
        await listen(port);
      }
      mode = next;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        if (server.listening) server.close(() => r());
        else r();
      }),
  };
}

export type BanskyProxy = Awaited<ReturnType<typeof startBanskyProxy>>;
