import { toAdminPayment } from '../../core/payments/record';
import { ApiError } from '../../platform/problem';
import type { Handler } from '../http/context';

const paymentNotFound = () => new ApiError(404, 'payment_not_found', 'No payment with this id.');

/** Any payment with its transitions and every postback attempt (operators only). */
export const getPayment: Handler<'adminGetPayment'> = async (c) => {
  const { services } = c.var;
  const record = await services.payments.get(c.req.valid('param').paymentId);
  if (!record) throw paymentNotFound();
  return c.json(toAdminPayment(record, services.config.publicBaseUrl), 200);
};

/** Queues the final-state postback again with the same webhook-id (delivered or dead-lettered). */
export const redeliverPostback: Handler<'adminRedeliverPostback'> = async (c) => {
  const { services, requestId } = c.var;
  const { paymentId } = c.req.valid('param');
  const result = await services.payments.object(paymentId).redeliverPostback(requestId);
  if (!result) throw paymentNotFound();
  if (!result.ok) throw new ApiError(409, 'not_redeliverable', result.reason);
  services.log.info('postback redelivery queued', { paymentId, webhookId: result.webhookId, requestId });
  return c.json({ paymentId, webhookId: result.webhookId, status: 'queued' as const }, 202);
};

export const listDeadLetters: Handler<'adminListDeadLetters'> = async (c) => {
  const { cursor, limit } = c.req.valid('query');
  return c.json(await c.var.services.postbackDeadLetters.list(cursor, limit ?? 50), 200);
};
