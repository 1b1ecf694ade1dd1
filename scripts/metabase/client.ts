/**
 * A thin Metabase REST client: JSON in, Metabase's answers read as Metabase writes them, and errors
 * that name the operation and Metabase's message (never a password or a key).
 *
 * How Metabase answers (metabase/metabase; commits in test/support/metabase/README.md): an endpoint
 * that returns nothing is a 204 with no body (src/metabase/api/common/internal.clj); a string goes out
 * as text/plain, not as a JSON string; a boolean or a number as its text, `true`
 * (src/metabase/server/middleware/misc.clj, src/metabase/server/handler.clj). Errors are plain text
 * (a message) or JSON (`{"errors": {...}}`, or `{"message", "trace"}` for a 500)
 * (src/metabase/server/middleware/exceptions.clj).
 */
export class MetabaseApiError extends Error {
  constructor(
    readonly status: number,
    readonly operation: string,
    detail: string,
  ) {
    super(`${operation} → ${status ? `HTTP ${status}` : 'no answer'}${detail ? `: ${detail}` : ''}`);
  }
}

export type Auth = { session: string } | { apiKey: string } | null;

/** A setting as GET /api/setting/:key answers it: null when unset (204), a boolean, or text (numbers stay text). */
export type SettingValue = string | boolean | null;

export class MetabaseClient {
  constructor(
    readonly baseUrl: string,
    private auth: Auth = null,
    private readonly doFetch: typeof fetch = fetch,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  withAuth(auth: Auth): MetabaseClient {
    return new MetabaseClient(this.baseUrl, auth, this.doFetch);
  }

  get = <T>(path: string) => this.request<T>('GET', path);
  post = <T>(path: string, body: unknown) => this.request<T>('POST', path, body);
  put = <T>(path: string, body: unknown) => this.request<T>('PUT', path, body);

  /**
   * A setting's value, read leniently: 204 (unset, the default, or set by an environment variable) is
   * null; `true`/`false` are booleans; anything else is the raw text — or, from a Metabase that sends
   * a JSON string, that string unquoted.
   */
  async getSetting(key: string): Promise<SettingValue> {
    const { text } = await this.send('GET', `/api/setting/${encodeURIComponent(key)}`);
    return parseSetting(text);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const { text, json } = await this.send(method, path, body);
    if (!text) return null as T;
    if (!json) return text as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new MetabaseApiError(
        0,
        `${method} ${path.split('?')[0]}`,
        `Metabase answered something that is not JSON: ${text.slice(0, 80)}`,
      );
    }
  }

  private async send(method: string, path: string, body?: unknown): Promise<{ text: string; json: boolean }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.auth && 'session' in this.auth) headers['x-metabase-session'] = this.auth.session;
    if (this.auth && 'apiKey' in this.auth) headers['x-api-key'] = this.auth.apiKey;
    const operation = `${method} ${path.split('?')[0]}`;
    let res: Response;
    let text: string;
    try {
      res = await this.doFetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(60_000),
      });
      text = await res.text();
    } catch (err) {
      throw new MetabaseApiError(0, operation, `Metabase unreachable at ${this.baseUrl} (${reason(err)})`);
    }
    if (!res.ok) throw new MetabaseApiError(res.status, operation, describe(text));
    return { text, json: /json/i.test(res.headers.get('content-type') ?? '') };
  }
}

function parseSetting(text: string): SettingValue {
  const t = text.trim();
  if (!t) return null;
  if (t === 'true' || t === 'false') return t === 'true';
  if (t.startsWith('"')) {
    try {
      return JSON.parse(t) as string;
    } catch {
      /* raw text that happens to start with a quote */
    }
  }
  return text;
}

const reason = (err: unknown) => {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
};

/** Metabase's error body in one short line: the plain-text message, `errors` joined, or `message`. */
function describe(text: string): string {
  const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim().slice(0, 300);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return oneLine(text);
  }
  if (typeof body === 'string') return oneLine(body);
  const b = body as { message?: unknown; errors?: unknown };
  if (b.errors && typeof b.errors === 'object')
    return oneLine(
      Object.entries(b.errors as Record<string, unknown>)
        .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join('; '),
    );
  if (typeof b.message === 'string') return oneLine(b.message);
  return oneLine(JSON.stringify(body));
}
