import { createRouter } from '../../http/openapi';
import * as handlers from './payments.handlers';
import * as routes from './payments.routes';

export const paymentsRouter = createRouter()
  .openapi(routes.initPayment, handlers.initPayment)
  .openapi(routes.getPayment, handlers.getPayment);
