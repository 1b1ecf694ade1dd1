import { createRouter } from '../http/openapi';
import * as list from './list.handlers';
import * as listRoutes from './list.routes';
import * as handlers from './payments.handlers';
import * as routes from './payments.routes';

export const paymentsRouter = createRouter()
  .openapi(routes.initPayment, handlers.initPayment)
  .openapi(routes.getPayment, handlers.getPayment)
  .openapi(listRoutes.listPayments, list.listPayments)
  .openapi(listRoutes.resendPostback, list.resendPostback);
