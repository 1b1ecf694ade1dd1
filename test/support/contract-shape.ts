/**
 * Reduces OpenAPI operations to a comparable shape, so the contract (openapi.yaml) and the
 * document derived from the registered routes can be compared operation by operation:
 * parameters, request bodies and responses, with schemas resolved and normalised
 * (refs inlined, allOf merged, nullable spellings unified, descriptions and examples dropped).
 * Kept: type, enum/const, pattern, format, additionalProperties: false, and the length, range,
 * item-count and property-count bounds.
 */
type Json = Record<string, unknown>;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

export interface OperationShape {
  key: string;
  parameters: Record<string, { in: string; required: boolean; schema: unknown }>;
  requestBody: { required: boolean; content: Record<string, unknown> } | null;
  responses: Record<string, Record<string, unknown>>;
}

export function operationShapes(doc: Json, opts: { skipTags?: string[] } = {}): Map<string, OperationShape> {
  const out = new Map<string, OperationShape>();
  const paths = (doc.paths ?? {}) as Record<string, Json>;
  for (const [path, item] of Object.entries(paths)) {
    for (const method of METHODS) {
      const op = item[method] as Json | undefined;
      if (!op) continue;
      const tags = (op.tags as string[] | undefined) ?? [];
      if (opts.skipTags?.some((t) => tags.includes(t))) continue;
      const key = `${method.toUpperCase()} ${path}`;
      const parameters: OperationShape['parameters'] = {};
      for (const raw of [...((item.parameters as Json[]) ?? []), ...((op.parameters as Json[]) ?? [])]) {
        const p = resolve(doc, raw) as Json;
        parameters[`${p.in}:${p.name}`] = { in: String(p.in), required: Boolean(p.required), schema: normalise(doc, p.schema) };
      }
      let requestBody: OperationShape['requestBody'] = null;
      if (op.requestBody) {
        const rb = resolve(doc, op.requestBody) as Json;
        requestBody = { required: Boolean(rb.required), content: mapContent(doc, rb.content as Json | undefined) };
      }
      const responses: OperationShape['responses'] = {};
      for (const [status, r] of Object.entries((op.responses ?? {}) as Json)) {
        responses[status] = mapContent(doc, (resolve(doc, r) as Json).content as Json | undefined);
      }
      out.set(key, { key, parameters, requestBody, responses });
    }
  }
  return out;
}

function mapContent(doc: Json, content: Json | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [mt, media] of Object.entries(content ?? {})) out[mt] = normalise(doc, (media as Json).schema);
  return out;
}

function resolve(doc: Json, node: unknown): unknown {
  let cur = node as Json;
  const seen = new Set<string>();
  while (cur && typeof cur === 'object' && typeof cur.$ref === 'string') {
    const ref = cur.$ref as string;
    if (seen.has(ref)) throw new Error(`circular $ref ${ref}`);
    seen.add(ref);
    cur = ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<unknown>((o, k) => (o as Json)[k.replace(/~1/g, '/').replace(/~0/g, '~')], doc) as Json;
  }
  return cur;
}

/**
 * Formats hey-api turns into a plain `z.string()` or `z.number()` because zod has no check for
 * them: neither side can show them, so they are left out rather than compared (`Problem.type`'s
 * uri-reference; the amount's `double`, which every JSON number zod accepts already is).
 */
const FORMATS_ZOD_CANNOT_CHECK = new Set(['uri-reference', 'double']);

/** A canonical form of a JSON Schema: only the keywords that constrain data. */
function normalise(doc: Json, schema: unknown): unknown {
  const s = resolve(doc, schema) as Json | undefined;
  if (!s || typeof s !== 'object') return s ?? null;
  if (Array.isArray(s.allOf)) {
    const parts = (s.allOf as unknown[]).map((p) => normalise(doc, p) as Json);
    return parts.reduce((acc, p) => mergeObjects(acc, p), {} as Json);
  }
  const variants = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
  if (variants) {
    const norm = variants.map((v) => normalise(doc, v) as Json);
    const nonNull = norm.filter((v) => !(v.type && (v.type as string[]).length === 1 && (v.type as string[])[0] === 'null'));
    if (nonNull.length === 1 && norm.length === 2) {
      const only = nonNull[0]!;
      return { ...only, type: [...new Set([...((only.type as string[]) ?? []), 'null'])].sort() };
    }
    return { anyOf: norm };
  }
  const out: Json = {};
  let types = s.type === undefined ? [] : Array.isArray(s.type) ? [...(s.type as string[])] : [s.type as string];
  if (s.nullable === true) types.push('null');
  types = types.map((t) => (t === 'integer' ? 'integer' : t));
  if (types.length) out.type = [...new Set(types)].sort();
  if (s.enum) out.enum = [...(s.enum as unknown[])].map(String).sort();
  if (s.const !== undefined) out.enum = [String(s.const)];
  // Compare regexes by meaning, not spelling (`/` and `\/` are the same pattern).
  if (typeof s.pattern === 'string') out.pattern = new RegExp(s.pattern).source;
  if (typeof s.format === 'string' && !FORMATS_ZOD_CANNOT_CHECK.has(s.format)) out.format = s.format;
  if (s.additionalProperties === false) out.additionalProperties = false;
  for (const k of ['minLength', 'maxLength', 'minimum', 'maximum', 'minItems', 'maxItems', 'minProperties', 'maxProperties']) {
    if (s[k] !== undefined) out[k] = s[k];
  }
  if (s.properties) {
    const props: Json = {};
    for (const [name, p] of Object.entries(s.properties as Json)) props[name] = normalise(doc, p);
    out.properties = props;
    out.required = [...((s.required as string[]) ?? [])].sort();
  }
  if (s.items) out.items = normalise(doc, s.items);
  return out;
}

function mergeObjects(a: Json, b: Json): Json {
  return {
    ...a,
    ...b,
    properties: { ...((a.properties as Json) ?? {}), ...((b.properties as Json) ?? {}) },
    required: [...new Set([...((a.required as string[]) ?? []), ...((b.required as string[]) ?? [])])].sort(),
  };
}
