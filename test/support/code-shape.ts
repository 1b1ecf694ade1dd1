/**
 * The code's side of the drift test: the document zod-openapi derives from the registered routes,
 * corrected by what the zod schemas the routes validate with actually do. The document alone cannot
 * be trusted for three keywords, because the route files patch the generated schemas:
 *
 *  - strictness: `.strict()` does emit `additionalProperties: false`, but a document can say so
 *    (`.openapi({ additionalProperties: false })`) without the schema rejecting anything. So every
 *    object node is asked: does it reject an unknown key (`unrecognized_keys`)?
 *  - minProperties: a `.refine(...)` leaves no trace in the document. So every object node is asked:
 *    does it reject `{}` at its own level (not for a missing field)? If so it has `minProperties: 1`;
 *    a contract that needs a larger bound fails here until this probe learns it.
 *  - format: zod drops `format` from the emitted schema as soon as a `.regex()` is chained
 *    ("custom pattern overrides format", zod's json-schema-processors), which hey-api does for
 *    `format: email` / `uri` fields with a `pattern`. The check is still there at runtime, so the
 *    format is read from the string schema's own definition (`z.email()` → `email`, `z.url()` → `uri`).
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ZodType } from 'zod';
import { type OperationShape, operationShapes } from './contract-shape';

type Json = Record<string, unknown>;
type RoutedApp = Pick<OpenAPIHono, 'openAPIRegistry' | 'getOpenAPI31Document'>;
// zod's names for its string formats where JSON Schema spells them differently.
const JSON_SCHEMA_FORMAT: Record<string, string> = { url: 'uri', datetime: 'date-time', guid: 'uuid' };
const PROBE_KEY = '__drift_probe_unknown_key__';

interface RouteConfig {
  method: string;
  path: string;
  request?: {
    body?: { content: Record<string, { schema: ZodType }> };
    query?: ZodType;
    params?: ZodType;
  };
  responses: Record<string, { content?: Record<string, { schema: ZodType }> }>;
}

/** The registered routes with their zod schemas, keyed like operationShapes (`GET /path/{id}`). */
export function registeredRoutes(app: RoutedApp): Map<string, RouteConfig> {
  const out = new Map<string, RouteConfig>();
  for (const d of app.openAPIRegistry.definitions) {
    if (d.type !== 'route') continue;
    const route = d.route as unknown as RouteConfig;
    out.set(`${route.method.toUpperCase()} ${route.path}`, route);
  }
  return out;
}

export function codeOperationShapes(app: RoutedApp): Map<string, OperationShape> {
  const doc = app.getOpenAPI31Document({ openapi: '3.1.0', info: { title: 'code', version: '0' } }) as unknown as Json;
  const shapes = operationShapes(doc);
  for (const [key, route] of registeredRoutes(app)) {
    const shape = shapes.get(key);
    if (!shape) continue;
    for (const [name, p] of Object.entries(shape.parameters)) {
      const holder = p.in === 'query' ? route.request?.query : p.in === 'path' ? route.request?.params : undefined;
      const field = holder ? objectShape(holder)?.[name.slice(p.in.length + 1)] : undefined;
      if (field) correct(p.schema, field);
    }
    for (const [mt, schema] of Object.entries(shape.requestBody?.content ?? {})) {
      const zod = route.request?.body?.content[mt]?.schema;
      if (zod) correct(schema, zod);
    }
    for (const [status, content] of Object.entries(shape.responses)) {
      for (const [mt, schema] of Object.entries(content)) {
        const zod = route.responses[status]?.content?.[mt]?.schema;
        if (zod) correct(schema, zod);
      }
    }
  }
  return shapes;
}

/** Rewrites format, strictness and minProperties of a normalised schema from its zod schema. */
function correct(node: unknown, schema: ZodType): void {
  if (!node || typeof node !== 'object') return;
  const json = node as Json;
  const z = unwrap(schema);
  const def = z._zod.def as unknown as Json;
  if (Array.isArray(json.anyOf) && def.type === 'union') {
    (json.anyOf as unknown[]).forEach((v, i) => {
      const option = (def.options as ZodType[])[i];
      if (option) correct(v, option);
    });
    return;
  }
  if (def.type === 'string') {
    delete json.format;
    if (typeof def.format === 'string') json.format = JSON_SCHEMA_FORMAT[def.format] ?? def.format;
  }
  if (def.type === 'object') {
    delete json.additionalProperties;
    delete json.minProperties;
    if (rejectsUnknownKeys(z)) json.additionalProperties = false;
    if (rejectsEmptyObject(z)) json.minProperties = 1;
    const shape = def.shape as Record<string, ZodType>;
    for (const [name, p] of Object.entries((json.properties as Json | undefined) ?? {})) {
      if (shape[name]) correct(p, shape[name]);
    }
  }
  if (def.type === 'array' && json.items) correct(json.items, def.element as ZodType);
}

function rejectsUnknownKeys(z: ZodType): boolean {
  const r = z.safeParse({ [PROBE_KEY]: true });
  return !r.success && r.error.issues.some((i) => i.code === 'unrecognized_keys' && i.keys.includes(PROBE_KEY));
}

function rejectsEmptyObject(z: ZodType): boolean {
  const r = z.safeParse({});
  return !r.success && r.error.issues.some((i) => i.path.length === 0 && i.code !== 'unrecognized_keys');
}

/** The schema that validates the value itself: past optional/nullable/default wrappers and preprocessing. */
function unwrap(schema: ZodType): ZodType {
  let z = schema;
  for (;;) {
    const def = z._zod.def as unknown as Json;
    if (['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional'].includes(def.type as string)) {
      z = def.innerType as ZodType;
    } else if (def.type === 'pipe') {
      // z.preprocess(fn, inner) is pipe(transform, inner): the inner schema is what validates.
      const input = def.in as ZodType;
      z = (input._zod.def.type === 'transform' ? def.out : input) as ZodType;
    } else if (def.type === 'lazy') {
      z = (def.getter as () => ZodType)();
    } else return z;
  }
}

export function objectShape(schema: ZodType): Record<string, ZodType> | undefined {
  const z = unwrap(schema);
  return z._zod.def.type === 'object' ? ((z._zod.def as unknown as Json).shape as Record<string, ZodType>) : undefined;
}
