import { CONTRACT_VERSION } from '../../../generated/contract-index';
import { servedAt, servedFrom } from '../contract/specs';
import { toYaml } from '../contract/yaml';
import type { Handler } from '../http/context';

export const getHealth: Handler<'getHealth'> = (c) => c.json({ status: 'ok' as const, version: CONTRACT_VERSION }, 200);

/** The public part of openapi.yaml (what /docs shows and shops generate clients from), served from this deployment. */
export const getContract: Handler<'getContract'> = async (c) => {
  const spec = await c.var.services.documents.publicContract();
  c.header('Cache-Control', 'public, max-age=300');
  return c.json(servedFrom(spec, servedAt(c.req.url, c.var.services.config.publicBaseUrl)), 200);
};

/** The same document as YAML, for tools and people who read the contract in its source form. */
export const getContractYaml: Handler<'getContractYaml'> = async (c) => {
  const spec = await c.var.services.documents.publicContract();
  c.header('Cache-Control', 'public, max-age=300');
  return c.body(toYaml(servedFrom(spec, servedAt(c.req.url, c.var.services.config.publicBaseUrl))), 200, {
    'content-type': 'application/yaml; charset=utf-8',
  });
};
