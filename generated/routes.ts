// Written by scripts/generate-routes.mjs from openapi.yaml. Do not edit: run `npm run generate`.
// The route of every operation this Worker serves, exactly as the contract declares it. Handlers bind
// to them by operationId in src/api/operations.ts, and the auth each needs comes from `security`.
import { createRoute } from '@hono/zod-openapi';
// A namespace import: esbuild shakes `z.x` member by member then (`import { z }` bundles all of zod).
import * as z from 'zod';
import * as g from './api/zod.gen';

// Descriptions stay in openapi.yaml (the Worker serves the contract itself, not a document built from
// these routes), so they do not weigh on the bundle.
const problem = { 'application/problem+json': { schema: g.zProblem } } as const;
const html = { 'text/html': { schema: z.string() } } as const;
const json = <T>(schema: T) => ({ 'application/json': { schema } }) as const;
/** One of an operation's alternative security requirements (typed, so alternatives with different names infer). */
type Requirement = Record<string, string[]>;

/** Query strings are text: an integer-looking value becomes the number an `integer` parameter declares. */
const queryInteger = (v: unknown) => (typeof v === 'string' && /^-?\d{1,15}$/.test(v) ? Number(v) : v);

/**
 * `style: deepObject` parameters arrive as flat entries: `{ 'metadata[a]': '1' }` → `{ metadata: { a: '1' } }`
 * before the query schema validates them. Typed as the schema itself: the router takes object schemas.
 */
const foldDeepObjects = <T extends z.ZodObject>(names: string[], schema: T): T =>
  z.preprocess((query: unknown) => {
    if (typeof query !== 'object' || query === null) return query;
    let out: Record<string, unknown> | null = null;
    for (const [entry, value] of Object.entries(query)) {
      const m = /^([A-Za-z0-9_]+)\[([^\]]*)\]$/.exec(entry);
      if (!m || !names.includes(m[1]!)) continue;
      out ??= { ...query };
      delete out[entry];
      out[m[1]!] = { ...(out[m[1]!] as Record<string, unknown> | undefined), [m[2]!]: value };
    }
    return out ?? query;
  }, schema) as unknown as T;

export const initPayment = createRoute({
  operationId: 'initPayment',
  method: 'post',
  path: '/api/v1/init-payment',
  security: [{ shopToken: [] }, { shopTokenScheme: [] }] as Requirement[],
  request: { body: { required: true, content: { 'application/json': { schema: g.zInitPaymentBody.strict() } } } },
  responses: {
    200: { description: '', content: json(g.zPaymentStarted) },
    201: { description: '', content: json(g.zPaymentStarted) },
    400: { description: '', content: problem },
    401: { description: '', content: problem },
    403: { description: '', content: problem },
    409: { description: '', content: problem },
    413: { description: '', content: problem },
    415: { description: '', content: problem },
    429: { description: '', content: problem },
    500: { description: '', content: problem },
    502: { description: '', content: problem },
    503: { description: '', content: problem },
    504: { description: '', content: problem },
  },
});

export const getPayment = createRoute({
  operationId: 'getPayment',
  method: 'get',
  path: '/api/v1/payments/{id}',
  security: [{ shopToken: [] }, { shopTokenScheme: [] }] as Requirement[],
  request: { params: g.zGetPaymentPath },
  responses: {
    200: { description: '', content: json(g.zPayment) },
    400: { description: '', content: problem },
    401: { description: '', content: problem },
    403: { description: '', content: problem },
    404: { description: '', content: problem },
    429: { description: '', content: problem },
    500: { description: '', content: problem },
    503: { description: '', content: problem },
  },
});

export const listPayments = createRoute({
  operationId: 'listPayments',
  method: 'get',
  path: '/api/v1/payments',
  security: [{ shopToken: [] }, { shopTokenScheme: [] }] as Requirement[],
  request: { query: foldDeepObjects(['metadata'], g.zListPaymentsQuery.extend({ limit: z.preprocess(queryInteger, g.zListPaymentsQuery.shape.limit) })) },
  responses: {
    200: { description: '', content: json(g.zPaymentList) },
    400: { description: '', content: problem },
    401: { description: '', content: problem },
    403: { description: '', content: problem },
    429: { description: '', content: problem },
    500: { description: '', content: problem },
    503: { description: '', content: problem },
  },
});

export const resendPostback = createRoute({
  operationId: 'resendPostback',
  method: 'post',
  path: '/api/v1/payments/{id}/postback',
  security: [{ shopToken: [] }, { shopTokenScheme: [] }] as Requirement[],
  request: { params: g.zResendPostbackPath },
  responses: {
    202: { description: '', content: json(g.zRedeliveryAccepted) },
    400: { description: '', content: problem },
    401: { description: '', content: problem },
    403: { description: '', content: problem },
    404: { description: '', content: problem },
    409: { description: '', content: problem },
    429: { description: '', content: problem },
    500: { description: '', content: problem },
    503: { description: '', content: problem },
  },
});

export const listEvents = createRoute({
  operationId: 'listEvents',
  method: 'get',
  path: '/api/v1/events',
  security: [{ shopToken: [] }, { shopTokenScheme: [] }] as Requirement[],
  request: { query: g.zListEventsQuery.extend({ limit: z.preprocess(queryInteger, g.zListEventsQuery.shape.limit) }) },
  responses: {
    200: { description: '', content: json(g.zEventList) },
    400: { description: '', content: problem },
    401: { description: '', content: problem },
    403: { description: '', content: problem },
    429: { description: '', content: problem },
    500: { description: '', content: problem },
    503: { description: '', content: problem },
  },
});

export const getEvent = createRoute({
  operationId: 'getEvent',
  method: 'get',
  path: '/api/v1/events/{id}',
  security: [{ shopToken: [] }, { shopTokenScheme: [] }] as Requirement[],
  request: { params: g.zGetEventPath },
  responses: {
    200: { description: '', content: json(g.zEvent) },
    400: { description: '', content: problem },
    401: { description: '', content: problem },
    403: { description: '', content: problem },
    404: { description: '', content: problem },
    429: { description: '', content: problem },
    500: { description: '', content: problem },
    503: { description: '', content: problem },
  },
});

export const listen = createRoute({
  operationId: 'listen',
  method: 'get',
  path: '/api/v1/listen',
  security: [{ shopToken: [] }, { shopTokenScheme: [] }] as Requirement[],
  responses: {
    101: { description: '' },
    400: { description: '', content: problem },
    401: { description: '', content: problem },
    403: { description: '', content: problem },
    426: { description: '', content: problem },
    429: { description: '', content: problem },
    500: { description: '', content: problem },
    503: { description: '', content: problem },
  },
});

export const openPayLink = createRoute({
  operationId: 'openPayLink',
  method: 'get',
  path: '/integration/pay',
  security: [] as Requirement[],
  request: { query: g.zOpenPayLinkQuery },
  responses: {
    302: { description: '' },
    400: { description: '', content: html },
    403: { description: '', content: html },
    404: { description: '', content: html },
    409: { description: '', content: html },
    410: { description: '', content: html },
    429: { description: '', content: problem },
    500: { description: '', content: problem },
    503: { description: '', content: problem },
  },
});

export const returnSuccess = createRoute({
  operationId: 'returnSuccess',
  method: 'get',
  path: '/integration/success',
  security: [] as Requirement[],
  request: { query: g.zReturnSuccessQuery },
  responses: {
    302: { description: '' },
    400: { description: '', content: html },
    404: { description: '', content: html },
    429: { description: '', content: problem },
    500: { description: '', content: problem },
    503: { description: '', content: problem },
  },
});

export const returnError = createRoute({
  operationId: 'returnError',
  method: 'get',
  path: '/integration/error',
  security: [] as Requirement[],
  request: { query: g.zReturnErrorQuery },
  responses: {
    302: { description: '' },
    400: { description: '', content: html },
    404: { description: '', content: html },
    429: { description: '', content: problem },
    500: { description: '', content: problem },
    503: { description: '', content: problem },
  },
});

export const receiveBanskyPostback = createRoute({
  operationId: 'receiveBanskyPostback',
  method: 'post',
  path: '/api/payment-verify',
  security: [{ banskySignature: [] }] as Requirement[],
  request: { body: { required: true, content: { 'application/json': { schema: g.zReceiveBanskyPostbackBody } } } },
  responses: {
    200: { description: '', content: json(g.zBanskyPostbackAck) },
    400: { description: '', content: problem },
    401: { description: '', content: problem },
    404: { description: '', content: problem },
    413: { description: '', content: problem },
    415: { description: '', content: problem },
    422: { description: '', content: problem },
    429: { description: '', content: problem },
    500: { description: '', content: problem },
    503: { description: '', content: problem },
  },
});

export const getHealth = createRoute({
  operationId: 'getHealth',
  method: 'get',
  path: '/healthz',
  security: [] as Requirement[],
  responses: {
    200: { description: '', content: json(g.zHealth) },
    429: { description: '', content: problem },
    500: { description: '', content: problem },
    503: { description: '', content: problem },
  },
});

export const getContract = createRoute({
  operationId: 'getContract',
  method: 'get',
  path: '/openapi.json',
  security: [] as Requirement[],
  responses: {
    200: { description: '', content: json(g.zGetContractResponse) },
    429: { description: '', content: problem },
    500: { description: '', content: problem },
    503: { description: '', content: problem },
  },
});

export const getContractYaml = createRoute({
  operationId: 'getContractYaml',
  method: 'get',
  path: '/openapi.yaml',
  security: [] as Requirement[],
  responses: {
    200: { description: '', content: { 'application/yaml': { schema: g.zGetContractYamlResponse } } },
    429: { description: '', content: problem },
    500: { description: '', content: problem },
    503: { description: '', content: problem },
  },
});

export const adminListShops = createRoute({
  operationId: 'adminListShops',
  method: 'get',
  path: '/admin/v1/shops',
  security: [{ adminToken: [] }] as Requirement[],
  request: { query: g.zAdminListShopsQuery.extend({ limit: z.preprocess(queryInteger, g.zAdminListShopsQuery.shape.limit) }) },
  responses: {
    200: { description: '', content: json(g.zShopList) },
    400: { description: '', content: problem },
    401: { description: '', content: problem },
    429: { description: '', content: problem },
    500: { description: '', content: problem },
    503: { description: '', content: problem },
  },
});

export const adminCreateShop = createRoute({
  operationId: 'adminCreateShop',
  method: 'post',
  path: '/admin/v1/shops',
  security: [{ adminToken: [] }] as Requirement[],
  request: { body: { required: true, content: { 'application/json': { schema: g.zAdminCreateShopBody.strict() } } } },
  responses: {
    201: { description: '', content: json(g.zCreateShopResponse) },
    400: { description: '', content: problem },
    401: { description: '', content: problem },
    413: { description: '', content: problem },
    415: { description: '', content: problem },
    429: { description: '', content: problem },
    500: { description: '', content: problem },
    503: { description: '', content: problem },
  },
});

export const adminGetShop = createRoute({
  operationId: 'adminGetShop',
  method: 'get',
  path: '/admin/v1/shops/{shopId}',
  security: [{ adminToken: [] }] as Requirement[],
  request: { params: g.zAdminGetShopPath },
  responses: {
    200: { description: '', content: json(g.zShop) },
    400: { description: '', content: problem },
    401: { description: '', content: problem },
    404: { description: '', content: problem },
    429: { description: '', content: problem },
    500: { description: '', content: problem },
    503: { description: '', content: problem },
  },
});

export const adminUpdateShop = createRoute({
  operationId: 'adminUpdateShop',
  method: 'patch',
  path: '/admin/v1/shops/{shopId}',
  security: [{ adminToken: [] }] as Requirement[],
  request: { params: g.zAdminUpdateShopPath, body: { required: true, content: { 'application/json': { schema: g.zAdminUpdateShopBody.strict().refine((b) => Object.keys(b).length >= 1, { message: 'at least one field is required' }) } } } },
  responses: {
    200: { description: '', content: json(g.zShop) },
    400: { description: '', content: problem },
    401: { description: '', content: problem },
    404: { description: '', content: problem },
    413: { description: '', content: problem },
    415: { description: '', content: problem },
    429: { description: '', content: problem },
    500: { description: '', content: problem },
    503: { description: '', content: problem },
  },
});

export const adminListTokens = createRoute({
  operationId: 'adminListTokens',
  method: 'get',
  path: '/admin/v1/shops/{shopId}/tokens',
  security: [{ adminToken: [] }] as Requirement[],
  request: { params: g.zAdminListTokensPath, query: g.zAdminListTokensQuery.extend({ limit: z.preprocess(queryInteger, g.zAdminListTokensQuery.shape.limit) }) },
  responses: {
    200: { description: '', content: json(g.zTokenList) },
    400: { description: '', content: problem },
    401: { description: '', content: problem },
    404: { description: '', content: problem },
    429: { description: '', content: problem },
    500: { description: '', content: problem },
    503: { description: '', content: problem },
  },
});

export const adminIssueToken = createRoute({
  operationId: 'adminIssueToken',
  method: 'post',
  path: '/admin/v1/shops/{shopId}/tokens',
  security: [{ adminToken: [] }] as Requirement[],
  request: { params: g.zAdminIssueTokenPath, body: { required: true, content: { 'application/json': { schema: g.zAdminIssueTokenBody.strict() } } } },
  responses: {
    201: { description: '', content: json(g.zIssuedToken) },
    400: { description: '', content: problem },
    401: { description: '', content: problem },
    404: { description: '', content: problem },
    413: { description: '', content: problem },
    415: { description: '', content: problem },
    429: { description: '', content: problem },
    500: { description: '', content: problem },
    503: { description: '', content: problem },
  },
});

export const adminRevokeToken = createRoute({
  operationId: 'adminRevokeToken',
  method: 'delete',
  path: '/admin/v1/shops/{shopId}/tokens/{tokenId}',
  security: [{ adminToken: [] }] as Requirement[],
  request: { params: g.zAdminRevokeTokenPath },
  responses: {
    200: { description: '', content: json(g.zTokenInfo) },
    400: { description: '', content: problem },
    401: { description: '', content: problem },
    404: { description: '', content: problem },
    429: { description: '', content: problem },
    500: { description: '', content: problem },
    503: { description: '', content: problem },
  },
});

export const adminRotateWebhookSecret = createRoute({
  operationId: 'adminRotateWebhookSecret',
  method: 'post',
  path: '/admin/v1/shops/{shopId}/webhook-secret',
  security: [{ adminToken: [] }] as Requirement[],
  request: { params: g.zAdminRotateWebhookSecretPath, body: { required: false, content: { 'application/json': { schema: g.zAdminRotateWebhookSecretBody.strict() } } } },
  responses: {
    201: { description: '', content: json(g.zRotateWebhookSecretResponse) },
    400: { description: '', content: problem },
    401: { description: '', content: problem },
    404: { description: '', content: problem },
    413: { description: '', content: problem },
    415: { description: '', content: problem },
    429: { description: '', content: problem },
    500: { description: '', content: problem },
    503: { description: '', content: problem },
  },
});

export const adminGetPayment = createRoute({
  operationId: 'adminGetPayment',
  method: 'get',
  path: '/admin/v1/payments/{paymentId}',
  security: [{ adminToken: [] }] as Requirement[],
  request: { params: g.zAdminGetPaymentPath },
  responses: {
    200: { description: '', content: json(g.zAdminPayment) },
    400: { description: '', content: problem },
    401: { description: '', content: problem },
    404: { description: '', content: problem },
    429: { description: '', content: problem },
    500: { description: '', content: problem },
    503: { description: '', content: problem },
  },
});

export const adminRedeliverPostback = createRoute({
  operationId: 'adminRedeliverPostback',
  method: 'post',
  path: '/admin/v1/payments/{paymentId}/redeliver',
  security: [{ adminToken: [] }] as Requirement[],
  request: { params: g.zAdminRedeliverPostbackPath },
  responses: {
    202: { description: '', content: json(g.zRedeliveryAccepted) },
    400: { description: '', content: problem },
    401: { description: '', content: problem },
    404: { description: '', content: problem },
    409: { description: '', content: problem },
    429: { description: '', content: problem },
    500: { description: '', content: problem },
    503: { description: '', content: problem },
  },
});

export const adminGetContract = createRoute({
  operationId: 'adminGetContract',
  method: 'get',
  path: '/admin/v1/openapi.json',
  security: [{ adminToken: [] }] as Requirement[],
  responses: {
    200: { description: '', content: json(g.zAdminGetContractResponse) },
    401: { description: '', content: problem },
    429: { description: '', content: problem },
    500: { description: '', content: problem },
    503: { description: '', content: problem },
  },
});

export const adminListDeadLetters = createRoute({
  operationId: 'adminListDeadLetters',
  method: 'get',
  path: '/admin/v1/postbacks/dead-letters',
  security: [{ adminToken: [] }] as Requirement[],
  request: { query: g.zAdminListDeadLettersQuery.extend({ limit: z.preprocess(queryInteger, g.zAdminListDeadLettersQuery.shape.limit) }) },
  responses: {
    200: { description: '', content: json(g.zDeadLetterList) },
    400: { description: '', content: problem },
    401: { description: '', content: problem },
    429: { description: '', content: problem },
    500: { description: '', content: problem },
    503: { description: '', content: problem },
  },
});

export const adminListMembers = createRoute({
  operationId: 'adminListMembers',
  method: 'get',
  path: '/admin/v1/shops/{shopId}/members',
  security: [{ adminToken: [] }] as Requirement[],
  request: { params: g.zAdminListMembersPath },
  responses: {
    200: { description: '', content: json(g.zMemberList) },
    400: { description: '', content: problem },
    401: { description: '', content: problem },
    404: { description: '', content: problem },
    429: { description: '', content: problem },
    500: { description: '', content: problem },
    503: { description: '', content: problem },
  },
});

export const adminInviteMember = createRoute({
  operationId: 'adminInviteMember',
  method: 'post',
  path: '/admin/v1/shops/{shopId}/members',
  security: [{ adminToken: [] }] as Requirement[],
  request: { params: g.zAdminInviteMemberPath, body: { required: true, content: { 'application/json': { schema: g.zAdminInviteMemberBody.strict() } } } },
  responses: {
    201: { description: '', content: json(g.zMemberInvite) },
    400: { description: '', content: problem },
    401: { description: '', content: problem },
    404: { description: '', content: problem },
    409: { description: '', content: problem },
    413: { description: '', content: problem },
    415: { description: '', content: problem },
    429: { description: '', content: problem },
    500: { description: '', content: problem },
    503: { description: '', content: problem },
  },
});

export const adminRemoveMember = createRoute({
  operationId: 'adminRemoveMember',
  method: 'delete',
  path: '/admin/v1/shops/{shopId}/members/{memberId}',
  security: [{ adminToken: [] }] as Requirement[],
  request: { params: g.zAdminRemoveMemberPath },
  responses: {
    200: { description: '', content: json(g.zMember) },
    400: { description: '', content: problem },
    401: { description: '', content: problem },
    404: { description: '', content: problem },
    429: { description: '', content: problem },
    500: { description: '', content: problem },
    503: { description: '', content: problem },
  },
});

/** Every operation we serve, by operationId. */
export const operations = { initPayment, getPayment, listPayments, resendPostback, listEvents, getEvent, listen, openPayLink, returnSuccess, returnError, receiveBanskyPostback, getHealth, getContract, getContractYaml, adminListShops, adminCreateShop, adminGetShop, adminUpdateShop, adminListTokens, adminIssueToken, adminRevokeToken, adminRotateWebhookSecret, adminGetPayment, adminRedeliverPostback, adminGetContract, adminListDeadLetters, adminListMembers, adminInviteMember, adminRemoveMember } as const;

export type OperationId = keyof typeof operations;

/** The security schemes our operations name; each maps to one check in src/api/operations.ts. */
export type SecuritySchemeName = 'shopToken' | 'shopTokenScheme' | 'banskySignature' | 'adminToken';
