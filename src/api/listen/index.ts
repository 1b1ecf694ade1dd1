import { createRouter } from '../http/openapi';
import * as handlers from './listen.handlers';
import * as routes from './listen.routes';

export const listenRouter = createRouter().openapi(routes.listen, handlers.listen);
