import { createRoute } from '@hono/zod-openapi';
import { zListPaymentsQuery, zListPaymentsResponse, zResendPostbackPath, zResendPostbackResponse } from '../../../generated/api/zod.gen';
import { shopAuth } from '../http/auth';
import { coerceQuery, jsonContent, problems } from '../http/openapi';

/** The payments list and the shop's own postback resend (issue 12); the app uses the same domain code. */
export const listPayments = createRoute({
  operationId: 'listPayments',
  method: 'get',
  path: '/api/v1/payments',
  tags: ['payments'],
  security: [{ shopToken: [] }],
  middleware: [shopAuth()],
  request: { query: coerceQuery(zListPaymentsQuery) },
  responses: {
    200: jsonContent(zListPaymentsResponse, 'A page of payments and the totals of the whole filtered range.'),
    ...problems(400, 401, 403, 500),
  },
});

export const resendPostback = createRoute({
  operationId: 'resendPostback',
  method: 'post',
  path: '/api/v1/payments/{id}/postback',
  tags: ['payments'],
  security: [{ shopToken: [] }],
  middleware: [shopAuth()],
  request: { params: zResendPostbackPath },
  responses: {
    202: jsonContent(zResendPostbackResponse, 'The postback is queued.'),
    ...problems(400, 401, 403, 404, 409, 429, 500),
  },
});
