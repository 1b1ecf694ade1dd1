import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CARDS, FILTERS, LOCKED, parameterId } from '../../bigquery/metabase/dashboard.ts';
import { main } from '../../scripts/metabase/cli.ts';
import { type ProvisionConfig, provision } from '../../scripts/metabase/provision.ts';
import { type MetabaseStandin, startMetabaseStandin } from '../support/node/metabase-standin.ts';

// Provisioning against a loopback Metabase that checks every request body against the request
// schemas from Metabase's OpenAPI document and keeps what it is given.
const SECRET = `${'c0ffee'.repeat(10)}c0ff`;
const ADMIN = { email: 'ops@aimbrellapay.example', password: 'correct-horse-9' };
const serviceAccount = () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return JSON.stringify({
    type: 'service_account',
    client_email: 'metabase@apay.iam.gserviceaccount.com',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
  });
};
const SA = serviceAccount();

let mb: MetabaseStandin;
const config = (over: Partial<ProvisionConfig> = {}): ProvisionConfig => ({
  url: mb.url,
  credentials: ADMIN,
  embedSecret: SECRET,
  bigQuery: { project: 'apay-prod', dataset: 'aimbrellapay', serviceAccountJson: SA },
  ...over,
});
const dashboard = () => mb.state.dashboards[0]!;

afterEach(async () => mb?.close());

describe('a fresh Metabase', () => {
  beforeEach(async () => {
    mb = await startMetabaseStandin();
  });

  it('is set up: first admin, embedding with our secret, BigQuery on our dataset, collection, cards, dashboard', async () => {
    const result = await provision(config());
    expect(result.blocked).toBeNull();
    expect(mb.state.users.map((u) => u.email)).toEqual([ADMIN.email]);
    expect(mb.state.setupToken).toBeNull();
    expect(mb.state.settings.get('embedding-secret-key')).toBe(SECRET);
    expect(mb.state.settings.get('enable-embedding-static')).toBe(true);
    const [db] = mb.state.databases;
    expect(db).toMatchObject({
      engine: 'bigquery-cloud-sdk',
      details: { 'project-id': 'apay-prod', 'dataset-filters-type': 'inclusion', 'dataset-filters-patterns': 'aimbrellapay' },
    });
    expect(mb.state.collections.map((c) => c.name)).toEqual(['AimbrellaPay']);
    expect(mb.state.cards.map((c) => c.name)).toEqual(CARDS.map((c) => c.name));
    for (const card of mb.state.cards) {
      expect(card.dataset_query).toMatchObject({ type: 'native', database: db!.id });
      expect(card.dataset_query.native.query).toContain('`apay-prod.aimbrellapay.events_clean`');
      expect(card.collection_id).toBe(mb.state.collections[0]!.id);
    }
    expect(mb.state.dashboards).toHaveLength(1);
    expect(dashboard()).toMatchObject({
      enable_embedding: true,
      embedding_type: 'guest-embed',
      embedding_params: { shop_id: 'locked', mode: 'locked', from: 'enabled', to: 'enabled', currency: 'enabled', status: 'enabled' },
    });
    expect(dashboard().dashcards).toHaveLength(CARDS.length);
    expect(result.dashboardId).toBe(dashboard().id);
  });

  it('maps every locked parameter on every dashcard (an unmapped card shows every shop: metabase#59677)', async () => {
    await provision(config());
    const params = Object.fromEntries(dashboard().parameters.map((p: { slug: string; id: string }) => [p.slug, p.id]));
    for (const dc of dashboard().dashcards) {
      const card = mb.state.cards.find((c) => c.id === dc.card_id)!;
      for (const slug of LOCKED) {
        expect(dc.parameter_mappings, `${card.name} → ${slug}`).toContainEqual({
          parameter_id: params[slug],
          card_id: card.id,
          target: ['variable', ['template-tag', slug]],
        });
        const tag = card.dataset_query.native['template-tags'][slug];
        expect(tag, `${card.name} declares {{${slug}}}`).toMatchObject({ name: slug, type: 'text', required: true });
        expect(card.dataset_query.native.query).toContain(`{{${slug}}}`);
      }
    }
    // Every mapping points at a parameter of this dashboard and a tag of that card.
    for (const dc of dashboard().dashcards)
      for (const m of dc.parameter_mappings) {
        expect(dashboard().parameters.map((p: { id: string }) => p.id)).toContain(m.parameter_id);
        expect(Object.keys(mb.state.cards.find((c) => c.id === dc.card_id)!.dataset_query.native['template-tags'])).toContain(
          m.target[1][1],
        );
      }
    expect(FILTERS.map((f) => parameterId(f.slug))).toEqual(dashboard().parameters.map((p: { id: string }) => p.id));
  });

  it('a second run changes nothing and creates no duplicates', async () => {
    await provision(config());
    const before = mb.writes().length;
    const snapshot = JSON.stringify([mb.state.cards, mb.state.dashboards, mb.state.collections, mb.state.databases]);
    const again = await provision(config());
    expect(again.changes).toBe(0);
    expect(again.steps.every((s) => s.startsWith('ok') || s.startsWith('auth'))).toBe(true);
    expect(mb.writes().length).toBe(before);
    expect(JSON.stringify([mb.state.cards, mb.state.dashboards, mb.state.collections, mb.state.databases])).toBe(snapshot);
  });

  it('updates a changed card in place (same id, new SQL) and leaves the others alone', async () => {
    await provision(config());
    const ids = mb.state.cards.map((c) => c.id);
    const cardFile = join(import.meta.dirname, '../../bigquery/metabase/cards/outcomes.sql');
    const original = readFileSync(cardFile, 'utf8');
    try {
      writeFileSync(cardFile, original.replace('ORDER BY payments DESC, status', 'ORDER BY status'));
      const result = await provision(config());
      expect(result.steps.filter((s) => s.startsWith('update'))).toEqual([expect.stringMatching(/^update\s+card "Outcomes/)]);
      expect(mb.state.cards.map((c) => c.id)).toEqual(ids);
      expect(mb.state.cards.find((c) => c.name.startsWith('Outcomes'))!.dataset_query.native.query).toContain('ORDER BY status\n');
      expect(mb.writes().filter((w) => w.method === 'POST' && w.path.startsWith('/api/card'))).toHaveLength(CARDS.length);
    } finally {
      writeFileSync(cardFile, original);
    }
  });

  it('puts the dashboard back when someone changed it in Metabase', async () => {
    await provision(config());
    dashboard().embedding_params.shop_id = 'enabled';
    dashboard().dashcards = dashboard().dashcards.slice(1);
    const result = await provision(config());
    expect(result.steps.some((s) => /^update\s+dashboard/.test(s))).toBe(true);
    expect(dashboard().embedding_params.shop_id).toBe('locked');
    expect(dashboard().dashcards).toHaveLength(CARDS.length);
  });

  it('--dry-run prints the plan and writes nothing, not even the first admin', async () => {
    const lines: string[] = [];
    const code = await main(['provision', '--dry-run'], env(), (l) => lines.push(l));
    expect(code).toBe(0);
    expect(mb.writes()).toEqual([]);
    expect(mb.state.users).toEqual([]);
    const plan = lines.join('\n');
    expect(plan).toMatch(/create\s+first admin/);
    expect(plan).toMatch(/create\s+database/);
    for (const card of CARDS) expect(plan).toContain(`card "${card.name}"`);
    expect(plan).not.toContain(SECRET);
  });

  it('without BigQuery credentials sets up embedding and says plainly what it skipped', async () => {
    const result = await provision(config({ bigQuery: { project: 'local', dataset: 'aimbrellapay', serviceAccountJson: null } }));
    expect(result.blocked).toMatch(/service account/);
    expect(mb.state.settings.get('enable-embedding-static')).toBe(true);
    expect(mb.state.cards).toEqual([]);
  });
});

describe('an existing Metabase', () => {
  it('with an API key: no setup, no login, the same result', async () => {
    mb = await startMetabaseStandin({ admin: ADMIN, apiKeys: ['mb_testkey'] });
    const result = await provision(config({ credentials: { apiKey: 'mb_testkey' } }));
    expect(result.steps[0]).toBe('auth: API key');
    expect(mb.requests.some((r) => r.path.startsWith('/api/session') || r.path.startsWith('/api/setup'))).toBe(false);
    expect(mb.state.cards).toHaveLength(CARDS.length);
    expect((await provision(config({ credentials: { apiKey: 'mb_testkey' } }))).changes).toBe(0);
  });

  it('with an admin login', async () => {
    mb = await startMetabaseStandin({ admin: ADMIN });
    const result = await provision(config());
    expect(result.steps[0]).toBe(`auth: session for ${ADMIN.email}`);
    expect(mb.state.dashboards).toHaveLength(1);
  });

  it('a wrong API key or password is reported, exit code 1, nothing written', async () => {
    mb = await startMetabaseStandin({ admin: ADMIN, apiKeys: ['mb_testkey'] });
    const lines: string[] = [];
    expect(await main(['provision'], { ...env(), METABASE_API_KEY: 'mb_wrong' }, (l) => lines.push(l))).toBe(1);
    expect(lines.join('\n')).toMatch(/HTTP 401/);
    expect(await main(['provision'], { ...env(), METABASE_ADMIN_PASSWORD: 'nope-123' }, (l) => lines.push(l))).toBe(1);
    expect(lines.join('\n')).toMatch(/refused the login/);
    expect(mb.writes()).toEqual([]);
  });
});

describe('the stand-in refuses what Metabase would refuse', () => {
  beforeEach(async () => {
    mb = await startMetabaseStandin({ apiKeys: ['k'] });
  });
  const call = (method: string, path: string, body: unknown) =>
    fetch(`${mb.url}${path}`, { method, headers: { 'content-type': 'application/json', 'x-api-key': 'k' }, body: JSON.stringify(body) });

  it.each([
    ['POST', '/api/card', { name: 'x', display: 'table', visualization_settings: {} }, 'dataset_query'],
    ['POST', '/api/card', { name: '', display: 'table', visualization_settings: {}, dataset_query: {} }, 'name'],
    ['POST', '/api/collection', { description: 'no name' }, 'name'],
    ['PUT', '/api/dashboard/1', { embedding_params: { shop_id: 'hidden' } }, 'embedding_params'],
    ['PUT', '/api/dashboard/1', { dashcards: [{ id: -1, card_id: 1, row: 0, col: 0, size_x: 0, size_y: 1 }] }, 'dashcards'],
    ['PUT', '/api/dashboard/1', { parameters: [{ slug: 'shop_id' }] }, 'parameters'],
    ['POST', '/api/session', { email: 'a@b.c', password: 'x' }, 'username'],
    ['PUT', '/api/setting/enable-embedding-static', {}, 'value'],
  ])('%s %s without a valid body: 400 naming %s', async (method, path, body, field) => {
    const res = await call(method, path, body);
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain(field);
  });

  it('a secret that is not 64 hex characters (an assert: 500), and embedding a dashboard before embedding is on', async () => {
    const bad = await call('PUT', '/api/setting/embedding-secret-key', { value: 'not-hex' });
    expect(bad.status).toBe(500);
    expect((await bad.json()).message).toMatch(/^Assert failed: Invalid embedding-secret-key/);
    const d = await (await call('POST', '/api/dashboard', { name: 'd' })).json();
    expect((await call('PUT', `/api/dashboard/${d.id}`, { enable_embedding: true })).status).toBe(400);
  });
});

describe('Metabase answers as its source writes them', () => {
  const get = (path: string, key = 'k') => fetch(`${mb.url}${path}`, { headers: { 'x-api-key': key } });

  it('a setting: raw text for a string, 204 and no body when unset or at its default, `true` as text', async () => {
    mb = await startMetabaseStandin({ apiKeys: ['k'] });
    const unset = await get('/api/setting/embedding-secret-key');
    expect([unset.status, await unset.text()]).toEqual([204, '']);
    const off = await get('/api/setting/enable-embedding-static'); // false is the default: nothing
    expect([off.status, await off.text()]).toEqual([204, '']);
    await provision(config({ credentials: { apiKey: 'k' } }));
    const secret = await get('/api/setting/embedding-secret-key');
    expect([secret.status, secret.headers.get('content-type'), await secret.text()]).toEqual([200, 'text/plain', SECRET]);
    const on = await get('/api/setting/enable-embedding-static');
    expect([on.status, await on.text()]).toEqual([200, 'true']);
  });

  it('errors: plain text for a message, JSON for field errors', async () => {
    mb = await startMetabaseStandin({ admin: ADMIN, apiKeys: ['k'] });
    const missing = await get('/api/card/999');
    expect([missing.status, missing.headers.get('content-type'), await missing.text()]).toEqual([404, 'text/plain', 'Not found.']);
    const malformed = await fetch(`${mb.url}/api/card`, { method: 'POST', headers: { 'x-api-key': 'k' }, body: '{"name": ' });
    expect([malformed.status, malformed.headers.get('content-type'), await malformed.text()]).toEqual([
      400,
      'text/plain',
      'Malformed JSON in request body.',
    ]);
    const unauth = await get('/api/card/1', 'wrong');
    expect([unauth.status, await unauth.text()]).toEqual([401, 'Unauthenticated']);
    const login = await fetch(`${mb.url}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: ADMIN.email, password: 'wrong-1' }),
    });
    expect([login.status, await login.json()]).toEqual([401, { errors: { password: 'did not match stored password' } }]);
  });

  it('the first admin needs 6 characters with a digit, not a common password', async () => {
    mb = await startMetabaseStandin();
    const lines: string[] = [];
    expect(await main(['provision'], { ...env(), METABASE_ADMIN_PASSWORD: 'password1' }, (l) => lines.push(l))).toBe(1);
    expect(lines.at(-1)).toMatch(/^Metabase: POST \/api\/setup → HTTP 400: password: password is too common\.$/);
    expect(mb.state.users).toEqual([]);
  });

  it('runs twice: the second run reads everything and writes nothing', async () => {
    mb = await startMetabaseStandin();
    expect((await provision(config())).changes).toBeGreaterThan(0);
    const writes = mb.writes().length;
    const again = await provision(config());
    expect(again.changes).toBe(0);
    expect(mb.writes()).toHaveLength(writes);
  });

  it('keeps a secret that is already ours, rotates one that is not, then writes nothing', async () => {
    mb = await startMetabaseStandin({ admin: ADMIN, settings: { 'embedding-secret-key': SECRET } });
    const same = await provision(config());
    expect(same.steps).toContain('ok      setting embedding-secret-key');
    expect(mb.writes().filter((w) => w.path === '/api/setting/embedding-secret-key')).toEqual([]);

    const rotated = `${'ab12'.repeat(16)}`;
    const rotation = await provision(config({ embedSecret: rotated }));
    expect(rotation.steps).toContain('update  setting embedding-secret-key (value not shown)');
    expect(mb.state.settings.get('embedding-secret-key')).toBe(rotated);
    expect(rotation.changes).toBe(1);
    const writes = mb.writes().length;
    expect((await provision(config({ embedSecret: rotated }))).changes).toBe(0);
    expect(mb.writes()).toHaveLength(writes);
    expect(JSON.stringify(rotation)).not.toContain(rotated);
  });

  it("a secret and embedding set by Metabase's environment are left alone (GET answers nothing for them)", async () => {
    mb = await startMetabaseStandin({
      admin: ADMIN,
      envSettings: { 'embedding-secret-key': SECRET, 'enable-embedding-static': true },
    });
    const result = await provision(config());
    expect(result.steps.filter((l) => l.includes('setting'))).toEqual([
      expect.stringMatching(/^ok\s+setting embedding-secret-key: set by Metabase's environment \(MB_EMBEDDING_SECRET_KEY\)/),
      expect.stringMatching(/^ok\s+setting enable-embedding-static: set by Metabase's environment/),
    ]);
    expect(mb.writes().filter((w) => w.path.startsWith('/api/setting'))).toEqual([]);
    expect(JSON.stringify(result)).not.toContain(SECRET);
  });

  it('compares the connection with GET /api/database/:id when the list leaves details out', async () => {
    mb = await startMetabaseStandin({ listWithoutDetails: true });
    await provision(config());
    const again = await provision(config());
    expect(again.steps).toContain('ok      database "AimbrellaPay BigQuery"');
    expect(mb.state.databases[0]!.updates).toBeUndefined();
    expect(mb.requests.some((r) => r.method === 'GET' && r.path === `/api/database/${mb.state.databases[0]!.id}`)).toBe(true);
  });
});

describe('every error the CLI meets is one line and a non-zero exit', () => {
  const run = async (over: NodeJS.ProcessEnv) => {
    const lines: string[] = [];
    const code = await main(['provision'], { ...env(), ...over }, (l) => lines.push(l));
    return { code, last: lines.at(-1) ?? '', all: lines.join('\n') };
  };

  it('Metabase unreachable', async () => {
    mb = await startMetabaseStandin();
    const url = mb.url;
    await mb.close();
    const r = await run({ METABASE_URL: url });
    expect(r.code).toBe(1);
    expect(r.last).toMatch(
      /^Metabase: GET \/api\/session\/properties → no answer: Metabase unreachable at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)$/,
    );
    mb = await startMetabaseStandin(); // for afterEach
  });

  it.each([
    [
      'an HTML error page',
      502,
      'text/html',
      '<html><body><h1>502 Bad Gateway</h1></body></html>',
      /^Metabase: GET \/api\/session\/properties → HTTP 502: <html>/,
    ],
    [
      'a body that claims JSON and is not',
      200,
      'application/json',
      '{"setup-token": ',
      /^Metabase: GET \/api\/session\/properties → no answer: Metabase answered something that is not JSON/,
    ],
    [
      'a 500 with a stack trace',
      500,
      'application/json',
      JSON.stringify({ message: 'boom', trace: ['a.b(c.clj:1)'] }),
      /^Metabase: GET \/api\/session\/properties → HTTP 500: boom$/,
    ],
  ])('%s', async (_name, status, type, body, want) => {
    const { createServer } = await import('node:http');
    const server = createServer((_req, res) => res.writeHead(status, { 'content-type': type }).end(body));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const r = await run({ METABASE_URL: `http://127.0.0.1:${(server.address() as { port: number }).port}` });
      expect(r.code).toBe(1);
      expect(r.last).toMatch(want);
      expect(r.all).not.toMatch(/\n\s+at /);
    } finally {
      server.close();
    }
    mb = await startMetabaseStandin(); // for afterEach
  });

  it('an unreadable credentials file, a short secret: usage errors (exit 2)', async () => {
    mb = await startMetabaseStandin();
    const noFile = await run({ BIGQUERY_SERVICE_ACCOUNT_JSON: '', GOOGLE_APPLICATION_CREDENTIALS: '/nonexistent/sa.json' });
    expect(noFile.code).toBe(2);
    expect(noFile.all).toMatch(/^GOOGLE_APPLICATION_CREDENTIALS: cannot read \/nonexistent\/sa\.json \(ENOENT\)$/m);
    const short = await run({ METABASE_EMBED_SECRET: 'abc' });
    expect(short.code).toBe(2);
    expect(short.last).toMatch(/64 hexadecimal/);
  });
});

function env(): NodeJS.ProcessEnv {
  return {
    METABASE_URL: mb.url,
    METABASE_ADMIN_EMAIL: ADMIN.email,
    METABASE_ADMIN_PASSWORD: ADMIN.password,
    METABASE_EMBED_SECRET: SECRET,
    BIGQUERY_PROJECT: 'apay-prod',
    BIGQUERY_DATASET: 'aimbrellapay',
    BIGQUERY_SERVICE_ACCOUNT_JSON: SA,
  };
}
