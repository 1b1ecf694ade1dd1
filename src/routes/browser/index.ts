import { createRouter } from '../../http/openapi';
import * as handlers from './browser.handlers';
import * as routes from './browser.routes';

export const browserRouter = createRouter()
  .openapi(routes.openPayLink, handlers.openPayLink)
  .openapi(routes.returnSuccess, handlers.returnSuccess)
  .openapi(routes.returnError, handlers.returnError);
