/**
 * The shop app as a browser uses it, inside workerd: cookies carried by hand, forms posted as
 * application/x-www-form-urlencoded with the page's CSRF token, Origin set like a browser does.
 */
import { adminCall, BASE, worker } from './helpers';

export const PASSWORD = 'correct horse battery staple';
export const ORIGIN = new URL(BASE).origin;

export async function invite(shopId: string, email: string): Promise<{ token: string; memberId: string; inviteUrl: string }> {
  const res = await adminCall('POST', `/admin/v1/shops/${shopId}/members`, { email });
  if (res.status !== 201) throw new Error(`invite: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { member: { id: string }; inviteUrl: string };
  return { token: body.inviteUrl.split('/app/invite/')[1]!, memberId: body.member.id, inviteUrl: body.inviteUrl };
}

export function sessionCookieOf(res: Response): string | null {
  const set = res.headers.getSetCookie().find((c) => c.startsWith('apay_app_session='));
  const value = set?.split(';')[0]?.slice('apay_app_session='.length);
  return value ? value : null;
}

export async function appGet(path: string, cookie?: string | null): Promise<Response> {
  return worker.fetch(BASE + path, { redirect: 'manual', headers: cookie ? { cookie: `apay_app_session=${cookie}` } : {} });
}

export async function appPost(
  path: string,
  fields: Record<string, string>,
  opts: { cookie?: string | null; origin?: string | null; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', ...(opts.headers ?? {}) };
  if (opts.cookie) headers.cookie = `apay_app_session=${opts.cookie}`;
  const origin = opts.origin === undefined ? ORIGIN : opts.origin;
  if (origin) headers.origin = origin;
  return worker.fetch(BASE + path, { method: 'POST', redirect: 'manual', headers, body: new URLSearchParams(fields).toString() });
}

export const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

/** A member who has accepted an invite: their session cookie and the CSRF token of their session. */
export async function signedInMember(shopId: string, email = `staff-${crypto.randomUUID().slice(0, 8)}@shop.example`) {
  const { token, memberId } = await invite(shopId, email);
  const res = await appPost(`/app/invite/${token}`, { password: PASSWORD, confirm: PASSWORD });
  if (res.status !== 303) throw new Error(`accept invite: ${res.status} ${await res.text()}`);
  const cookie = sessionCookieOf(res)!;
  const page = await appGet('/app/payments', cookie);
  const csrf = csrfOf(await page.text());
  return { email, memberId, cookie, csrf };
}
