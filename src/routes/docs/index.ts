import { Hono } from 'hono';
import { docsSecurityHeaders } from '../../docs/scalar-page';
import type { AppEnv } from '../../http/context';
import { internalDocsRouter } from './internal';
import { publicDocsRouter } from './public';

/** Public docs (/docs) and password-protected internal docs (/internal). Not API operations. */
export const docsRouter = new Hono<AppEnv>();

for (const path of ['/docs', '/docs/*', '/internal', '/internal/*']) docsRouter.use(path, docsSecurityHeaders());
docsRouter.route('/', publicDocsRouter);
docsRouter.route('/', internalDocsRouter);
