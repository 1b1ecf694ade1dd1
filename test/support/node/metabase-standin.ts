/**
 * A loopback stand-in for Metabase's REST API, for testing `npm run metabase -- provision` without
 * Metabase. Every request body is checked against the request schema vendored from Metabase's
 * OpenAPI document (test/support/metabase/api-subset.json); a body Metabase would reject gets a 400.
 * It keeps what it was given (settings, databases, collections, cards, dashboards), answers with the
 * fields Metabase's models return, implements the setup-token → first admin → session flow and API
 * keys, and lets tests read its state and the requests it received.
 *
 * Where it imitates Metabase beyond the schemas, each behaviour names the Metabase file it comes from
 * (repository metabase/metabase; the commits read are listed in test/support/metabase/README.md):
 *  - answers: an endpoint returning nil is a 204 with no body
 *    (src/metabase/api/common/internal.clj, `wrap-response-if-needed`); a string body goes out as
 *    text/plain, anything else as JSON (src/metabase/server/middleware/misc.clj, `add-content-type*`);
 *    a boolean or number is written as its text, `true` (src/metabase/server/handler.clj,
 *    `StreamableResponseBody`).
 *  - settings: GET /api/setting/:key answers `user-facing-value`: nothing (204) when the value is the
 *    default or comes from an environment variable, else the value itself — raw text for a string;
 *    GET /api/setting lists `{key, value, is_env_setting, env_name, default}` with the same hiding
 *    (src/metabase/settings/api.clj, src/metabase/settings/models/setting.clj `user-facing-info`).
 *  - malformed JSON in a request body: 400, `Malformed JSON in request body.` as plain text
 *    (src/metabase/server/middleware/json.clj, ring-json's default-malformed-response).
 *  - errors: an exception with a status code and nothing else is that status with the message as
 *    plain text; with more data (`:errors`) that data as JSON; without a status code a 500 with
 *    `message`, `type` and `trace` (src/metabase/server/middleware/exceptions.clj). A wrong password
 *    is 401 `{"errors": {"password": "did not match stored password"}}` (src/metabase/session/api.clj).
 *  - the first admin's password: at least 6 characters with a digit, and not a common password
 *    (src/metabase/util/password.clj, default complexity `:normal`).
 *  - the secret must be 64 hex characters, checked by an `assert` in the setter, which no handler
 *    turns into a 4xx: a 500 (src/metabase/embedding/settings.clj); enabling embedding creates a
 *    secret when none is set.
 *  - setup only while no user exists (src/metabase/setup/api.clj); a dashboard's embedding needs
 *    embedding enabled, and `dashcards` replaces the dashboard's cards, negative ids creating new ones
 *    (src/metabase/dashboards/api.clj); secrets in a database's details come back as
 *    "**MetabasePass**", and a caller who may not edit the database gets no `details` at all
 *    (`protected-password` and the JSON encoder of the Database model,
 *    src/metabase/warehouses/models/database.clj; the `listWithoutDetails` option).
 *  - not imitated, ours: the connection test is reduced to "the service account JSON has a key and
 *    an email"; the error texts of the dashboard and card checks below are our wording.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkSchema, type SchemaError } from './json-schema-check.ts';

const SUBSET = JSON.parse(readFileSync(new URL('../metabase/api-subset.json', import.meta.url), 'utf8')) as Record<string, any>;
const PROTECTED = '**MetabasePass**';
type Obj = Record<string, any>;

interface StandinState {
  users: Array<{ email: string; password: string }>;
  setupToken: string | null;
  sessions: Set<string>;
  apiKeys: Set<string>;
  settings: Map<string, unknown>;
  databases: Obj[];
  collections: Obj[];
  cards: Obj[];
  dashboards: Obj[];
}

interface RecordedRequest {
  method: string;
  path: string;
  status: number;
  body: unknown;
}

export interface MetabaseStandin {
  url: string;
  state: StandinState;
  requests: RecordedRequest[];
  /** Requests that changed something (POST/PUT/DELETE answered 2xx). */
  writes(): RecordedRequest[];
  close(): Promise<void>;
}

export interface StandinOptions {
  admin?: { email: string; password: string };
  apiKeys?: string[];
  /** Settings already set on the instance (e.g. a secret an admin set in the UI). */
  settings?: Record<string, unknown>;
  /** Settings given as MB_* environment variables: GET answers 204 for them (never their value). */
  envSettings?: Record<string, unknown>;
  /** GET /api/database lists databases without `details` (as it does for a caller who may not edit them). */
  listWithoutDetails?: boolean;
}

/** Settings' defaults (src/metabase/embedding/settings.clj): equal to the default reads as unset. */
const DEFAULTS: Record<string, unknown> = { 'enable-embedding-static': false, 'embedding-secret-key': null };

/** Ten of the ~12k common passwords Metabase refuses (resources/common_passwords.txt), enough to test the rule. */
const COMMON_PASSWORDS = new Set([
  'password1',
  'abc123',
  'qwerty1',
  'letmein1',
  'passw0rd',
  '123456',
  'metabase1',
  'admin123',
  'welcome1',
  'trustno1',
]);

export async function startMetabaseStandin(opts: StandinOptions = {}): Promise<MetabaseStandin> {
  const state: StandinState = {
    users: opts.admin ? [opts.admin] : [],
    setupToken: opts.admin ? null : randomUUID(),
    sessions: new Set(),
    apiKeys: new Set(opts.apiKeys ?? []),
    settings: new Map<string, unknown>(Object.entries({ ...DEFAULTS, ...opts.settings, ...opts.envSettings })),
    databases: [],
    collections: [],
    cards: [],
    dashboards: [],
  };
  const requests: RecordedRequest[] = [];
  const ids = { next: 1 };
  const nextId = () => ids.next++;

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://standin');
    const body = await readJson(req);
    const answer = (status: number, payload?: unknown) => {
      requests.push({ method: req.method ?? 'GET', path: url.pathname + url.search, status, body: body.value });
      send(res, status, payload);
    };
    // Malformed JSON: ring-json's default-malformed-response, plain text (src/metabase/server/middleware/json.clj).
    if (body.error) return answer(400, 'Malformed JSON in request body.');
    const route = matchRoute(req.method ?? 'GET', url.pathname);
    if (!route) return answer(404, 'API endpoint does not exist.');
    if (route.schema) {
      // A schema failure: an exception with :status-code 400 and :errors / :specific-errors, answered as that JSON.
      const errors = checkSchema(SUBSET, route.schema, body.value ?? {});
      if (errors.length) return answer(400, { errors: toErrors(errors), 'specific-errors': toErrors(errors) });
    }
    const open = ['GET /api/session/properties', 'POST /api/setup', 'POST /api/session'];
    if (!open.includes(`${req.method} ${route.template}`) && !authenticated(req)) return answer(401, 'Unauthenticated');
    try {
      const [status, payload] = handle(req.method ?? 'GET', route.template, route.params, (body.value ?? {}) as Obj, url.searchParams);
      answer(status, payload);
    } catch (err) {
      const e = err as { status?: number; message: string; data?: Obj };
      if (!e.status)
        return answer(500, {
          message: e.message,
          type: 'class java.lang.AssertionError',
          trace: ['metabase.embedding.settings$fn__1.invoke(settings.clj:25)'],
        });
      answer(e.status, e.data ?? e.message);
    }
  });

  const authenticated = (req: IncomingMessage) => {
    const session = req.headers['x-metabase-session'];
    const key = req.headers['x-api-key'];
    return (typeof session === 'string' && state.sessions.has(session)) || (typeof key === 'string' && state.apiKeys.has(key));
  };
  /** An ex-info with :status-code (its message as plain text), or with more data (that data as JSON). */
  const httpError = (status: number, message: string, data?: Obj) => Object.assign(new Error(message), { status, data });
  /** A failed `assert`: no status code, so Metabase answers 500 with the exception as JSON. */
  const assertionError = (message: string) => new Error(`Assert failed: ${message}`);
  const find = (list: Obj[], id: string | undefined) =>
    list.find((o) => String(o.id) === id) ??
    (() => {
      throw httpError(404, 'Not found.');
    })();
  const newSession = () => {
    const id = randomUUID();
    state.sessions.add(id);
    return { id };
  };
  const redact = (db: Obj) => ({
    ...db,
    details: { ...db.details, ...(db.details['service-account-json'] ? { 'service-account-json': PROTECTED } : {}) },
  });
  const dashboardView = (d: Obj) => ({
    ...d,
    dashcards: d.dashcards.map((dc: Obj) => ({ ...dc, card: state.cards.find((c) => c.id === dc.card_id) ?? null })),
  });

  function handle(method: string, template: string, p: Record<string, string>, b: Obj, query: URLSearchParams): [number, unknown] {
    switch (`${method} ${template}`) {
      case 'GET /api/session/properties':
        return [
          200,
          {
            'setup-token': state.setupToken,
            'has-user-setup': state.users.length > 0,
            'site-name': state.settings.get('site-name') ?? null,
          },
        ];
      case 'POST /api/setup': {
        if (state.users.length > 0 || !state.setupToken)
          throw httpError(403, 'The /api/setup route can only be used to create the first user, however a user currently exists.');
        if (b.token !== state.setupToken) throw httpError(400, 'Token does not match the setup token.');
        if (!/^(?=.*\d).{6,}$/.test(b.user.password) || COMMON_PASSWORDS.has(String(b.user.password).toLowerCase()))
          throw httpError(400, 'Invalid field: password', { errors: { password: 'password is too common.' } });
        state.users.push({ email: b.user.email, password: b.user.password });
        state.setupToken = null;
        state.settings.set('site-name', b.prefs.site_name);
        return [200, newSession()];
      }
      case 'POST /api/session': {
        const user = state.users.find((u) => u.email === b.username && u.password === b.password);
        if (!user)
          throw httpError(401, 'Password did not match stored password.', { errors: { password: 'did not match stored password' } });
        return [200, newSession()];
      }
      case 'GET /api/setting/{key}': {
        // user-facing-value: nil (→ 204) for the default or an env-var value, else the value as it is.
        const value = state.settings.get(p.key!) ?? null;
        if (value === null || value === DEFAULTS[p.key!] || (opts.envSettings && p.key! in opts.envSettings)) return [204, undefined];
        return [200, value];
      }
      case 'GET /api/setting':
        // admin-writable-settings: every setting with `is_env_setting`, the value hidden when it comes from the environment.
        return [
          200,
          [...state.settings.keys()].sort().map((key) => {
            const fromEnv = !!opts.envSettings && key in opts.envSettings;
            const value = state.settings.get(key) ?? null;
            return {
              key,
              value: fromEnv || value === DEFAULTS[key] ? null : value,
              is_env_setting: fromEnv,
              env_name: `MB_${key.toUpperCase().replaceAll('-', '_')}`,
              default: fromEnv ? `Using value of env var $MB_${key.toUpperCase().replaceAll('-', '_')}` : (DEFAULTS[key] ?? null),
            };
          }),
        ];
      case 'PUT /api/setting/{key}': {
        if (p.key === 'embedding-secret-key' && b.value && !/^[0-9a-f]{64}$/i.test(String(b.value))) {
          throw assertionError(
            'Invalid embedding-secret-key! Secret key must be a hexadecimal-encoded 256-bit key (i.e., a 64-character string).',
          );
        }
        state.settings.set(p.key!, b.value);
        if (p.key === 'enable-embedding-static' && b.value === true && !state.settings.get('embedding-secret-key'))
          state.settings.set('embedding-secret-key', randomBytes(32).toString('hex'));
        return [204, undefined];
      }
      case 'GET /api/database':
        return [
          200,
          {
            data: state.databases.map((db) => (opts.listWithoutDetails ? (({ details: _, ...rest }) => rest)(redact(db)) : redact(db))),
            total: state.databases.length,
          },
        ];
      case 'GET /api/database/{id}':
        return [200, redact(find(state.databases, p.id))];
      case 'POST /api/database': {
        checkConnection(b.engine, b.details);
        const db = {
          id: nextId(),
          name: b.name,
          engine: b.engine,
          details: b.details,
          is_full_sync: b.is_full_sync,
          is_on_demand: b.is_on_demand,
          created_at: new Date().toISOString(),
        };
        state.databases.push(db);
        return [200, redact(db)];
      }
      case 'PUT /api/database/{id}': {
        const db = find(state.databases, p.id);
        if (b.details) {
          const details = { ...b.details };
          if (details['service-account-json'] === PROTECTED) details['service-account-json'] = db.details['service-account-json'];
          checkConnection(b.engine ?? db.engine, details);
          db.details = details;
        }
        if (b.name) db.name = b.name;
        db.updates = (db.updates ?? 0) + 1;
        return [200, redact(db)];
      }
      case 'GET /api/collection':
        return [200, [{ id: 'root', name: 'Our analytics', can_write: true }, ...state.collections.filter((c) => !c.archived)]];
      case 'POST /api/collection': {
        const c = {
          id: nextId(),
          name: b.name,
          description: b.description ?? null,
          parent_id: b.parent_id ?? null,
          archived: false,
          location: '/',
          personal_owner_id: null,
          entity_id: randomUUID().slice(0, 21),
        };
        state.collections.push(c);
        return [200, c];
      }
      case 'GET /api/collection/{id}/items': {
        find(state.collections, p.id);
        const models = query.getAll('models');
        const items = [
          ...state.cards
            .filter((c) => String(c.collection_id) === p.id && !c.archived)
            .map((c) => ({ id: c.id, name: c.name, description: c.description, model: 'card' })),
          ...state.dashboards
            .filter((d) => String(d.collection_id) === p.id && !d.archived)
            .map((d) => ({ id: d.id, name: d.name, description: d.description, model: 'dashboard' })),
        ].filter((i) => !models.length || models.includes(i.model));
        return [200, { data: items, total: items.length, models: [...new Set(items.map((i) => i.model))] }];
      }
      case 'POST /api/card': {
        checkNativeQuery(b.dataset_query);
        const card = {
          id: nextId(),
          entity_id: randomUUID().slice(0, 21),
          archived: false,
          enable_embedding: false,
          type: 'question',
          ...b,
          collection_id: b.collection_id ?? null,
        };
        state.cards.push(card);
        return [200, card];
      }
      case 'GET /api/card/{id}':
        return [200, find(state.cards, p.id)];
      case 'PUT /api/card/{id}': {
        const card = find(state.cards, p.id);
        if (b.dataset_query) checkNativeQuery(b.dataset_query);
        Object.assign(card, b);
        return [200, card];
      }
      case 'POST /api/dashboard': {
        const d = {
          id: nextId(),
          name: b.name,
          description: b.description ?? null,
          collection_id: b.collection_id ?? null,
          parameters: b.parameters ?? [],
          dashcards: [],
          tabs: [],
          enable_embedding: false,
          embedding_params: null,
          embedding_type: null,
          archived: false,
        };
        state.dashboards.push(d);
        return [200, dashboardView(d)];
      }
      case 'GET /api/dashboard/{id}':
        return [200, dashboardView(find(state.dashboards, p.id))];
      case 'PUT /api/dashboard/{id}':
        return [200, dashboardView(updateDashboard(find(state.dashboards, p.id), b))];
      default:
        throw httpError(404, 'API endpoint does not exist.');
    }
  }

  function updateDashboard(d: Obj, b: Obj): Obj {
    if (b.enable_embedding === true && state.settings.get('enable-embedding-static') !== true)
      throw httpError(400, 'Embedding is not enabled.');
    const parameters = b.parameters ?? d.parameters;
    if (b.dashcards) {
      const seen = new Set<number>();
      const next = b.dashcards.map((dc: Obj) => {
        if (seen.has(dc.id)) throw httpError(400, 'value must be seq of maps in which ids are unique');
        seen.add(dc.id);
        if (dc.id > 0 && !d.dashcards.some((old: Obj) => old.id === dc.id))
          throw httpError(404, `Dashcard ${dc.id} is not on this dashboard.`);
        if (dc.card_id != null && !state.cards.some((c) => c.id === dc.card_id)) throw httpError(400, `Card ${dc.card_id} does not exist.`);
        for (const m of dc.parameter_mappings ?? []) {
          if (!parameters.some((param: Obj) => param.id === m.parameter_id))
            throw httpError(400, `Parameter ${m.parameter_id} is not a dashboard parameter.`);
        }
        return { ...dc, id: dc.id < 0 ? nextId() : dc.id, dashboard_id: d.id, parameter_mappings: dc.parameter_mappings ?? [] };
      });
      d.dashcards = next;
    }
    for (const k of [
      'name',
      'description',
      'collection_id',
      'enable_embedding',
      'embedding_params',
      'embedding_type',
      'archived',
      'width',
    ] as const)
      if (k in b) d[k] = b[k];
    d.parameters = parameters;
    return d;
  }

  /** What Metabase's connection test would refuse for our engine (it connects before saving). */
  function checkConnection(engine: string, details: Obj) {
    if (engine !== 'bigquery-cloud-sdk') throw httpError(400, `Invalid engine: ${engine}`);
    let key: Obj | null = null;
    try {
      key = JSON.parse(String(details['service-account-json']));
    } catch {
      /* below */
    }
    if (!key?.client_email || !key?.private_key) throw httpError(400, 'Unable to connect: service account JSON is not valid.');
  }

  /** A native card must name an existing database and declare every {{tag}} its SQL uses. */
  function checkNativeQuery(q: Obj) {
    if (q.type !== 'native') return;
    if (!state.databases.some((db) => db.id === q.database)) throw httpError(400, `Database ${q.database} does not exist.`);
    const tags = q.native?.['template-tags'] ?? {};
    for (const m of String(q.native?.query ?? '').matchAll(/\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}/gi)) {
      if (!tags[m[1]!]) throw httpError(400, `Template tag ${m[1]} is not declared.`);
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    requests,
    writes: () => requests.filter((r) => r.method !== 'GET' && r.status < 300 && r.path !== '/api/session' && r.path !== '/api/session/'),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function matchRoute(method: string, pathname: string): { template: string; params: Record<string, string>; schema: Obj | null } | null {
  const path = pathname.replace(/\/+$/, '');
  for (const [key, ops] of Object.entries(SUBSET.paths as Record<string, Obj>)) {
    const template = key.replace(/\/+$/, '');
    const names: string[] = [];
    const re = new RegExp(
      `^${template.replace(/\{([^}]+)\}/g, (_m, n: string) => {
        names.push(n);
        return '([^/]+)';
      })}$`,
    );
    const m = re.exec(path);
    const op = ops[method.toLowerCase()];
    if (!m || !op) continue;
    if (names.includes('id') && !/^\d+$/.test(m[names.indexOf('id') + 1]!)) continue;
    return {
      template,
      params: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)])),
      schema: op.requestBody?.content?.['application/json']?.schema ?? null,
    };
  }
  return null;
}

const toErrors = (errors: SchemaError[]) => Object.fromEntries(errors.map((e) => [e.path.replace(/^\$\.?/, '') || 'body', e.message]));

async function readJson(req: IncomingMessage): Promise<{ value?: unknown; error?: true }> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  try {
    return { value: JSON.parse(text) };
  } catch {
    return { error: true };
  }
}

/** nil → 204 without a body; a string → text/plain; a boolean or number → its text; else JSON (see the header). */
function send(res: ServerResponse, status: number, payload: unknown) {
  if (payload === undefined || payload === null) {
    res.writeHead(status === 200 ? 204 : status).end();
    return;
  }
  if (typeof payload === 'string') {
    res.writeHead(status, { 'content-type': 'text/plain' }).end(payload);
    return;
  }
  const text = typeof payload === 'boolean' || typeof payload === 'number' ? String(payload) : JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(text);
}
