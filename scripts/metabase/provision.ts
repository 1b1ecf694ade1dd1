/**
 * Makes a Metabase instance ready for the shops' dashboard, idempotently: each step reads what is
 * there, then creates, updates or leaves it ("ok"). A second run with the same definition writes
 * nothing. `dryRun` reads but never writes and reports what it would do.
 */
import {
  CARDS,
  COLLECTION_NAME,
  cardPayload,
  DASHBOARD_KEY,
  DASHBOARD_NAME,
  dashboardParameters,
  embeddingParams,
  marker,
  parameterMappings,
  parseMarker,
} from '../../bigquery/metabase/dashboard.ts';
import { MetabaseClient } from './client';
import { type Credentials, connect } from './connect';

export interface ProvisionConfig {
  url: string;
  credentials: Credentials;
  /** Metabase's embedding-secret-key, the Worker's METABASE_EMBED_SECRET: 64 hex characters. */
  embedSecret: string;
  bigQuery: { project: string; dataset: string; serviceAccountJson: string | null };
  databaseName?: string;
  siteName?: string;
}

export interface ProvisionResult {
  steps: string[];
  changes: number;
  dashboardId: number | null;
  /** Set when a step could not be done and the ones after it were skipped. */
  blocked: string | null;
}

// biome-ignore lint/suspicious/noExplicitAny: Metabase's answers are JSON the tool reads field by field.
type Obj = Record<string, any>;
const PLANNED = -1; // id of an object a dry run would create

export async function provision(
  config: ProvisionConfig,
  opts: { dryRun?: boolean; fetch?: typeof fetch; log?: (line: string) => void } = {},
): Promise<ProvisionResult> {
  const dryRun = opts.dryRun ?? false;
  const result: ProvisionResult = { steps: [], changes: 0, dashboardId: null, blocked: null };
  const step = (line: string) => {
    result.steps.push(line);
    opts.log?.(line);
    if (/^(create|update|set)\b/.test(line)) result.changes++;
  };
  if (!/^[0-9a-f]{64}$/i.test(config.embedSecret))
    throw new Error('the embedding secret must be 64 hexadecimal characters (Metabase refuses anything else)');

  const connected = await connect(new MetabaseClient(config.url, null, opts.fetch), config.credentials, {
    dryRun,
    siteName: config.siteName ?? 'AimbrellaPay',
  });
  connected.steps.forEach(step);
  const mb = connected.client; // null: a dry run on a fresh instance, where everything would be created
  const write = async <T>(action: () => Promise<T>): Promise<T | null> => (dryRun ? null : action());

  // 1. Embedding: the secret first, since enabling embedding without one makes Metabase invent one.
  //    GET /api/setting/:key answers nothing (204) for an unset setting, one equal to its default and
  //    one set by an MB_* environment variable; only the settings list says which (is_env_setting).
  let fromEnv: Set<string> | null = null;
  const envSettings = async () =>
    (fromEnv ??= new Set(((await mb!.get<Obj[]>('/api/setting')) ?? []).filter((st) => st.is_env_setting).map((st) => String(st.key))));
  for (const [key, value] of [
    ['embedding-secret-key', config.embedSecret],
    ['enable-embedding-static', true],
  ] as const) {
    const shown = key === 'embedding-secret-key' ? ' (value not shown)' : ` = ${value}`;
    const current = mb ? await mb.getSetting(key) : null;
    if (current === value) {
      step(`ok      setting ${key}`);
      continue;
    }
    if (current === null && mb && (await envSettings()).has(key)) {
      step(
        `ok      setting ${key}: set by Metabase's environment (MB_${key.toUpperCase().replaceAll('-', '_')}), not compared; it must be${shown}`,
      );
      continue;
    }
    step(`${current === null ? 'set    ' : 'update '} setting ${key}${shown}`);
    await write(() => mb!.put(`/api/setting/${key}`, { value }));
  }

  // 2. The BigQuery connection, limited to our dataset.
  const dbName = config.databaseName ?? 'AimbrellaPay BigQuery';
  const dbs = mb ? list(await mb.get<Obj>('/api/database')) : [];
  let db = dbs.find((d) => d.name === dbName && d.engine === 'bigquery-cloud-sdk');
  const details = (sa: string | null) => ({
    'project-id': config.bigQuery.project,
    ...(sa ? { 'service-account-json': sa } : {}),
    'dataset-filters-type': 'inclusion',
    'dataset-filters-patterns': config.bigQuery.dataset,
  });
  if (!db && !config.bigQuery.serviceAccountJson) {
    result.blocked =
      'no BigQuery credentials (BIGQUERY_SERVICE_ACCOUNT_JSON or GOOGLE_APPLICATION_CREDENTIALS): Metabase connects to BigQuery with a service account, so the database, cards and dashboard were not created';
    step(`skip    database "${dbName}" and everything after it: ${result.blocked}`);
    return result;
  }
  if (!db) {
    step(`create  database "${dbName}" (bigquery-cloud-sdk, ${config.bigQuery.project}, dataset ${config.bigQuery.dataset} only)`);
    db = (await write(() =>
      mb!.post<Obj>('/api/database', {
        name: dbName,
        engine: 'bigquery-cloud-sdk',
        details: details(config.bigQuery.serviceAccountJson),
        is_full_sync: true,
      }),
    )) ?? { id: PLANNED };
  } else {
    // The list may leave `details` out; the database itself carries them (secrets masked).
    const d = (await mb!.get<Obj>(`/api/database/${db.id}`))?.details ?? {};
    const same =
      d['project-id'] === config.bigQuery.project &&
      d['dataset-filters-type'] === 'inclusion' &&
      d['dataset-filters-patterns'] === config.bigQuery.dataset;
    if (same) step(`ok      database "${dbName}"`);
    else {
      step(`update  database "${dbName}" (project / dataset filter)`);
      await write(() => mb!.put(`/api/database/${db!.id}`, { details: details(config.bigQuery.serviceAccountJson ?? '**MetabasePass**') }));
    }
  }

  // 3. Our collection.
  const collections = mb ? ((await mb.get<Obj[]>('/api/collection')) ?? []) : [];
  let collection = collections.find((c) => c.name === COLLECTION_NAME && !c.archived && !c.personal_owner_id && typeof c.id === 'number');
  if (collection) step(`ok      collection "${COLLECTION_NAME}"`);
  else {
    step(`create  collection "${COLLECTION_NAME}"`);
    collection = (await write(() =>
      mb!.post<Obj>('/api/collection', {
        name: COLLECTION_NAME,
        description: 'Dashboards embedded in the AimbrellaPay shop app. Managed by npm run metabase -- provision.',
      }),
    )) ?? { id: PLANNED };
  }
  const items =
    mb && collection.id !== PLANNED ? list(await mb.get<Obj>(`/api/collection/${collection.id}/items?models=card&models=dashboard`)) : [];
  const byKey = (model: string, key: string) => items.find((i) => i.model === model && parseMarker(i.description)?.key === key);

  // 4. Cards: found by the key in their description, updated in place when the definition changed.
  const qualified = `${config.bigQuery.project}.${config.bigQuery.dataset}`;
  const cardIds = new Map<string, number>();
  const cardTags = new Map<string, Record<string, unknown>>();
  for (const spec of CARDS) {
    const payload = cardPayload(spec, db.id, collection.id, qualified);
    cardTags.set(spec.key, payload.dataset_query.native['template-tags']);
    const existing = byKey('card', spec.key);
    if (!existing) {
      step(`create  card "${spec.name}"`);
      cardIds.set(spec.key, (await write(() => mb!.post<Obj>('/api/card', payload)))?.id ?? PLANNED);
    } else if (parseMarker(existing.description)?.digest !== parseMarker(payload.description)?.digest) {
      step(`update  card "${spec.name}" (#${existing.id})`);
      await write(() => mb!.put(`/api/card/${existing.id}`, payload));
      cardIds.set(spec.key, existing.id);
    } else {
      step(`ok      card "${spec.name}"`);
      cardIds.set(spec.key, existing.id);
    }
  }

  // 5. The dashboard: compared with what Metabase holds (not a hash), so edits made in the UI are undone.
  const parameters = dashboardParameters();
  let dash: Obj | null = byKey('dashboard', DASHBOARD_KEY) ?? null;
  if (!dash) {
    step(`create  dashboard "${DASHBOARD_NAME}"`);
    dash = await write(() =>
      mb!.post<Obj>('/api/dashboard', {
        name: DASHBOARD_NAME,
        collection_id: collection!.id,
        description: marker(DASHBOARD_KEY, '0'),
        parameters,
      }),
    );
  } else dash = await mb!.get<Obj>(`/api/dashboard/${dash.id}`);
  const current = dash ?? { id: PLANNED, dashcards: [], parameters: [] };
  const dashcards = CARDS.map((spec, i) => {
    const cardId = cardIds.get(spec.key)!;
    const reuse = (current.dashcards as Obj[]).find((dc) => dc.card_id === cardId && cardId !== PLANNED);
    return {
      id: reuse?.id ?? -(i + 1),
      card_id: cardId,
      ...spec.layout,
      parameter_mappings: parameterMappings(cardId, cardTags.get(spec.key)!),
    };
  });
  // embedding_type files the dashboard under guest embeds in Metabase's admin list of embedded items.
  const desired = { parameters, dashcards, enable_embedding: true, embedding_type: 'guest-embed', embedding_params: embeddingParams() };
  if (dash && sameDashboard(dash, desired))
    step(`ok      dashboard "${DASHBOARD_NAME}" (#${dash.id}), embedding on, shop_id and mode locked`);
  else {
    step(
      `${dash && byKey('dashboard', DASHBOARD_KEY) ? 'update ' : 'set    '} dashboard "${DASHBOARD_NAME}": ${CARDS.length} cards, filters ${parameters.map((p) => p.slug).join(', ')}; embedding on, shop_id and mode locked`,
    );
    await write(() => mb!.put(`/api/dashboard/${current.id}`, { ...desired, description: marker(DASHBOARD_KEY, '1') }));
  }
  result.dashboardId = dash?.id ?? null;
  return result;
}

/** GET /api/database answers `{data: [...]}` (and a bare array in older versions). */
const list = (answer: Obj | Obj[] | null): Obj[] => (Array.isArray(answer) ? answer : (answer?.data ?? []));

function sameDashboard(
  actual: Obj,
  desired: { parameters: Obj[]; dashcards: Obj[]; enable_embedding: boolean; embedding_type: string; embedding_params: Obj },
): boolean {
  const params = (ps: Obj[]) => JSON.stringify((ps ?? []).map((p) => [p.id, p.slug, p.name, p.type]).sort());
  const cards = (dcs: Obj[]) =>
    JSON.stringify(
      (dcs ?? [])
        .map((dc) => [
          dc.card_id,
          dc.row,
          dc.col,
          dc.size_x,
          dc.size_y,
          (dc.parameter_mappings ?? []).map((m: Obj) => [m.parameter_id, m.card_id, JSON.stringify(m.target)]).sort(),
        ])
        .sort(),
    );
  const embed = (e: Obj | null) => JSON.stringify(Object.entries(e ?? {}).sort());
  return (
    actual.enable_embedding === true &&
    actual.embedding_type === desired.embedding_type &&
    params(actual.parameters) === params(desired.parameters) &&
    cards(actual.dashcards) === cards(desired.dashcards) &&
    embed(actual.embedding_params) === embed(desired.embedding_params)
  );
}
