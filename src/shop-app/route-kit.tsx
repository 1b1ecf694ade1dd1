/** @jsxImportSource hono/jsx */
import type { Context } from 'hono';
import type { Frame } from './layout';
import { MessagePage } from './pages/auth';
import { requireCsrf, requireSession, type AppPageEnv } from './security';

/** What every router of the shop app shares: the signed-in guards, the page frame, form fields. */
export type C = Context<AppPageEnv>;

export const signedIn = [requireSession(), requireCsrf()] as const;

export function frame(c: C, here: string): Frame {
  const s = c.var.session;
  return { shopName: c.var.appShop.name, email: s.email, mode: s.mode, csrf: s.csrf, here };
}

/** The posted form's text fields (files and repeated keys dropped). */
export async function form(c: C): Promise<Record<string, string>> {
  const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  return Object.fromEntries(Object.entries(body).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

export const crossSite = (c: C) =>
  c.html(<MessagePage title="Sign in from this site" message="This form was sent from another site. Open the AimbrellaPay app directly and try again." />, 403);
