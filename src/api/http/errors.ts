import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { SERVED_PATHS } from '../../../generated/contract-index';
import type { AppEnv } from '../../app-env';
import { ApiError, problemResponse } from '../../platform/problem';
import { isTransientStorageError } from '../../platform/transient';

/** The single place an exception becomes a response: always RFC 9457, never internals. */
export const onError: ErrorHandler<AppEnv> = (err, c) => {
  const requestId = c.get('requestId') ?? crypto.randomUUID();
  if (err instanceof ApiError) {
    return problemResponse(err.status, err.code, requestId, err.detail, err.errors, err.headers, err.extensions);
  }
  if (err instanceof HTTPException) {
    // Raised by Hono's own validators and middleware before our code runs.
    if (err.status === 400) return problemResponse(400, 'malformed_json', requestId, 'The request body is not valid JSON.');
    if (err.status === 413) return problemResponse(413, 'payload_too_large', requestId, 'The body exceeds 64 KiB.');
    if (err.status === 415) return problemResponse(415, 'unsupported_media_type', requestId, 'Send the body as application/json.');
  }
  const log = c.get('services')?.log;
  if (isTransientStorageError(err)) {
    // Overload, restarts and resource resets of Durable Objects and KV: a 503 tells the client to retry.
    log?.warn('transient failure', { err, requestId, path: c.req.path, method: c.req.method });
    return problemResponse(
      503,
      'service_unavailable',
      requestId,
      'Briefly unavailable. Retry after 1 second; retrying with the same id is safe.',
      undefined,
      {
        'retry-after': '1',
      },
    );
  }
  if (log) log.error('unhandled error', { err, requestId, path: c.req.path, method: c.req.method });
  else console.error(JSON.stringify({ level: 'error', msg: 'unhandled error', requestId, error: String(err) }));
  return problemResponse(500, 'internal_error', requestId, 'An unexpected error occurred. Retrying with the same id is safe.');
};

// Path templates from the contract (the ones we serve, not Bansky's), to tell "no such endpoint"
// (404) from "wrong method" (405).
const KNOWN_PATHS: Array<{ re: RegExp; methods: readonly string[] }> = SERVED_PATHS.map(({ path, methods }) => ({
  re: new RegExp(`^${path.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`),
  methods,
}));

export const notFound: NotFoundHandler<AppEnv> = (c: Context<AppEnv>) => {
  const requestId = c.get('requestId') ?? crypto.randomUUID();
  const known = KNOWN_PATHS.find((p) => p.re.test(c.req.path));
  if (known) {
    return problemResponse(405, 'method_not_allowed', requestId, `Use ${known.methods.join(', ')} for this endpoint.`, undefined, {
      allow: known.methods.join(', '),
    });
  }
  return problemResponse(404, 'not_found', requestId, `No endpoint ${c.req.method} ${c.req.path}.`);
};
