/**
 * The two documents the docs render, derived from the one contract (openapi.yaml as JSON; the
 * Worker reads it from its static assets, src/api/contract/served.ts):
 * the public spec (what a shop uses: no operation or tag marked `x-internal`, and no component
 * only those reach) and the internal spec (everything). Each gets its guide as `info.description`,
 * which Scalar shows as the introduction with one sidebar entry per heading.
 */

type Json = Record<string, unknown>;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function internalTagNames(doc: Json): Set<string> {
  const tags = (doc.tags as Array<Json> | undefined) ?? [];
  return new Set(tags.filter((t) => t['x-internal'] === true).map((t) => String(t.name)));
}

function isInternalOperation(op: Json, internalTags: Set<string>): boolean {
  if (op['x-internal'] === true) return true;
  const tags = (op.tags as string[] | undefined) ?? [];
  return tags.some((t) => internalTags.has(t));
}

/** Drops internal operations from a paths (or webhooks) map; a path left without operations goes too. */
function publicPathItems(items: Json | undefined, internalTags: Set<string>): Json | undefined {
  if (!items) return undefined;
  const out: Json = {};
  for (const [path, item] of Object.entries(items)) {
    const kept: Json = {};
    let operations = 0;
    for (const [key, value] of Object.entries(item as Json)) {
      if (!METHODS.includes(key)) {
        kept[key] = value;
      } else if (!isInternalOperation(value as Json, internalTags)) {
        kept[key] = value;
        operations++;
      }
    }
    if (operations > 0) out[path] = kept;
  }
  return out;
}

function operationIds(items: Json | undefined): Set<string> {
  const ids = new Set<string>();
  for (const item of Object.values(items ?? {})) {
    for (const [key, op] of Object.entries(item as Json)) {
      if (METHODS.includes(key) && typeof (op as Json).operationId === 'string') ids.add((op as Json).operationId as string);
    }
  }
  return ids;
}

/**
 * Drops every response link whose target operation is not in this document: a link to an
 * operation the reader cannot see is a dangling reference, and strict validators (openapi-generator)
 * refuse the whole document for it.
 */
function dropDanglingLinks(paths: Json, componentLinks: Json | undefined, kept: Set<string>): void {
  const target = (link: Json): string | undefined => {
    const ref = link.$ref;
    if (typeof ref === 'string')
      return (componentLinks?.[ref.split('/').pop() ?? ''] as Json | undefined)?.operationId as string | undefined;
    return link.operationId as string | undefined;
  };
  for (const item of Object.values(paths)) {
    for (const [key, op] of Object.entries(item as Json)) {
      if (!METHODS.includes(key)) continue;
      for (const response of Object.values(((op as Json).responses as Json | undefined) ?? {})) {
        const links = (response as Json).links as Json | undefined;
        if (!links) continue;
        for (const [name, link] of Object.entries(links)) {
          const id = target(link as Json);
          if (id !== undefined && !kept.has(id)) delete links[name];
        }
        if (Object.keys(links).length === 0) delete (response as Json).links;
      }
    }
  }
}

/** Every `#/components/<kind>/<name>` reachable from `root`, following refs inside components too. */
function reachableComponents(doc: Json, root: unknown): Set<string> {
  const components = (doc.components as Record<string, Json> | undefined) ?? {};
  const seen = new Set<string>();
  const stack: unknown[] = [root];
  while (stack.length) {
    const node = stack.pop();
    if (Array.isArray(node)) stack.push(...node);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node as Json)) {
        if (key === '$ref' && typeof value === 'string' && value.startsWith('#/components/')) {
          const [, , kind, name] = value.split('/');
          const id = `${kind}/${name}`;
          if (!seen.has(id) && kind && name && components[kind]?.[name] !== undefined) {
            seen.add(id);
            stack.push(components[kind]![name]);
          }
        } else stack.push(value);
      }
    }
  }
  return seen;
}

function usedSecuritySchemes(paths: Json, webhooks: Json | undefined, global: unknown): Set<string> {
  const names = new Set<string>();
  const collect = (reqs: unknown) => {
    for (const req of (reqs as Json[] | undefined) ?? []) for (const name of Object.keys(req)) names.add(name);
  };
  collect(global);
  for (const items of [paths, webhooks ?? {}]) {
    for (const item of Object.values(items)) {
      for (const [key, op] of Object.entries(item as Json)) if (METHODS.includes(key)) collect((op as Json).security);
    }
  }
  return names;
}

/** The public part of the contract; `guide` (the docs' Markdown) replaces `info.description` when given. */
export function buildPublicSpec(contract: Json, guide?: string): Json {
  const doc = clone(contract);
  const internalTags = internalTagNames(doc);
  doc.paths = publicPathItems(doc.paths as Json, internalTags) ?? {};
  if (doc.webhooks) doc.webhooks = publicPathItems(doc.webhooks as Json, internalTags);
  doc.tags = ((doc.tags as Json[] | undefined) ?? []).filter((t) => !internalTags.has(String(t.name)));
  const publicOperations = new Set([...operationIds(doc.paths as Json), ...operationIds(doc.webhooks as Json | undefined)]);
  dropDanglingLinks(doc.paths as Json, (doc.components as Record<string, Json> | undefined)?.links, publicOperations);

  const components = (doc.components as Record<string, Json> | undefined) ?? {};
  const { components: _components, ...rest } = doc;
  const reachable = reachableComponents(doc, rest);
  const schemes = usedSecuritySchemes(doc.paths as Json, doc.webhooks as Json | undefined, doc.security);
  const kept: Record<string, Json> = {};
  for (const [kind, entries] of Object.entries(components)) {
    const names = Object.keys(entries).filter((name) =>
      kind === 'securitySchemes' ? schemes.has(name) : reachable.has(`${kind}/${name}`),
    );
    if (names.length) kept[kind] = Object.fromEntries(names.map((n) => [n, entries[n]]));
  }
  doc.components = kept;
  if (guide !== undefined) doc.info = { ...(doc.info as Json), description: guide };
  return doc;
}

/** Scalar hides whatever carries `x-internal: true`; the internal docs must show all of it. */
function dropInternalMarks(node: unknown): void {
  if (Array.isArray(node)) node.forEach(dropInternalMarks);
  else if (node && typeof node === 'object') {
    delete (node as Json)['x-internal'];
    Object.values(node as Json).forEach(dropInternalMarks);
  }
}

// Operators come for the admin API first; the rest follows in the contract's order.
const INTERNAL_TAG_ORDER = ['admin'];

export function buildInternalSpec(contract: Json, guide: string): Json {
  const doc = clone(contract);
  const tags = (doc.tags as Json[] | undefined) ?? [];
  const rank = (t: Json) => {
    const i = INTERNAL_TAG_ORDER.indexOf(String(t.name));
    return i === -1 ? INTERNAL_TAG_ORDER.length : i;
  };
  doc.tags = tags
    .map((t, i) => [t, i] as const)
    .sort(([a, i], [b, j]) => rank(a) - rank(b) || i - j)
    .map(([t]) => t);
  dropInternalMarks(doc);
  doc.info = { ...(doc.info as Json), title: `${(doc.info as Json).title} (internal)`, description: guide };
  return doc;
}

/** The contract's local-development address, which the guide's samples use too. */
const LOCAL_DEV_ORIGIN = 'http://localhost:8787';

/**
 * The spec as served by one deployment, from the origin it was asked at: that origin first in
 * `servers`, so Scalar's "Test Request", its code samples and generated clients call the API
 * next to these docs (the docs' CSP only lets the page call its own origin anyway), then the
 * deployment's PUBLIC_BASE_URL when it differs, then the contract's others. The contract's
 * local-development entry is dropped: it names a port this deployment may not use; on a local
 * run at another address, the guide's samples name that address instead of it.
 */
export function servedFrom(spec: Json, at: { origin: string; publicBaseUrl: string }): Json {
  const isLocal = (url: string) => /^https?:\/\/(localhost|127\.0\.0\.1)(:|\/|$)/.test(url);
  const first = [{ url: at.origin, description: 'This AimbrellaPay deployment' }];
  if (at.publicBaseUrl !== at.origin) first.push({ url: at.publicBaseUrl, description: "This deployment's public address" });
  const known = new Set(first.map((s) => s.url));
  const servers = ((spec.servers as Json[] | undefined) ?? []).filter((s) => !known.has(String(s.url)) && !isLocal(String(s.url)));
  const info = spec.info as Json | undefined;
  const guide =
    typeof info?.description === 'string' && isLocal(at.origin) ? info.description.replaceAll(LOCAL_DEV_ORIGIN, at.origin) : null;
  return { ...spec, ...(guide === null ? {} : { info: { ...info, description: guide } }), servers: [...first, ...servers] };
}

/** Where a request for a served document was made: the origin it was asked at and the deployment's public address. */
export function servedAt(requestUrl: string, publicBaseUrl: string): { origin: string; publicBaseUrl: string } {
  return { origin: new URL(requestUrl).origin, publicBaseUrl };
}
