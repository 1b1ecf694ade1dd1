import { MetabaseApiError, type MetabaseClient } from './client';

/**
 * Gets an authenticated client: an API key as given; otherwise the admin's email and password —
 * creating that first admin through the setup token when the instance is fresh. In a dry run a
 * fresh instance is not set up: there is no one to log in as yet, so the caller plans "create all".
 */
export type Credentials = { apiKey: string } | { email: string; password: string; firstName?: string; lastName?: string };

export interface Connected {
  client: MetabaseClient | null;
  fresh: boolean;
  steps: string[];
}

interface SessionProperties {
  'setup-token'?: string | null;
  'has-user-setup'?: boolean;
}

export async function connect(
  anonymous: MetabaseClient,
  credentials: Credentials,
  opts: { dryRun: boolean; siteName: string },
): Promise<Connected> {
  if ('apiKey' in credentials)
    return { client: anonymous.withAuth({ apiKey: credentials.apiKey }), fresh: false, steps: ['auth: API key'] };
  const props = await anonymous.get<SessionProperties>('/api/session/properties');
  if (!props['has-user-setup'] && props['setup-token']) {
    if (opts.dryRun) return { client: null, fresh: true, steps: [`create  first admin ${credentials.email} (setup token)`] };
    const { id } = await anonymous.post<{ id: string }>('/api/setup', {
      token: props['setup-token'],
      user: {
        email: credentials.email,
        password: credentials.password,
        first_name: credentials.firstName ?? 'AimbrellaPay',
        last_name: credentials.lastName ?? 'Admin',
      },
      prefs: { site_name: opts.siteName },
    });
    return { client: anonymous.withAuth({ session: id }), fresh: true, steps: [`create  first admin ${credentials.email} (setup token)`] };
  }
  try {
    const { id } = await anonymous.post<{ id: string }>('/api/session', { username: credentials.email, password: credentials.password });
    return { client: anonymous.withAuth({ session: id }), fresh: false, steps: [`auth: session for ${credentials.email}`] };
  } catch (err) {
    if (err instanceof MetabaseApiError && (err.status === 401 || err.status === 400)) {
      throw new MetabaseApiError(
        err.status,
        'POST /api/session',
        `Metabase refused the login for ${credentials.email} (set METABASE_ADMIN_EMAIL / METABASE_ADMIN_PASSWORD, or METABASE_API_KEY)`,
      );
    }
    throw err;
  }
}
