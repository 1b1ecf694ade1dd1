import { createRoute } from '@hono/zod-openapi';
import { zListenHeaders } from '../../../generated/api/zod.gen';
import { shopAuth } from '../http/auth';
import { problems } from '../http/openapi';

/** `aimbrellapay listen`: a WebSocket of the shop's test-mode postbacks (src/core/listen/). */
export const listen = createRoute({
  operationId: 'listen',
  method: 'get',
  path: '/api/v1/listen',
  tags: ['events'],
  security: [{ shopToken: [] }],
  middleware: [shopAuth()],
  request: { headers: zListenHeaders },
  responses: {
    101: { description: 'Switching Protocols. The WebSocket session is open.' },
    426: {
      ...problems(426)[426],
      description: 'Not a WebSocket upgrade request.',
      headers: { Upgrade: { description: '`websocket`.', schema: { type: 'string' } } },
    },
    ...problems(400, 401, 403, 500),
  },
});
