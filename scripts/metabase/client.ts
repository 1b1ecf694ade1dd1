/**
 * A thin Metabase REST client: JSON in and out, `X-Metabase-Session` or `x-api-key`, and errors that
 * name the operation and Metabase's message (never a password or a key).
 */
export class MetabaseApiError extends Error {
  constructor(
    readonly status: number,
    readonly operation: string,
    detail: string,
  ) {
    super(`${operation} → HTTP ${status}${detail ? `: ${detail}` : ''}`);
  }
}

export type Auth = { session: string } | { apiKey: string } | null;

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

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.auth && 'session' in this.auth) headers['x-metabase-session'] = this.auth.session;
    if (this.auth && 'apiKey' in this.auth) headers['x-api-key'] = this.auth.apiKey;
    const operation = `${method} ${path.split('?')[0]}`;
    let res: Response;
    try {
      res = await this.doFetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(60_000),
      });
    } catch (err) {
      throw new MetabaseApiError(
        0,
        operation,
        `Metabase unreachable at ${this.baseUrl} (${err instanceof Error ? err.message : String(err)})`,
      );
    }
    const text = await res.text();
    if (!res.ok) throw new MetabaseApiError(res.status, operation, describe(text));
    return (text ? JSON.parse(text) : null) as T;
  }
}

function describe(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: string; errors?: unknown };
    if (typeof body === 'string') return body;
    return body.message ?? JSON.stringify(body.errors ?? body).slice(0, 300);
  } catch {
    return text.slice(0, 300);
  }
}
