import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sample } from './docs.code-blocks.ts';
import {
  emptyShopProject,
  hasCommand,
  pythonWithStandardWebhooks,
  runShell,
  runShellJson,
  type SampleProcess,
  sampleWorkdir,
  writeSample,
} from './docs.sample-runner.ts';
import { SampleStack, sendForgedPostback } from './docs.sample-stack.ts';
import { CHROMIUM_PATH } from './docs.support.ts';

type Json = Record<string, any>;

// Every sample of the integration guide (docs/public), run as written against the Worker (wrangler
// dev), the Bansky sandbox and the guide's own postback servers, with Chromium clicking "Pay".
describe.skipIf(!existsSync(CHROMIUM_PATH) && !process.env.CI)('the integration guide samples work against a local AimbrellaPay', () => {
  let stack: SampleStack;
  let nodeShop: { url: string; proc: SampleProcess };
  let paymentId: string;
  const outageStartedAt = new Date().toISOString();
  const opts = (extra: Record<string, string> = {}, shopUrl?: string) => ({ cwd: stack.workdir, env: { ...stack.env, ...extra }, shopUrl });

  beforeAll(async () => {
    stack = await SampleStack.start();
    writeSample(stack.workdir, 'postback-server.mjs', sample('verify-postback-node'));
    nodeShop = await stack.startPostbackServer(process.execPath, () => ['postback-server.mjs']);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('quick start: curl starts a payment, the customer pays, the Node sample verifies the postback, curl reads "paid"', async () => {
    const started = await runShellJson(sample('init-payment-curl'), opts({}, nodeShop.url));
    expect(started).toMatchObject({ status: 'success', id: expect.stringMatching(/^pay_/) });
    expect(started.url).toBe(`${stack.worker.url}/integration/pay?id=${started.id}`);
    paymentId = started.id;

    await stack.payInBrowser(started.url, nodeShop.url);
    await nodeShop.proc.waitFor(new RegExp(`verified msg_\\S+: payment\\.paid ${paymentId} paid`));

    await expect
      .poll(() => runShellJson(sample('payment-status-curl'), opts({ PAYMENT_ID: paymentId })), { timeout: 30_000, interval: 500 })
      .toMatchObject({ id: paymentId, shopTransactionId: 'order-10042', status: 'paid', mode: 'test', postback: { status: 'delivered' } });
  });

  it('idempotency: sending the quick start request again answers 200 Idempotent-Replayed with the same payment', async () => {
    const again = await runShellJson(sample('init-payment-curl'), opts({}, nodeShop.url));
    expect(again.id).toBe(paymentId);
    // The same request with curl -i, to see what the Idempotency section shows: status and header.
    const withHeaders = { ...sample('init-payment-curl'), code: sample('init-payment-curl').code.replace('curl -sS', 'curl -sS -i') };
    const raw = await runShell(withHeaders, opts({}, nodeShop.url));
    expect(raw.stdout).toMatch(/^HTTP\/1\.1 200 OK\r?\n/);
    expect(raw.stdout).toMatch(/^idempotent-replayed: true\r?$/im);
  });

  it('reconcile after an outage: curl lists the events, the Node and Python jobs process each missed one once', async () => {
    const env = { OUTAGE_STARTED_AT: outageStartedAt };
    const webhookId = `msg_${paymentId}_paid`;
    const listed = await runShellJson(sample('list-events-curl'), opts(env));
    const documented = JSON.parse(sample('list-events-curl', 'output').code) as Json;
    const event = listed.items.find((e: Json) => e.id === webhookId);
    expect(Object.keys(event).sort()).toEqual(Object.keys(documented.items[0]).sort());
    expect(Object.keys(event.data).sort()).toEqual(Object.keys(documented.items[0].data).sort());
    expect(event).toMatchObject({ type: 'payment.paid', data: { id: paymentId, status: 'paid', shopTransactionId: 'order-10042' } });

    const jobs = [
      { command: process.execPath, file: 'reconcile.mjs', block: sample('reconcile-node') },
      { command: pythonWithStandardWebhooks(), file: 'reconcile.py', block: sample('reconcile-python') },
    ];
    for (const { command, file, block } of jobs) {
      const dir = sampleWorkdir(); // its own processed-ids file
      writeSample(dir, file, block);
      const run = () => runShell({ ...block, code: `"${command}" ${file}` }, { cwd: dir, env: { ...stack.env, ...env } });
      const first = await run();
      expect(first.status, first.stderr).toBe(0);
      expect(first.stdout).toContain(`processed ${webhookId}: payment.paid ${paymentId} paid`);
      const again = await run(); // nothing new: every id is already processed
      expect(again.status, again.stderr).toBe(0);
      expect(again.stdout).not.toContain('processed msg_');
      expect(again.stdout).toMatch(/\d+ events since .+, \d+ processed in total/);
    }
  }, 240_000);

  it('a client generated from /openapi.json in an empty project outside the repo starts a payment with the documented TypeScript', async () => {
    // In an empty project outside the repository, as a shop would: only what the commands pin.
    const project = emptyShopProject();
    const outside = { ...opts(), cwd: project, outsideRepo: true };
    const generated = await runShell(sample('generate-client'), outside);
    expect(generated.status, generated.stderr + generated.stdout).toBe(0);
    // The sample's first line names its file and how to run it: `// init-payment.mts: npx … (…)`.
    const [, file, runCommand] = /^\/\/ (\S+): (npx .+?) \(/m.exec(sample('init-payment-node').code) ?? [];
    expect(file, 'the sample names its file').toBeDefined();
    writeSample(project, file!, sample('init-payment-node'), nodeShop.url);
    expect(runCommand, 'the sample says how to run it').toBeDefined();
    const run = await runShell({ ...sample('init-payment-node'), code: runCommand! }, outside);
    expect(run.status, `${run.stderr}\n${run.stdout}`).toBe(0);
    const id = /Redirect the customer to \S+\/integration\/pay\?id=(pay_\w+)/.exec(run.stdout)?.[1];
    expect(id, run.stdout).toBeDefined();
    expect(run.stdout).toContain(`Payment ${id} is awaiting_payment`);
  });

  it('the error sample answers the documented problem', async () => {
    const documented = JSON.parse(sample('error-curl', 'output').code) as Json;
    const actual = await runShellJson(sample('error-curl'), opts());
    const stable = ({ type, title, status, code, errors }: Json) => ({ type, title, status, code, errors });
    expect(stable(actual)).toEqual(stable(documented));
    expect(actual.requestId).toEqual(expect.any(String));
  });

  it('the Node postback sample refuses a postback signed with another secret', async () => {
    expect(await sendForgedPostback(nodeShop.url)).toBe(400);
  });

  it('the Python postback sample verifies a real postback and refuses a forged one', async () => {
    const python = pythonWithStandardWebhooks();
    writeSample(stack.workdir, 'postback_server.py', sample('verify-postback-python'));
    const server = await stack.startPostbackServer(python, () => ['postback_server.py']);
    await stack.expectRealPostbackVerified(server, 'order-python-1');
    expect(await sendForgedPostback(server.url)).toBe(400);
  }, 240_000);

  it.skipIf(!hasCommand('php') && !process.env.CI)(
    'the PHP postback sample verifies a real postback and refuses a forged one',
    async () => {
      writeSample(stack.workdir, 'postback.php', sample('verify-postback-php'));
      const server = await stack.startPostbackServer('php', (port) => ['-S', `127.0.0.1:${port}`, 'postback.php']);
      await stack.expectRealPostbackVerified(server, 'order-php-1');
      expect(await sendForgedPostback(server.url)).toBe(400);
    },
  );
});
