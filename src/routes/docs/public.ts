import { Hono } from 'hono';
import contract from '../../../generated/openapi.json';
import { PUBLIC_GUIDE } from '../../docs/content.gen';
import { renderScalarPage } from '../../docs/scalar-page';
import { buildPublicSpec, servedFrom } from '../../docs/specs';
import type { AppEnv } from '../../http/context';

/** /docs: the integration guide and the API reference of what shops use, nothing internal. */
export const publicDocsRouter = new Hono<AppEnv>();

let publicSpec: Record<string, unknown> | undefined;
const getPublicSpec = () => (publicSpec ??= buildPublicSpec(contract as Record<string, unknown>, PUBLIC_GUIDE));

publicDocsRouter.get('/docs', async (c) => {
  const html = await renderScalarPage(c, { specUrl: '/docs/openapi.json', title: 'AimbrellaPay API — integration guide and reference' });
  c.header('Cache-Control', 'public, max-age=300');
  return c.html(html);
});

publicDocsRouter.get('/docs/', (c) => c.redirect('/docs', 301));

publicDocsRouter.get('/docs/openapi.json', (c) => {
  c.header('Cache-Control', 'public, max-age=300');
  return c.json(servedFrom(getPublicSpec(), c.var.services.config.publicBaseUrl));
});
