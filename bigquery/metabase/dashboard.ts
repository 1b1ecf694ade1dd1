/**
 * The shops' Metabase dashboard as code: its filters, which of them the embedding token locks, and
 * its cards (SQL in ./cards, each prefixed with the shared scope of src/insight/reporting/scope-sql.ts).
 * `npm run metabase -- provision` turns this into Metabase objects; tests read it to check the SQL
 * and that every card is wired to every locked filter (Metabase issue #59677).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCOPE_SQL, templateTagNames, withDataset } from '../../src/insight/reporting/scope-sql.ts';

export const COLLECTION_NAME = 'AimbrellaPay';
export const DASHBOARD_KEY = 'shop-stats';
export const DASHBOARD_NAME = 'Shop stats';

type TagType = 'text' | 'date';
export interface DashboardFilter {
  slug: string;
  name: string;
  tag: TagType;
  /** locked: only the signed token sets it; enabled: the shop may pick it in the embed. */
  embedding: 'locked' | 'enabled';
}

export const FILTERS: DashboardFilter[] = [
  { slug: 'shop_id', name: 'Shop', tag: 'text', embedding: 'locked' },
  { slug: 'mode', name: 'Mode', tag: 'text', embedding: 'locked' },
  { slug: 'from', name: 'From', tag: 'date', embedding: 'enabled' },
  { slug: 'to', name: 'To', tag: 'date', embedding: 'enabled' },
  { slug: 'currency', name: 'Currency', tag: 'text', embedding: 'enabled' },
  { slug: 'status', name: 'Status', tag: 'text', embedding: 'enabled' },
];
export const LOCKED = FILTERS.filter((f) => f.embedding === 'locked').map((f) => f.slug);

export interface CardSpec {
  key: string;
  name: string;
  display: string;
  layout: { row: number; col: number; size_x: number; size_y: number };
}

export const CARDS: CardSpec[] = [
  { key: 'volume_per_currency', name: 'Volume per currency and day', display: 'table', layout: { row: 0, col: 0, size_x: 12, size_y: 6 } },
  { key: 'conversion', name: 'Conversion (created → paid)', display: 'line', layout: { row: 0, col: 12, size_x: 12, size_y: 6 } },
  {
    key: 'outcomes',
    name: 'Outcomes (paid, failed, expired, init failed)',
    display: 'table',
    layout: { row: 6, col: 0, size_x: 8, size_y: 5 },
  },
  { key: 'failure_reasons', name: 'Why payments failed', display: 'table', layout: { row: 6, col: 8, size_x: 8, size_y: 5 } },
  { key: 'time_to_pay', name: 'Time to pay (median, p95)', display: 'table', layout: { row: 6, col: 16, size_x: 8, size_y: 5 } },
  { key: 'postback_health', name: 'Postback delivery', display: 'table', layout: { row: 11, col: 0, size_x: 24, size_y: 4 } },
];

const CARDS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'cards');
const hash = (text: string) => createHash('sha256').update(text).digest('hex');

/** Stable per card and tag, so an unchanged card yields the same definition (and hash) every run. */
function stableUuid(seed: string): string {
  const h = hash(seed);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export const parameterId = (slug: string) => hash(`apay-param-${slug}`).slice(0, 8);

/** The card's SQL in Metabase syntax, with the dataset filled in. */
export function cardSql(key: string, qualifiedDataset: string): string {
  return withDataset(SCOPE_SQL + readFileSync(join(CARDS_DIR, `${key}.sql`), 'utf8'), qualifiedDataset);
}

function templateTags(key: string, sql: string): Record<string, Record<string, unknown>> {
  const tags: Record<string, Record<string, unknown>> = {};
  for (const name of templateTagNames(sql)) {
    const filter = FILTERS.find((f) => f.slug === name);
    if (!filter) throw new Error(`card ${key} uses {{${name}}}, which is not a dashboard filter`);
    tags[name] = {
      id: stableUuid(`${key}/${name}`),
      name,
      'display-name': filter.name,
      type: filter.tag,
      ...(filter.embedding === 'locked' ? { required: true } : {}),
    };
  }
  return tags;
}

/** Body of POST/PUT /api/card (legacy native form, which Metabase still accepts and normalises). */
export function cardPayload(spec: CardSpec, databaseId: number, collectionId: number, qualifiedDataset: string) {
  const query = cardSql(spec.key, qualifiedDataset);
  const definition = { name: spec.name, display: spec.display, query, tags: templateTags(spec.key, query), databaseId };
  return {
    name: spec.name,
    display: spec.display,
    collection_id: collectionId,
    visualization_settings: {},
    description: marker(spec.key, hash(JSON.stringify(definition)).slice(0, 16)),
    dataset_query: { type: 'native', database: databaseId, native: { query, 'template-tags': definition.tags } },
  };
}

/** Dashboard parameters (POST/PUT /api/dashboard): text filters are "string/=", dates "date/single". */
export function dashboardParameters() {
  return FILTERS.map((f) => ({
    id: parameterId(f.slug),
    slug: f.slug,
    name: f.name,
    type: f.tag === 'date' ? 'date/single' : 'string/=',
    sectionId: f.tag === 'date' ? 'date' : 'string',
  }));
}

export const embeddingParams = () => Object.fromEntries(FILTERS.map((f) => [f.slug, f.embedding]));

/** Every card gets a mapping for every variable it uses — and every card uses every locked one. */
export function parameterMappings(cardId: number, tags: Record<string, unknown>) {
  return Object.keys(tags).map((slug) => ({
    parameter_id: parameterId(slug),
    card_id: cardId,
    target: ['variable', ['template-tag', slug]],
  }));
}

/** Our objects carry a marker in their description: found again by key, changed when the hash differs. */
export const marker = (key: string, digest: string) => `Managed by AimbrellaPay (npm run metabase -- provision). [apay:${key}:${digest}]`;
export function parseMarker(description: unknown): { key: string; digest: string } | null {
  const m = typeof description === 'string' ? /\[apay:([a-z0-9_-]+):([0-9a-f]+)\]/.exec(description) : null;
  return m ? { key: m[1]!, digest: m[2]! } : null;
}
