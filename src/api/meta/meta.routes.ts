import { createRoute } from '@hono/zod-openapi';
import { zGetContractResponse, zGetContractYamlResponse, zGetHealthResponse } from '../../../generated/api/zod.gen';
import { jsonContent, problems } from '../http/openapi';

export const getHealth = createRoute({
  operationId: 'getHealth',
  method: 'get',
  path: '/healthz',
  tags: ['meta'],
  responses: { 200: jsonContent(zGetHealthResponse), ...problems() },
});

export const getContract = createRoute({
  operationId: 'getContract',
  method: 'get',
  path: '/openapi.json',
  tags: ['meta'],
  responses: { 200: jsonContent(zGetContractResponse), ...problems() },
});

export const getContractYaml = createRoute({
  operationId: 'getContractYaml',
  method: 'get',
  path: '/openapi.yaml',
  tags: ['meta'],
  responses: { 200: { description: 'OK', content: { 'application/yaml': { schema: zGetContractYamlResponse } } }, ...problems() },
});
