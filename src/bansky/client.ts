import { createClient } from '../../generated/api/client';
import { banskyInitPayment } from '../../generated/api/sdk.gen';
import { zBanskyInitResponse } from '../../generated/api/zod.gen';
import type { BanskyInitRequest, Mode } from '../../generated/api/types.gen';
import type { Config } from '../env';

/**
 * The one way we talk to Bansky: the client generated from the `bansky-upstream` part of
 * openapi.yaml, our token from a Worker secret, the base URL chosen by mode. Every failure
 * becomes a BanskyFailure with a detail that is safe to show a shop (no token, no Bansky body).
 */
export class BanskyFailure extends Error {
  constructor(
    readonly code: 'bansky_error' | 'bansky_timeout',
    readonly detail: string,
    readonly httpStatus: number | null,
  ) {
    super(detail);
    this.name = 'BanskyFailure';
  }
}

export interface BanskyInitResult {
  url: string;
  latencyMs: number;
}

export class BanskyClient {
  constructor(
    private readonly config: Config['bansky'],
    private readonly fetchImpl: typeof fetch = (input, init) => fetch(input, init),
  ) {}

  baseUrl(mode: Mode): string {
    return mode === 'live' ? this.config.liveBaseUrl : this.config.testBaseUrl;
  }

  async initPayment(mode: Mode, body: BanskyInitRequest): Promise<BanskyInitResult> {
    const started = Date.now();
    const timeout = AbortSignal.timeout(this.config.timeoutMs);
    const client = createClient({ baseUrl: this.baseUrl(mode), fetch: this.fetchImpl });
    let result: Awaited<ReturnType<typeof banskyInitPayment>>;
    try {
      result = await banskyInitPayment({
        client,
        body,
        auth: this.config.apiToken,
        signal: timeout,
        redirect: 'manual', // Bansky's API never redirects; following one would leak our token
        parseAs: 'json', // whatever the content type says: anything but the contract's JSON is an error
      });
    } catch (err) {
      // Thrown by the generated validators (an answer that is not the contract) or by fetch.
      throw this.failure(timeout, err instanceof Error && err.name === 'ZodError' ? 200 : null);
    }
    // The generated validator only runs on JSON answers; check the shape ourselves too.
    const answer = result.response?.ok ? zBanskyInitResponse.safeParse(result.data) : null;
    if (answer?.success) return { url: answer.data.url, latencyMs: Date.now() - started };
    throw this.failure(timeout, result.response?.status ?? null);
  }

  private failure(timeout: AbortSignal, httpStatus: number | null): BanskyFailure {
    if (timeout.aborted) {
      return new BanskyFailure('bansky_timeout', `The payment provider did not answer within ${Math.round(this.config.timeoutMs / 1000)} seconds.`, null);
    }
    const what = httpStatus === null ? 'could not be reached' : httpStatus === 200 ? 'answered something unusable' : `refused the payment (HTTP ${httpStatus})`;
    return new BanskyFailure('bansky_error', `The payment provider ${what}. Try again with a new transaction id.`, httpStatus);
  }
}
