/**
 * The shop app as a browser uses it, inside workerd: cookies carried by hand, forms posted as
 * application/x-www-form-urlencoded with the page's CSRF token, Origin set like a browser does.
 */
import type { MemberRole } from '../../generated/api/types.gen';
import { adminCall, BASE, worker } from './helpers';

export const PASSWORD = 'correct horse battery staple';
export const ORIGIN = new URL(BASE).origin;

export async function invite(
  shopId: string,
  email: string,
  role?: MemberRole,
): Promise<{ token: string; memberId: string; inviteUrl: string }> {
  const res = await adminCall('POST', `/admin/v1/shops/${shopId}/members`, { email, ...(role ? { role } : {}) });
  if (res.status !== 201) throw new Error(`invite: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { member: { id: string }; inviteUrl: string };
  return { token: body.inviteUrl.split('/app/invite/')[1]!, memberId: body.member.id, inviteUrl: body.inviteUrl };
}

function cookieOf(res: Response, name: string): string | null {
  const set = res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  const value = set?.split(';')[0]?.slice(name.length + 1);
  return value ? value : null;
}

export const sessionCookieOf = (res: Response) => cookieOf(res, '__Host-apay_app_session');
/** The device cookie a successful sign-in sets when the browser had none for this member. */
export const deviceCookieOf = (res: Response) => cookieOf(res, '__Host-apay_app_device');

export async function appGet(path: string, cookie?: string | null): Promise<Response> {
  return worker.fetch(BASE + path, { redirect: 'manual', headers: cookie ? { cookie: `__Host-apay_app_session=${cookie}` } : {} });
}

export async function appPost(
  path: string,
  fields: Record<string, string>,
  opts: { cookie?: string | null; device?: string | null; origin?: string | null; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', ...(opts.headers ?? {}) };
  const cookies = [opts.cookie && `__Host-apay_app_session=${opts.cookie}`, opts.device && `__Host-apay_app_device=${opts.device}`].filter(
    Boolean,
  );
  if (cookies.length) headers.cookie = cookies.join('; ');
  const origin = opts.origin === undefined ? ORIGIN : opts.origin;
  if (origin) headers.origin = origin;
  return worker.fetch(BASE + path, { method: 'POST', redirect: 'manual', headers, body: new URLSearchParams(fields).toString() });
}

export const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

/** A member who has accepted an invite: their session cookie and the CSRF token of their session. */
export async function signedInMember(shopId: string, email = `staff-${crypto.randomUUID().slice(0, 8)}@shop.example`, role?: MemberRole) {
  const { token, memberId } = await invite(shopId, email, role);
  const res = await appPost(`/app/invite/${token}`, { password: PASSWORD, confirm: PASSWORD });
  if (res.status !== 303) throw new Error(`accept invite: ${res.status} ${await res.text()}`);
  const cookie = sessionCookieOf(res)!;
  const page = await appGet('/app/payments', cookie);
  const csrf = csrfOf(await page.text());
  return { email, memberId, cookie, csrf, device: deviceCookieOf(res)! };
}
