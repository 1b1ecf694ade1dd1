import { createClient } from '../../../generated/api/client';
import { banskyGetPayment, banskyInitPayment } from '../../../generated/api/sdk.gen';
import type { Mode } from '../../../generated/api/types.gen';
import { zBanskyInitResponse, zBanskyPaymentStatus } from '../../../generated/api/zod.gen';
import { type Clock, elapsedMs } from '../../platform/lib/clock';
import { BanskyFailure, type BanskyGateway, type BanskyResult, type BanskySettings, type CheckoutRequest } from './gateway';
import { verifyBanskySignature } from './signature';

/**
 * The Bansky adapter: the client generated from the `bansky-upstream` part of openapi.yaml, our
 * token from a Worker secret, the base URL by mode, and the return and postback URLs Bansky must
 * use (ours, never the shop's). Every failure becomes a BanskyFailure with a detail that is safe
 * to show a shop (no token, no Bansky body).
 */
export class HttpBanskyGateway implements BanskyGateway {
  constructor(
    private readonly config: BanskySettings,
    private readonly publicBaseUrl: string,
    private readonly clock: Clock,
    private readonly fetchImpl: typeof fetch = (input, init) => fetch(input, init),
  ) {}

  private baseUrl(mode: Mode): string {
    return mode === 'live' ? this.config.liveBaseUrl : this.config.testBaseUrl;
  }

  async startCheckout(p: CheckoutRequest): Promise<{ url: string; latencyMs: number }> {
    const started = this.clock.now();
    const timeout = AbortSignal.timeout(this.config.timeoutMs);
    const client = createClient({ baseUrl: this.baseUrl(p.mode), fetch: this.fetchImpl });
    const back = `?id=${encodeURIComponent(p.id)}`;
    let result: Awaited<ReturnType<typeof banskyInitPayment>>;
    try {
      result = await banskyInitPayment({
        client,
        body: {
          id: p.id,
          email: p.email,
          ...(p.name ? { name: p.name } : {}),
          amount: p.amount,
          currency: p.currency,
          type: p.type,
          successUrl: `${this.publicBaseUrl}/integration/success${back}`,
          errorUrl: `${this.publicBaseUrl}/integration/error${back}`,
          postbackUrl: `${this.publicBaseUrl}/api/payment-verify`,
        },
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
    if (answer?.success) return { url: answer.data.url, latencyMs: elapsedMs(this.clock, started) };
    throw this.failure(timeout, result.response?.status ?? null);
  }

  async lookupPayment(mode: Mode, paymentId: string): Promise<BanskyResult | null> {
    const timeout = AbortSignal.timeout(this.config.timeoutMs);
    const client = createClient({ baseUrl: this.baseUrl(mode), fetch: this.fetchImpl });
    let result: Awaited<ReturnType<typeof banskyGetPayment>>;
    try {
      result = await banskyGetPayment({
        client,
        path: { id: paymentId },
        auth: this.config.apiToken,
        signal: timeout,
        redirect: 'manual',
        parseAs: 'json',
      });
    } catch (err) {
      throw this.failure(timeout, err instanceof Error && err.name === 'ZodError' ? 200 : null);
    }
    if (result.response?.status === 404) return null;
    const answer = result.response?.ok ? zBanskyPaymentStatus.safeParse(result.data) : null;
    if (!answer?.success || answer.data.id !== paymentId) throw this.failure(timeout, result.response?.status ?? null);
    const { status, amount, currency, transactionId, url } = answer.data;
    return { status, amount, currency, transactionId: transactionId ?? null, checkoutUrl: url ?? null };
  }

  /** Valid under any configured secret: during a rotation Bansky signs with the old one until it switches. */
  async verifyPostback(rawBody: ArrayBuffer | Uint8Array, signatureHeader: string | undefined): Promise<boolean> {
    for (const secret of this.config.postbackSecrets) {
      if (await verifyBanskySignature(rawBody, signatureHeader, secret)) return true;
    }
    return false;
  }

  private failure(timeout: AbortSignal, httpStatus: number | null): BanskyFailure {
    if (timeout.aborted) {
      return new BanskyFailure(
        'bansky_timeout',
        `The payment provider did not answer within ${Math.round(this.config.timeoutMs / 1000)} seconds.`,
        null,
      );
    }
    const what =
      httpStatus === null
        ? 'could not be reached'
        : httpStatus === 200
          ? 'answered something unusable'
          : `refused the payment (HTTP ${httpStatus})`;
    return new BanskyFailure('bansky_error', `The payment provider ${what}. Try again with a new transaction id.`, httpStatus);
  }
}
