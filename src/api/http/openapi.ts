import { OpenAPIHono } from '@hono/zod-openapi';
import type { ZodType } from 'zod';
// A namespace import: esbuild shakes `z.x` member by member then (`import { z }` bundles all of zod).
import * as z from 'zod';
import { zProblem } from '../../../generated/api/zod.gen';
import { ApiError } from '../../platform/problem';
import type { AppEnv } from './context';
import { validationIssues } from './validation';

/**
 * A router whose validation failures become `400 validation_failed` problems with one entry per
 * field (JSON Pointer paths and hints, see validation.ts), instead of zod-openapi's default body.
 */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (result.success) return;
      const errors = validationIssues(result.error.issues, result.target, c);
      const where = result.target === 'json' ? 'body' : result.target;
      throw new ApiError(400, 'validation_failed', `${errors.length} ${where} field${errors.length === 1 ? ' is' : 's are'} invalid.`, {
        errors,
      });
    },
  });
}

/** Answers every operation can give, whatever it does: rate limited, failed, briefly unavailable. */
const ALWAYS_POSSIBLE = [429, 500, 503] as const;

/**
 * The problem documents an operation declares: the statuses given plus the ones any operation can
 * answer (descriptions live in openapi.yaml), so generated clients know every answer.
 */
export function problems<S extends number>(...statuses: S[]) {
  type Declared = S | (typeof ALWAYS_POSSIBLE)[number];
  const out = {} as Record<Declared, { description: string; content: { 'application/problem+json': { schema: typeof zProblem } } }>;
  for (const s of [...statuses, ...ALWAYS_POSSIBLE]) {
    out[s as Declared] = { description: `Problem ${s}`, content: { 'application/problem+json': { schema: zProblem } } };
  }
  return out;
}

export function jsonContent<T extends ZodType>(schema: T, description = 'OK') {
  return { description, content: { 'application/json': { schema } } };
}

export function jsonBody<T extends ZodType>(schema: T, required = true) {
  return { required, content: { 'application/json': { schema } } };
}

export const htmlContent = (description: string) => ({
  description,
  content: { 'text/html': { schema: z.string() } },
});

export const redirect = { description: 'Redirect' } as const;

/**
 * Query strings arrive as text: turn integer-looking values into numbers before the generated
 * schema (which says `integer`) validates them — but only where the text itself is not already
 * valid, so a string field such as `cursor=0` stays a string. An object parameter (`style:
 * deepObject`, `metadata[order_ref]=10042`) arrives as flat `name[key]` entries: they are folded
 * into the object its schema validates. Documented schemas are unchanged.
 */
export function coerceQuery<T extends z.ZodObject>(schema: T): T {
  const shape: Record<string, ZodType> = {};
  for (const [key, field] of Object.entries(schema.shape)) {
    const f = field as ZodType;
    shape[key] = z.preprocess((v) => (typeof v === 'string' && /^-?\d{1,15}$/.test(v) && !f.safeParse(v).success ? Number(v) : v), f);
  }
  return z.preprocess((query) => foldDeepObjects(query, Object.keys(shape)), z.object(shape)) as unknown as T;
}

const DEEP_OBJECT_ENTRY = /^([A-Za-z0-9_]+)\[([^\]]*)\]$/;

/** `{ 'metadata[a]': '1' }` → `{ metadata: { a: '1' } }` for the parameters the route declares. */
function foldDeepObjects(query: unknown, names: string[]): unknown {
  if (typeof query !== 'object' || query === null) return query;
  let out: Record<string, unknown> | null = null;
  for (const [entry, value] of Object.entries(query)) {
    const m = DEEP_OBJECT_ENTRY.exec(entry);
    if (!m || !names.includes(m[1]!)) continue;
    out ??= { ...query };
    delete out[entry];
    out[m[1]!] = { ...(out[m[1]!] as Record<string, unknown> | undefined), [m[2]!]: value };
  }
  return out ?? query;
}
