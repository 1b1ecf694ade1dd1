import { Hono } from 'hono';
import { servedAt, servedFrom } from '../../api/contract/specs';
import type { AppEnv } from '../../app-env';
import { renderScalarPage } from '../scalar-page';

/** /docs: the integration guide and the API reference of what shops use, nothing internal. */
export const publicDocsRouter = new Hono<AppEnv>();

publicDocsRouter.get('/docs', async (c) => {
  const html = await renderScalarPage(c, { specUrl: '/docs/openapi.json', title: 'AimbrellaPay API — integration guide and reference' });
  c.header('Cache-Control', 'public, max-age=300');
  return c.html(html);
});

publicDocsRouter.get('/docs/', (c) => c.redirect('/docs', 301));

publicDocsRouter.get('/docs/openapi.json', async (c) => {
  const spec = await c.var.services.documents.publicDocsSpec();
  c.header('Cache-Control', 'public, max-age=300');
  return c.json(servedFrom(spec, servedAt(c.req.url, c.var.services.config.publicBaseUrl)));
});
