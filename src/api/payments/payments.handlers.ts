import { derivePaymentId, paymentIdKey, randomPaymentId, requestFingerprint } from '../../core/payments/ids';
import { payLinkFor, toPublicPayment } from '../../core/payments/record';
import { differingFields, validatePayment } from '../../core/payments/rules';
import { assertSafeText } from '../../platform/input/text-policy';
import { ApiError } from '../../platform/problem';
import type { Handler } from '../http/context';

/**
 * POST /api/v1/init-payment: rules beyond the schema, then the payment's Durable Object does the
 * rest (record, call Bansky once, transaction log, analytics). With a shop id the payment id is
 * derived from it, so a replay reaches the same object and gets the same answer.
 */
export const initPayment: Handler<'initPayment'> = async (c) => {
  const body = c.req.valid('json');
  const { shop, token, services, requestId, numberSources } = c.var;
  const mode = token.mode;
  // Controls, bidi and invisible characters, judged on the body as sent: the schema's url()
  // already trimmed and dropped tab/CR/LF, which must be refused, not repaired.
  assertSafeText(await c.req.json());
  const payment = validatePayment(body, shop, mode, { numberSources, reach: services.config });
  const id = body.id ? await derivePaymentId(paymentIdKey(services.config), shop.id, mode, body.id) : randomPaymentId();
  // Of the validated payment: `100`, "100" and "100.00" USD (and an inferred `type`) are one request.
  const fingerprint = await requestFingerprint(payment);

  const outcome = await services.payments.object(id).init({ id, shopId: shop.id, mode, fingerprint, payment, requestId });
  if (outcome.kind === 'conflict') {
    const errors = differingFields(outcome.record, payment);
    const which = errors.length > 0 ? `: ${errors.map((e) => e.path.slice(1)).join(', ')} differ` : '';
    throw new ApiError(409, 'idempotency_conflict', `Transaction id "${body.id}" was already used with a different request body${which}.`, {
      errors,
    });
  }
  const record = outcome.record;
  const replayed = outcome.kind === 'replayed';
  const headers: Record<string, string> = replayed ? { 'idempotent-replayed': 'true' } : {};
  if (record.status === 'init_failed') {
    const failure = record.initFailure ?? { code: 'bansky_error' as const, detail: 'The payment provider could not start this payment.' };
    throw new ApiError(failure.code === 'bansky_timeout' ? 504 : 502, failure.code, failure.detail, { headers });
  }
  services.log.info(replayed ? 'payment init replayed' : 'payment created', { paymentId: id, shopId: shop.id, mode, requestId });
  const answer = { status: 'success' as const, id: record.id, url: payLinkFor(services.config.publicBaseUrl, record.id) };
  return replayed ? c.json(answer, 200, headers) : c.json(answer, 201);
};

/** GET /api/v1/payments/{id}: only the caller's own payment, in the caller token's mode. */
export const getPayment: Handler<'getPayment'> = async (c) => {
  const { id } = c.req.valid('param');
  const { shop, token, services } = c.var;
  const record = await services.payments.get(id);
  // Another shop's or the other mode's payment is indistinguishable from a missing one.
  if (!record || record.shopId !== shop.id || record.mode !== token.mode) {
    throw new ApiError(404, 'payment_not_found', 'No payment with this id exists for your shop in this mode.');
  }
  return c.json(toPublicPayment(record, services.config.publicBaseUrl), 200);
};
