import { createRouter } from '../http/openapi';
import * as handlers from './bansky.handlers';
import * as routes from './bansky.routes';

export const banskyRouter = createRouter().openapi(routes.receiveBanskyPostback, handlers.receiveBanskyPostback);
