import { createRoute } from '@hono/zod-openapi';
import * as g from '../../../generated/api/zod.gen';
import { adminAuth } from '../http/auth';
import { coerceQuery, jsonBody, jsonContent, problems } from '../http/openapi';

const admin = { tags: ['admin'], security: [{ adminToken: [] }], middleware: [adminAuth()] };

export const listShops = createRoute({
  ...admin,
  operationId: 'adminListShops',
  method: 'get',
  path: '/admin/v1/shops',
  request: { query: coerceQuery(g.zAdminListShopsQuery) },
  responses: { 200: jsonContent(g.zAdminListShopsResponse), ...problems(400, 401) },
});

export const createShop = createRoute({
  ...admin,
  operationId: 'adminCreateShop',
  method: 'post',
  path: '/admin/v1/shops',
  request: { body: jsonBody(g.zAdminCreateShopBody.strict()) },
  responses: { 201: jsonContent(g.zAdminCreateShopResponse), ...problems(400, 401, 413, 415) },
});

export const getShop = createRoute({
  ...admin,
  operationId: 'adminGetShop',
  method: 'get',
  path: '/admin/v1/shops/{shopId}',
  request: { params: g.zAdminGetShopPath },
  responses: { 200: jsonContent(g.zAdminGetShopResponse), ...problems(400, 401, 404) },
});

export const updateShop = createRoute({
  ...admin,
  operationId: 'adminUpdateShop',
  method: 'patch',
  path: '/admin/v1/shops/{shopId}',
  request: {
    params: g.zAdminUpdateShopPath,
    // minProperties: 1 in the contract: an empty patch is a client mistake, not a no-op.
    body: jsonBody(g.zAdminUpdateShopBody.strict().refine((b) => Object.keys(b).length > 0, { message: 'at least one field is required' })),
  },
  responses: { 200: jsonContent(g.zAdminUpdateShopResponse), ...problems(400, 401, 404, 413, 415) },
});

export const listTokens = createRoute({
  ...admin,
  operationId: 'adminListTokens',
  method: 'get',
  path: '/admin/v1/shops/{shopId}/tokens',
  request: { params: g.zAdminListTokensPath, query: coerceQuery(g.zAdminListTokensQuery) },
  responses: { 200: jsonContent(g.zAdminListTokensResponse), ...problems(400, 401, 404) },
});

export const issueToken = createRoute({
  ...admin,
  operationId: 'adminIssueToken',
  method: 'post',
  path: '/admin/v1/shops/{shopId}/tokens',
  request: { params: g.zAdminIssueTokenPath, body: jsonBody(g.zAdminIssueTokenBody.strict()) },
  responses: { 201: jsonContent(g.zAdminIssueTokenResponse), ...problems(400, 401, 404, 413, 415) },
});

export const revokeToken = createRoute({
  ...admin,
  operationId: 'adminRevokeToken',
  method: 'delete',
  path: '/admin/v1/shops/{shopId}/tokens/{tokenId}',
  request: { params: g.zAdminRevokeTokenPath },
  responses: { 200: jsonContent(g.zAdminRevokeTokenResponse), ...problems(400, 401, 404) },
});

export const rotateWebhookSecret = createRoute({
  ...admin,
  operationId: 'adminRotateWebhookSecret',
  method: 'post',
  path: '/admin/v1/shops/{shopId}/webhook-secret',
  request: { params: g.zAdminRotateWebhookSecretPath, body: jsonBody(g.zAdminRotateWebhookSecretBody.strict(), false) },
  responses: { 201: jsonContent(g.zAdminRotateWebhookSecretResponse), ...problems(400, 401, 404, 413, 415) },
});

export const getPayment = createRoute({
  ...admin,
  operationId: 'adminGetPayment',
  method: 'get',
  path: '/admin/v1/payments/{paymentId}',
  request: { params: g.zAdminGetPaymentPath },
  responses: { 200: jsonContent(g.zAdminGetPaymentResponse), ...problems(400, 401, 404) },
});

export const redeliverPostback = createRoute({
  ...admin,
  operationId: 'adminRedeliverPostback',
  method: 'post',
  path: '/admin/v1/payments/{paymentId}/redeliver',
  request: { params: g.zAdminRedeliverPostbackPath },
  responses: { 202: jsonContent(g.zAdminRedeliverPostbackResponse), ...problems(400, 401, 404, 409) },
});

export const listDeadLetters = createRoute({
  ...admin,
  operationId: 'adminListDeadLetters',
  method: 'get',
  path: '/admin/v1/postbacks/dead-letters',
  request: { query: coerceQuery(g.zAdminListDeadLettersQuery) },
  responses: { 200: jsonContent(g.zAdminListDeadLettersResponse), ...problems(400, 401) },
});

export const getContract = createRoute({
  ...admin,
  operationId: 'adminGetContract',
  method: 'get',
  path: '/admin/v1/openapi.json',
  responses: { 200: jsonContent(g.zAdminGetContractResponse), ...problems(401) },
});
