import { createRoute } from '@hono/zod-openapi';
import { zGetEventPath, zGetEventResponse, zListEventsQuery, zListEventsResponse } from '../../../generated/api/zod.gen';
import { shopAuth } from '../http/auth';
import { coerceQuery, jsonContent, problems } from '../http/openapi';

/** The events API: each shop's postbacks, kept 30 days, to recover what its endpoint missed. */
export const listEvents = createRoute({
  operationId: 'listEvents',
  method: 'get',
  path: '/api/v1/events',
  tags: ['events'],
  security: [{ shopToken: [] }],
  middleware: [shopAuth()],
  request: { query: coerceQuery(zListEventsQuery) },
  responses: {
    200: jsonContent(zListEventsResponse, 'A page of events.'),
    ...problems(400, 401, 403, 500),
  },
});

export const getEvent = createRoute({
  operationId: 'getEvent',
  method: 'get',
  path: '/api/v1/events/{id}',
  tags: ['events'],
  security: [{ shopToken: [] }],
  middleware: [shopAuth()],
  request: { params: zGetEventPath },
  responses: {
    200: jsonContent(zGetEventResponse, 'The event.'),
    ...problems(400, 401, 403, 404),
  },
});
