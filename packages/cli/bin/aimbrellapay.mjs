#!/usr/bin/env node
// aimbrellapay: AimbrellaPay's command-line tool. `listen` forwards a shop's test-mode postbacks,
// pushed over the Worker's /api/v1/listen WebSocket, to an endpoint on the developer's machine.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';

const VERSION = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
const DEFAULT_API_URL = 'https://api.aimbrellapay.example';
const EVENT_TYPES = ['payment.paid', 'payment.failed', 'payment.expired'];
const PING_EVERY_MS = 20_000;
const PONG_WITHIN_MS = 45_000;
const FORWARD_TIMEOUT_MS = 15_000;
const MAX_BACKOFF_MS = 30_000;
/** The Worker closes a session with this code when its token is revoked. */
const TOKEN_REVOKED = 4001;

const HELP = `Usage: aimbrellapay listen --forward-to <url> [options]

Forwards your shop's test-mode postbacks to <url>, signed exactly as AimbrellaPay sends them.

Options:
  --forward-to <url>   where to POST each postback, e.g. http://localhost:3000/hooks (required)
  --token <token>      a test token of your shop (default: $AIMBRELLAPAY_TOKEN)
  --api-url <url>      AimbrellaPay's API (default: $AIMBRELLAPAY_URL, else ${DEFAULT_API_URL})
  --events <types>     only these, comma-separated: ${EVENT_TYPES.join(', ')}
  -h, --help           this text
  -v, --version        the version
`;

/** A one-line error on stderr and a non-zero exit: what a user can act on, never a stack trace. */
function fail(message, code = 2) {
  process.stderr.write(`aimbrellapay: ${message}\n`);
  process.exit(code);
}

function options(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'forward-to': { type: 'string' },
        token: { type: 'string' },
        'api-url': { type: 'string' },
        events: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (err) {
    fail(`${err.message}\n\n${HELP}`);
  }
  const { values, positionals } = parsed;
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    process.exit(0);
  }
  if (values.help || positionals.length === 0) {
    process.stdout.write(HELP);
    process.exit(values.help ? 0 : 2);
  }
  if (positionals[0] !== 'listen' || positionals.length > 1) fail(`unknown command "${positionals.join(' ')}"\n\n${HELP}`);
  const forwardTo = values['forward-to'];
  if (!forwardTo) fail('--forward-to <url> is required (where to POST each postback)');
  if (!/^https?:\/\//.test(forwardTo) || !URL.canParse(forwardTo)) fail(`--forward-to must be an http(s) URL, not "${forwardTo}"`);
  const token = values.token ?? process.env.AIMBRELLAPAY_TOKEN;
  if (!token) fail('no token: set AIMBRELLAPAY_TOKEN or pass --token (a test token, apay_test_…)');
  if (token.startsWith('apay_live_')) fail('listen works in test mode only: use a test token (apay_test_…), never a live one');
  const apiUrl = values['api-url'] ?? process.env.AIMBRELLAPAY_URL ?? DEFAULT_API_URL;
  if (!URL.canParse(apiUrl)) fail(`--api-url must be a URL, not "${apiUrl}"`);
  const events = values.events ? values.events.split(',').map((e) => e.trim()) : null;
  const unknown = events?.filter((e) => !EVENT_TYPES.includes(e)) ?? [];
  if (unknown.length) fail(`unknown event type ${unknown.join(', ')}; known: ${EVENT_TYPES.join(', ')}`);
  return { forwardTo, token, apiUrl, events: events ? new Set(events) : null };
}

const time = () => new Date().toTimeString().slice(0, 8);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** POSTs one postback to the local endpoint with our headers and body, as they were signed. */
async function forward(opts, postback) {
  const started = performance.now();
  try {
    const res = await fetch(opts.forwardTo, {
      method: 'POST',
      headers: postback.headers,
      body: postback.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
    });
    await res.arrayBuffer(); // read to the end so the connection is reused
    return { status: res.status, durationMs: Math.round(performance.now() - started), error: null };
  } catch (err) {
    const error =
      err?.name === 'TimeoutError' ? `no answer within ${FORWARD_TIMEOUT_MS / 1000} s` : (err?.cause?.code ?? err?.message ?? String(err));
    return { status: null, durationMs: Math.round(performance.now() - started), error: String(error).slice(0, 200) };
  }
}

/**
 * One WebSocket session, until it closes. Resolves how it ended: refused at the upgrade (with
 * the server's problem), or closed (with the code), and whether it got as far as `ready`.
 */
function session(opts, url, onSocket) {
  return new Promise((resolve) => {
    let ready = false;
    let settled = false;
    let lastError = null;
    let chain = Promise.resolve(); // postbacks are forwarded one at a time, in the order they came
    const end = (outcome) => {
      if (settled) return;
      settled = true;
      clearInterval(heartbeat);
      resolve({ ...outcome, ready });
    };
    const ws = new WebSocket(url, {
      headers: { authorization: `Bearer ${opts.token}`, 'user-agent': `aimbrellapay-cli/${VERSION}` },
      handshakeTimeout: 15_000,
    });
    onSocket(ws);
    let lastPong = Date.now();
    const heartbeat = setInterval(() => {
      if (ws.readyState !== WebSocket.OPEN) return;
      if (Date.now() - lastPong > PONG_WITHIN_MS)
        ws.terminate(); // a silent connection: reconnect
      else ws.send('ping');
    }, PING_EVERY_MS);

    ws.on('unexpected-response', (req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => {
        let detail = body.slice(0, 300);
        try {
          detail = JSON.parse(body).detail ?? detail;
        } catch {}
        end({ kind: 'refused', status: res.statusCode, detail });
        req.destroy();
      });
    });
    ws.on('message', (data) => {
      const text = data.toString();
      if (text === 'pong') {
        lastPong = Date.now();
        return;
      }
      let msg;
      try {
        msg = JSON.parse(text);
      } catch {
        return;
      }
      if (msg.type === 'ready') {
        ready = true;
        lastPong = Date.now();
        process.stdout.write(`Ready. Forwarding test postbacks to ${opts.forwardTo} (session ${msg.session}). Ctrl-C stops.\n`);
      } else if (msg.type === 'postback') {
        if (opts.events && !opts.events.has(msg.eventType)) return;
        chain = chain.then(async () => {
          const result = await forward(opts, msg);
          const answer = result.status === null ? `no answer: ${result.error}` : String(result.status);
          process.stdout.write(`${time()}  ${msg.eventType.padEnd(15)}  ${msg.paymentId}  → ${answer} (${result.durationMs} ms)\n`);
          if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'result', webhookId: msg.webhookId, ...result }));
        });
      }
    });
    ws.on('error', (err) => {
      lastError = err.code ?? err.message;
    });
    ws.on('close', (code, reason) => end({ kind: 'closed', code, reason: reason.toString() || lastError || 'connection lost' }));
  });
}

async function listen(opts) {
  const url = new URL('/api/v1/listen', opts.apiUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  let socket = null;
  let stopping = false;
  let wake = () => {};
  const stop = () => {
    if (stopping) process.exit(130); // a second Ctrl-C does not wait
    stopping = true;
    process.stdout.write('Stopping.\n');
    wake();
    if (socket && socket.readyState === WebSocket.OPEN) socket.close(1000, 'listen stopped');
    else socket?.terminate();
    setTimeout(() => process.exit(0), 2_000).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  let failures = 0;
  while (!stopping) {
    const outcome = await session(opts, url, (ws) => {
      socket = ws;
    });
    if (stopping) break;
    if (outcome.kind === 'refused' && [401, 403].includes(outcome.status)) fail(`refused (${outcome.status}): ${outcome.detail}`, 1);
    if (outcome.kind === 'closed' && outcome.code === TOKEN_REVOKED) fail('the token was revoked: session ended', 1);
    failures = outcome.ready ? 1 : failures + 1;
    const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** (failures - 1)) * (0.75 + Math.random() / 2);
    const why = outcome.kind === 'refused' ? `HTTP ${outcome.status}` : outcome.reason;
    process.stdout.write(`Disconnected (${why}); reconnecting in ${(delay / 1000).toFixed(1)} s.\n`);
    await Promise.race([sleep(delay), new Promise((resolve) => (wake = resolve))]);
  }
  process.exit(0);
}

await listen(options(process.argv.slice(2)));
