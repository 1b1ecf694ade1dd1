import { createRoute } from '@hono/zod-openapi';
import { zOpenPayLinkQuery, zReturnErrorQuery, zReturnSuccessQuery } from '../../../generated/api/zod.gen';
import { htmlContent, problems, redirect } from '../http/openapi';

// Browser endpoints answer HTML: a customer, not a program, reads them. Only the answers any
// operation can give (rate limited, failed, unavailable) are problem documents.
export const openPayLink = createRoute({
  operationId: 'openPayLink',
  method: 'get',
  path: '/integration/pay',
  tags: ['browser'],
  request: { query: zOpenPayLinkQuery },
  responses: {
    302: redirect,
    400: htmlContent('Malformed link'),
    403: htmlContent('Shop disabled'),
    404: htmlContent('Unknown link'),
    409: htmlContent('Payment already finished'),
    410: htmlContent('Link expired'),
    ...problems(),
  },
});

export const returnSuccess = createRoute({
  operationId: 'returnSuccess',
  method: 'get',
  path: '/integration/success',
  tags: ['browser'],
  request: { query: zReturnSuccessQuery },
  responses: { 302: redirect, 400: htmlContent('Malformed link'), 404: htmlContent('Unknown link'), ...problems() },
});

export const returnError = createRoute({
  operationId: 'returnError',
  method: 'get',
  path: '/integration/error',
  tags: ['browser'],
  request: { query: zReturnErrorQuery },
  responses: { 302: redirect, 400: htmlContent('Malformed link'), 404: htmlContent('Unknown link'), ...problems() },
});
