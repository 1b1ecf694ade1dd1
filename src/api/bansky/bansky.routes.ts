import { createRoute } from '@hono/zod-openapi';
import { zReceiveBanskyPostbackBody, zReceiveBanskyPostbackResponse } from '../../../generated/api/zod.gen';
import { jsonBody, jsonContent, problems } from '../http/openapi';
import { verifyBanskySignatureMiddleware } from './verify-signature';

export const receiveBanskyPostback = createRoute({
  operationId: 'receiveBanskyPostback',
  method: 'post',
  path: '/api/payment-verify',
  tags: ['bansky'],
  security: [{ banskySignature: [] }],
  middleware: [verifyBanskySignatureMiddleware()],
  request: { body: jsonBody(zReceiveBanskyPostbackBody) },
  responses: {
    200: jsonContent(zReceiveBanskyPostbackResponse),
    ...problems(400, 401, 404, 413, 415, 422),
  },
});
