/** What the worker project's globalSetup (test/support/node/worker-global-setup.ts) provides. */
declare module 'vitest' {
  export interface ProvidedContext {
    /** Bansky sandbox for test-mode tokens. */
    banskyTestUrl: string;
    /** A second sandbox standing in for Bansky production (live-mode tokens). */
    banskyLiveUrl: string;
    /** HTTP recorder: shops' postback endpoints, and the relay for what Bansky sends to us. */
    recorderUrl: string;
    /** `npm run bench` only (APAY_BENCH_SCALE=1): the payments list against a million-row shard. */
    benchScale: boolean;
  }
}

export {};
