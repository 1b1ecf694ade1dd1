import contract from '../../../generated/openapi.json';
import { servedFrom } from '../../docs/specs';
import type { Handler } from '../../http/context';
import type * as routes from './admin.routes';

/** GET /admin/v1/openapi.json: all of openapi.yaml, for operators and their tooling. */
export const getContract: Handler<typeof routes.getContract> = (c) => {
  c.header('Cache-Control', 'no-store');
  return c.json(servedFrom(contract as Record<string, unknown>, c.var.services.config.publicBaseUrl), 200);
};
