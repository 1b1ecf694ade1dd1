import { type Client, createClient } from '../../generated/api/client';
import type { components, paths } from '../../generated/openapi';
import { readDevVars } from '../lib/dev-vars.mjs';

export const DEFAULT_BASE_URL = 'http://localhost:8787';

/** An error the CLI reports on one or two lines and exits non-zero with; never a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    readonly problem?: unknown,
  ) {
    super(message);
  }
}

export interface Connection {
  baseUrl: string;
  client: Client;
}

function isLocal(baseUrl: string): boolean {
  const host = new URL(baseUrl).hostname;
  return host === 'localhost' || host === '127.0.0.1' || host === '[::1]';
}

/**
 * Base URL: --base-url, APAY_BASE_URL, else the local Worker. Admin token: --admin-token,
 * APAY_ADMIN_TOKEN, else (only for a local base URL) ADMIN_TOKEN from .dev.vars — so a
 * production token is never guessed from a local file.
 */
export function connect(opts: { baseUrl?: string; adminToken?: string }): Connection {
  const baseUrl = (opts.baseUrl || process.env.APAY_BASE_URL || DEFAULT_BASE_URL).replace(/\/+$/, '');
  try {
    new URL(baseUrl);
  } catch {
    throw new CliError(`--base-url is not a URL: ${baseUrl}`, 2);
  }
  const token = opts.adminToken || process.env.APAY_ADMIN_TOKEN || (isLocal(baseUrl) ? readDevVars().ADMIN_TOKEN : undefined);
  if (!token) {
    throw new CliError('No admin token: pass --admin-token or set APAY_ADMIN_TOKEN (for localhost it is read from .dev.vars).', 2);
  }
  return { baseUrl, client: createClient({ baseUrl, auth: token }) };
}

/** The problem document (RFC 9457) every admin error answers with, as openapi.yaml defines it. */
type Problem = components['schemas']['Problem'];

/** The admin list operations, by path: each answers one page with a `nextCursor`. */
type ListPath = '/admin/v1/shops' | '/admin/v1/shops/{shopId}/tokens' | '/admin/v1/postbacks/dead-letters';
type Page<P extends ListPath> = paths[P]['get']['responses'][200]['content']['application/json'];
type Cursor = Page<ListPath>['nextCursor'];

interface SdkResult<T> {
  data?: T;
  error?: unknown;
  response?: Response;
}

/**
 * Awaits a generated SDK call and returns its data, or throws a CliError that names the
 * problem's code, detail and request id (what support needs to find the request).
 */
export async function unwrap<T>(conn: Connection, call: Promise<SdkResult<T>>): Promise<T> {
  let result: SdkResult<T>;
  try {
    result = await call;
  } catch (err) {
    throw describeThrown(conn, err);
  }
  if (result.response?.ok && result.error === undefined) return result.data as T;
  if (!result.response) {
    const err = result.error as { cause?: { code?: string; message?: string } };
    const cause = err?.cause?.code ?? err?.cause?.message ?? String(result.error);
    throw new CliError(`Cannot reach ${conn.baseUrl} (${cause}). Is the Worker running? Try \`npm start\`.`);
  }
  const status = result.response.status;
  // A proxy in front of the Worker may answer with text or another JSON shape: read every field as optional.
  const problem = result.error as Partial<Problem> | string;
  if (typeof problem === 'object' && problem && problem.code) {
    const requestId = problem.requestId ?? result.response.headers.get('x-request-id') ?? 'none';
    const what = problem.detail ?? problem.title ?? '';
    throw new CliError(`Error ${status} ${problem.code}: ${what}\n  request id: ${requestId}`, 1, problem);
  }
  throw new CliError(`Error ${status}: unexpected answer from ${conn.baseUrl}`);
}

function describeThrown(conn: Connection, err: unknown): CliError {
  // The generated client validates requests and responses against the contract with zod.
  const issues = (err as { issues?: { path: PropertyKey[]; message: string }[] })?.issues;
  if (Array.isArray(issues)) {
    const list = issues.map((i) => `${i.path.filter((p) => p !== 'body').join('.') || 'input'}: ${i.message}`);
    return new CliError(`Invalid input (checked against openapi.yaml):\n  ${list.join('\n  ')}`, 2);
  }
  return new CliError(`Request to ${conn.baseUrl} failed: ${(err as Error)?.message ?? err}`);
}

/** Follows `nextCursor` until the last page, or fetches just one page when a cursor is given. */
export async function collectPages<T>(
  fetchPage: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: Cursor }>,
  cursor: string | undefined,
): Promise<{ items: T[]; nextCursor: Cursor }> {
  if (cursor) return fetchPage(cursor);
  const items: T[] = [];
  let next: string | undefined;
  do {
    const page = await fetchPage(next);
    items.push(...page.items);
    next = page.nextCursor ?? undefined;
  } while (next);
  return { items, nextCursor: null };
}
