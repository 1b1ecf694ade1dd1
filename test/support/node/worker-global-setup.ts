/**
 * Node-side setup for the `worker` vitest project: the real servers the Worker talks to over
 * HTTP, on free ports — a test-mode and a live-mode Bansky sandbox, and an HTTP recorder that
 * plays the shops' postback endpoints and receives what Bansky sends to our public URL.
 * Their URLs reach the Worker's bindings through `provide()` / `inject()` (vitest.config.ts).
 */
import type { TestProject } from 'vitest/node';
import { startBanskySandbox } from '../../../sandbox/bansky/server.ts';
import { CANARY } from '../test-bindings.ts';
import '../provided-context.ts';
import { startHttpRecorder } from './http-recorder.ts';

export default async function setup(project: TestProject) {
  const sandboxOptions = { port: 0, apiToken: CANARY.BANSKY_API_TOKEN, postbackSecret: CANARY.BANSKY_POSTBACK_SECRET };
  const [test, live, recorder] = await Promise.all([
    startBanskySandbox(sandboxOptions),
    startBanskySandbox(sandboxOptions),
    startHttpRecorder(),
  ]);
  project.provide('banskyTestUrl', test.url);
  project.provide('banskyLiveUrl', live.url);
  project.provide('recorderUrl', recorder.url);
  project.provide('benchScale', process.env.APAY_BENCH_SCALE === '1');
  return async () => {
    await Promise.all([test.close(), live.close(), recorder.close()]);
  };
}
