import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/context';
import { ApiError } from '../../http/problem';
import { toAdminPayment } from '../../payments/record';
import { paymentObject } from '../../payments/store';
import { listDeadLetters as listDeadLetterPage } from '../../postbacks/dead-letters';
import type * as routes from './admin.routes';

type H<R extends keyof typeof routes> = RouteHandler<(typeof routes)[R], AppEnv>;

const paymentNotFound = () => new ApiError(404, 'payment_not_found', 'No payment with this id.');

/** Any payment with its transitions and every postback attempt (operators only). */
export const getPayment: H<'getPayment'> = async (c) => {
  const { services } = c.var;
  const record = await paymentObject(services.env, c.req.valid('param').paymentId).get();
  if (!record) throw paymentNotFound();
  return c.json(toAdminPayment(record, services.config.publicBaseUrl), 200);
};

/** Queues the final-state postback again with the same webhook-id (delivered or dead-lettered). */
export const redeliverPostback: H<'redeliverPostback'> = async (c) => {
  const { services, requestId } = c.var;
  const { paymentId } = c.req.valid('param');
  const result = await paymentObject(services.env, paymentId).redeliverPostback(requestId);
  if (!result) throw paymentNotFound();
  if (!result.ok) throw new ApiError(409, 'not_redeliverable', result.reason);
  services.log.info('postback redelivery queued', { paymentId, webhookId: result.webhookId, requestId });
  return c.json({ paymentId, webhookId: result.webhookId, status: 'queued' as const }, 202);
};

export const listDeadLetters: H<'listDeadLetters'> = async (c) => {
  const { cursor, limit } = c.req.valid('query');
  return c.json(await listDeadLetterPage(c.var.services.env.KV, cursor, limit ?? 50), 200);
};
