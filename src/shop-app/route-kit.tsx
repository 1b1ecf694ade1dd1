/** @jsxImportSource hono/jsx */
import type { Context, MiddlewareHandler } from 'hono';
import { AppPage, type Frame, Notice } from './layout';
import { can, type Permission } from './members/roles';
import type { Actor } from './members/service';
import { MessagePage } from './pages/auth';
import { type AppPageEnv, requireCsrf, requireSession } from './security';

/** What every router of the shop app shares: the signed-in guards, the page frame, form fields. */
export type C = Context<AppPageEnv>;

export const signedIn = [requireSession(), requireCsrf()] as const;

export function frame(c: C, here: string): Frame {
  const s = c.var.session;
  return { shopName: c.var.appShop.name, email: s.email, mode: s.mode, csrf: s.csrf, role: s.role, here };
}

/** The signed-in member, as the audit list names them. */
export const actor = (c: C): Actor => ({ memberId: c.var.session.memberId, email: c.var.session.email });

const PERMISSION_TEXT: Record<Permission, string> = {
  team: 'invite, remove or change members',
  audit: 'read the audit list',
  tokens: 'create or revoke API tokens',
  'webhook-secret': 'rotate the webhook secret',
  'test-postback': 'send test postbacks',
  'resend-postback': 'resend postbacks',
};

/**
 * The role check of a route, on the server: a member whose role lacks `permission` gets 403 and
 * nothing happens, whatever the page showed them. Runs after `signedIn`.
 */
export const allowed =
  (permission: Permission): MiddlewareHandler<AppPageEnv> =>
  async (c, next) => {
    if (can(c.var.session.role, permission)) return next();
    c.var.services.log.warn('shop app action refused for the role', {
      shopId: c.var.session.shopId,
      memberId: c.var.session.memberId,
      role: c.var.session.role,
      permission,
    });
    return c.html(
      <AppPage title="Not allowed" frame={frame(c, '/app/payments')} nav="payments">
        <h1>Not allowed for your role</h1>
        <Notice tone="bad">
          As a {c.var.session.role} you cannot {PERMISSION_TEXT[permission]}. Ask an owner of {c.var.appShop.name} to do it, or to change
          your role.
        </Notice>
      </AppPage>,
      403,
    );
  };

/** The posted form's text fields (files and repeated keys dropped). */
export async function form(c: C): Promise<Record<string, string>> {
  const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  return Object.fromEntries(Object.entries(body).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

export const crossSite = (c: C) =>
  c.html(
    <MessagePage
      title="Sign in from this site"
      message="This form was sent from another site. Open the AimbrellaPay app directly and try again."
    />,
    403,
  );
