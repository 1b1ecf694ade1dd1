import { createRouter } from '../http/openapi';
import * as handlers from './meta.handlers';
import * as routes from './meta.routes';

export const metaRouter = createRouter()
  .openapi(routes.getHealth, handlers.getHealth)
  .openapi(routes.getContract, handlers.getContract)
  .openapi(routes.getContractYaml, handlers.getContractYaml);
