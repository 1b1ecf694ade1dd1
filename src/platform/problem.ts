import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorCode, Problem, ValidationIssue } from '../../generated/api/types.gen';

const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const TYPE_BASE = 'https://docs.aimbrellapay.example/errors/';

/** Human titles per code; the code itself is the stable contract (ErrorCode in openapi.yaml). */
const TITLES: Record<ErrorCode, string> = {
  validation_failed: 'Invalid request',
  malformed_json: 'Malformed JSON',
  invalid_amount: 'Invalid amount',
  invalid_currency: 'Invalid currency',
  type_currency_mismatch: 'Type contradicts currency',
  redirect_host_not_allowed: 'Redirect host not allowed',
  postback_url_not_allowed: 'Postback URL not allowed',
  invalid_characters: 'Invalid characters',
  invalid_metadata: 'Invalid metadata',
  unauthorized: 'Unauthorized',
  shop_disabled: 'Shop disabled',
  test_mode_only: 'Test mode only',
  websocket_required: 'WebSocket required',
  not_found: 'Not found',
  payment_not_found: 'Payment not found',
  event_not_found: 'Event not found',
  shop_not_found: 'Shop not found',
  token_not_found: 'Token not found',
  method_not_allowed: 'Method not allowed',
  idempotency_conflict: 'Idempotency conflict',
  not_redeliverable: 'Nothing to redeliver',
  payload_too_large: 'Payload too large',
  unsupported_media_type: 'Unsupported media type',
  invalid_signature: 'Invalid signature',
  postback_mismatch: 'Postback does not match the payment',
  rate_limited: 'Too many requests',
  member_not_found: 'Member not found',
  member_conflict: 'Member of another shop',
  internal_error: 'Internal error',
  service_unavailable: 'Service unavailable',
  bansky_error: 'Payment provider error',
  bansky_timeout: 'Payment provider timeout',
};

/**
 * The one error type of the API. Throw it anywhere; `onError` turns it into an RFC 9457
 * problem+json response carrying the stable `code` and the request id.
 */
export class ApiError extends HTTPException {
  readonly code: ErrorCode;
  readonly detail?: string;
  readonly errors?: ValidationIssue[];
  readonly headers?: Record<string, string>;
  readonly extensions?: ProblemExtensions;

  constructor(
    status: ContentfulStatusCode,
    code: ErrorCode,
    detail?: string,
    opts: { errors?: ValidationIssue[]; headers?: Record<string, string>; extensions?: ProblemExtensions; cause?: unknown } = {},
  ) {
    super(status, { message: detail ?? TITLES[code], cause: opts.cause });
    this.code = code;
    this.detail = detail;
    this.errors = opts.errors;
    this.headers = opts.headers;
    this.extensions = opts.extensions;
  }
}

/** The extension members a problem may carry (RFC 9457 §3.2), as the contract's Problem declares them. */
export type ProblemExtensions = Pick<Problem, 'allowedRedirectHosts'>;

function problemBody(
  status: number,
  code: ErrorCode,
  requestId: string,
  detail?: string,
  errors?: ValidationIssue[],
  extensions?: ProblemExtensions,
): Problem {
  const body: Problem = { type: TYPE_BASE + code, title: TITLES[code], status, code, requestId };
  if (detail) body.detail = detail;
  if (errors && errors.length > 0) body.errors = errors;
  return { ...body, ...extensions };
}

export function problemResponse(
  status: number,
  code: ErrorCode,
  requestId: string,
  detail?: string,
  errors?: ValidationIssue[],
  headers: Record<string, string> = {},
  extensions?: ProblemExtensions,
): Response {
  return new Response(JSON.stringify(problemBody(status, code, requestId, detail, errors, extensions)), {
    status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, 'x-request-id': requestId, ...headers },
  });
}
