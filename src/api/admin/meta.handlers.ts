import { servedAt, servedFrom } from '../contract/specs';
import type { Handler } from '../http/context';

/** GET /admin/v1/openapi.json: all of openapi.yaml, for operators and their tooling. */
export const getContract: Handler<'adminGetContract'> = async (c) => {
  const spec = await c.var.services.documents.fullContract();
  c.header('Cache-Control', 'no-store');
  return c.json(servedFrom(spec, servedAt(c.req.url, c.var.services.config.publicBaseUrl)), 200);
};
