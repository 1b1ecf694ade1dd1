import { isPaymentId } from '../../core/payments/store';
import { ApiError } from '../../platform/problem';
import type { Handler } from '../http/context';

/**
 * POST /api/payment-verify (signature already verified by the route's middleware). The payment's
 * Durable Object checks amount and currency and applies the result at most once; the shop's
 * postback is queued there, so this answers fast.
 */
export const receiveBanskyPostback: Handler<'receiveBanskyPostback'> = async (c) => {
  const pb = c.req.valid('json');
  const { services, requestId } = c.var;
  const outcome = isPaymentId(pb.id)
    ? await services.payments.object(pb.id).applyBanskyPostback(pb, requestId)
    : { kind: 'not_found' as const };
  switch (outcome.kind) {
    case 'not_found':
      services.log.warn('bansky postback for an unknown payment', { paymentId: pb.id, requestId });
      throw new ApiError(404, 'payment_not_found', 'No payment with this id.');
    case 'mismatch':
      services.log.warn('bansky postback contradicts the payment', { paymentId: pb.id, requestId, detail: outcome.detail });
      throw new ApiError(422, 'postback_mismatch', outcome.detail);
    default:
      services.log.info('bansky postback', { paymentId: pb.id, requestId, outcome: outcome.kind, status: outcome.status });
      return c.json({ status: outcome.kind, paymentStatus: outcome.status }, 200);
  }
};
