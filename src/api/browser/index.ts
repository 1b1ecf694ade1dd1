import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../http/context';
import * as handlers from './browser.handlers';
import * as routes from './browser.routes';
import { HTML_HEADERS, PAGES } from './pages';

// A customer, not a program, reads these: a malformed link is an HTML page, not problem+json.
export const browserRouter = new OpenAPIHono<AppEnv>({
  defaultHook: (result, c) => (result.success ? undefined : c.body(PAGES.badLink(), 400, HTML_HEADERS)),
})
  .openapi(routes.openPayLink, handlers.openPayLink)
  .openapi(routes.returnSuccess, handlers.returnSuccess)
  .openapi(routes.returnError, handlers.returnError);
