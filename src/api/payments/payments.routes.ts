import { createRoute } from '@hono/zod-openapi';
import { zGetPaymentPath, zGetPaymentResponse, zInitPaymentBody, zPaymentStarted } from '../../../generated/api/zod.gen';
import { shopAuth } from '../http/auth';
import { jsonNumberSources } from '../http/json-body';
import { jsonBody, jsonContent, problems } from '../http/openapi';

export const initPayment = createRoute({
  operationId: 'initPayment',
  method: 'post',
  path: '/api/v1/init-payment',
  tags: ['payments'],
  security: [{ shopToken: [] }],
  middleware: [shopAuth(), jsonNumberSources()],
  // strict: a misspelt field ("sucessUrl") is an error the integrator must see, not silently dropped.
  request: { body: jsonBody(zInitPaymentBody.strict()) },
  responses: {
    201: jsonContent(zPaymentStarted, 'Payment created'),
    200: jsonContent(zPaymentStarted, 'Idempotent replay'),
    ...problems(400, 401, 403, 409, 413, 415, 502, 504),
  },
});

export const getPayment = createRoute({
  operationId: 'getPayment',
  method: 'get',
  path: '/api/v1/payments/{id}',
  tags: ['payments'],
  security: [{ shopToken: [] }],
  middleware: [shopAuth()],
  request: { params: zGetPaymentPath },
  responses: {
    200: jsonContent(zGetPaymentResponse),
    ...problems(400, 401, 403, 404),
  },
});
