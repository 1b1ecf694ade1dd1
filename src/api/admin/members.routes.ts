import { createRoute } from '@hono/zod-openapi';
import * as g from '../../../generated/api/zod.gen';
import { adminAuth } from '../http/auth';
import { jsonBody, jsonContent, problems } from '../http/openapi';

/** Shop app members (issue 12): invite (or reset), list, remove. */
const admin = { tags: ['admin'], security: [{ adminToken: [] }], middleware: [adminAuth()] };

export const listMembers = createRoute({
  ...admin,
  operationId: 'adminListMembers',
  method: 'get',
  path: '/admin/v1/shops/{shopId}/members',
  request: { params: g.zAdminListMembersPath },
  responses: { 200: jsonContent(g.zAdminListMembersResponse), ...problems(400, 401, 404, 500) },
});

export const inviteMember = createRoute({
  ...admin,
  operationId: 'adminInviteMember',
  method: 'post',
  path: '/admin/v1/shops/{shopId}/members',
  request: { params: g.zAdminInviteMemberPath, body: jsonBody(g.zAdminInviteMemberBody.strict()) },
  responses: { 201: jsonContent(g.zAdminInviteMemberResponse), ...problems(400, 401, 404, 409, 413, 415, 500) },
});

export const removeMember = createRoute({
  ...admin,
  operationId: 'adminRemoveMember',
  method: 'delete',
  path: '/admin/v1/shops/{shopId}/members/{memberId}',
  request: { params: g.zAdminRemoveMemberPath },
  responses: { 200: jsonContent(g.zAdminRemoveMemberResponse), ...problems(400, 401, 404, 500) },
});
