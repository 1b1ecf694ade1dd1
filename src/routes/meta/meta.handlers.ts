import contract from '../../../generated/openapi.json';
import { buildPublicSpec, servedFrom } from '../../docs/specs';
import type { Handler } from '../../http/context';
import type * as routes from './meta.routes';

export const getHealth: Handler<typeof routes.getHealth> = (c) => c.json({ status: 'ok' as const, version: contract.info.version }, 200);

let publicContract: Record<string, unknown> | undefined;

/** The public part of openapi.yaml (what /docs shows and shops generate clients from), served from this deployment. */
export const getContract: Handler<typeof routes.getContract> = (c) => {
  publicContract ??= buildPublicSpec(contract as Record<string, unknown>);
  c.header('Cache-Control', 'public, max-age=300');
  return c.json(servedFrom(publicContract, c.var.services.config.publicBaseUrl), 200);
};
