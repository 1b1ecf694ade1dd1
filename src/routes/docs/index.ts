import { Hono } from 'hono';
import type { AppEnv } from '../../http/context';

/** Public docs (/docs) and password-protected internal docs (/internal). Not API operations. */
export const docsRouter = new Hono<AppEnv>();
