import { isPaymentId } from '../../core/payments/store';
import type { Env } from '../../env';
import { problemResponse } from '../../platform/problem';
import { buildServices } from '../../services';
import { ipRateLimitVerdict } from '../http/rate-limit';
import { requestIdOf } from '../http/request-id';
import { addSecurityHeaders } from '../http/security-headers';
import { HTML_HEADERS } from './pages';
import { answerPayLink, REDIRECT_HEADERS } from './pay-link';

type Fallback = () => Response | Promise<Response>;

/**
 * The pay link as we hand it out (`GET /integration/pay?id=pay_…`, nothing else), answered
 * without the OpenAPI router: it is the one page a customer's browser hits, and Hono's full
 * route table, the query validator and five middlewares were most of its cost (bench/PROFILE.md).
 * It answers exactly what the `openPayLink` route answers (same decision, answerPayLink; same
 * security headers, request id and per-IP rate limit). Anything else — another parameter, a
 * malformed id, a body — returns null and takes the full router, whose validation and pages
 * answer it; so does an unexpected failure, which the router's onError turns into a problem.
 */
export function payLinkFastLane(request: Request, env: Env, ctx: ExecutionContext, fallback: Fallback): Promise<Response> | null {
  if (request.method !== 'GET') return null;
  const url = new URL(request.url);
  if (url.pathname !== '/integration/pay' || !url.search.startsWith('?id=')) return null;
  const id = url.search.slice(4);
  if (!isPaymentId(id) || request.headers.has('content-length') || request.headers.has('transfer-encoding')) return null;
  // The read is idempotent, so the router may simply do it again (the request is then counted
  // twice against the IP's budget, which only a failing request pays).
  return serve(request, url, id, env, ctx).catch(fallback);
}

async function serve(request: Request, url: URL, id: string, env: Env, ctx: ExecutionContext): Promise<Response> {
  const requestId = requestIdOf(request.headers);
  // The request's logger only when something logs (a refusal): the common path does not, and a
  // failure is answered (and logged with the request id) by the router.
  const services = buildServices(env);
  const waitUntil = (work: Promise<unknown>) => ctx.waitUntil(work);
  const refused = ipRateLimitVerdict(services, request.headers, waitUntil, () => services.log.child({ requestId }));
  const res = refused
    ? problemResponse(refused.status, refused.code, requestId, refused.detail, undefined, refused.headers)
    : await answerPayLink(services, id, requestId, waitUntil).then((answer) =>
        'redirect' in answer
          ? new Response(null, { status: 302, headers: { location: answer.redirect, ...REDIRECT_HEADERS } })
          : new Response(answer.page, { status: answer.status, headers: HTML_HEADERS }),
      );
  res.headers.set('x-request-id', requestId);
  addSecurityHeaders(res.headers, url);
  return res;
}
