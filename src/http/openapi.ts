import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { ZodType } from 'zod';
import { zProblem } from '../../generated/api/zod.gen';
import type { AppEnv } from './context';
import { ApiError } from './problem';

/**
 * A router whose validation failures become `400 validation_failed` problems with one entry per
 * field (JSON Pointer paths), instead of zod-openapi's default body.
 */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (result.success) return;
      const errors = result.error.issues.map((issue) => ({
        path: result.target === 'json' ? toPointer(issue.path) : issue.path.map(String).join('.') || result.target,
        message: issue.message,
      }));
      const where = result.target === 'json' ? 'body' : result.target;
      throw new ApiError(400, 'validation_failed', `${errors.length} ${where} field${errors.length === 1 ? ' is' : 's are'} invalid.`, {
        errors,
      });
    },
  });
}

function toPointer(path: PropertyKey[]): string {
  return '/' + path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

/** Statuses whose problem documents an operation declares (descriptions live in openapi.yaml). */
export function problems<S extends number>(...statuses: S[]) {
  const out = {} as Record<S, { description: string; content: { 'application/problem+json': { schema: typeof zProblem } } }>;
  for (const s of statuses) out[s] = { description: `Problem ${s}`, content: { 'application/problem+json': { schema: zProblem } } };
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
 * valid, so a string field such as `cursor=0` stays a string. Documented schemas are unchanged.
 */
export function coerceQuery<T extends z.ZodObject>(schema: T): T {
  const shape: Record<string, ZodType> = {};
  for (const [key, field] of Object.entries(schema.shape)) {
    const f = field as ZodType;
    shape[key] = z.preprocess(
      (v) => (typeof v === 'string' && /^-?\d{1,15}$/.test(v) && !f.safeParse(v).success ? Number(v) : v),
      f,
    );
  }
  return z.object(shape) as unknown as T;
}
