import { Hono } from 'hono';
import type { AppEnv } from '../../app-env';
import { docsSecurityHeaders } from '../scalar-page';
import { internalDocsRouter } from './internal';
import { publicDocsRouter } from './public';

/** Public docs (/docs) and password-protected internal docs (/internal). Not API operations. */
export const docsRouter = new Hono<AppEnv>();

for (const path of ['/docs', '/docs/*', '/internal', '/internal/*']) docsRouter.use(path, docsSecurityHeaders());
docsRouter.route('/', publicDocsRouter);
docsRouter.route('/', internalDocsRouter);
