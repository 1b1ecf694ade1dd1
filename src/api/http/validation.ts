import type { Context } from 'hono';
import type { ValidationIssue } from '../../../generated/api/types.gen';
import { type BodySchema, REQUEST_BODIES } from '../../../generated/contract-index';
import type { AppEnv } from '../../app-env';

/**
 * Turns the validator's zod issues into `errors[]` entries that say the fix: a JSON Pointer into
 * the part of the request that was wrong (`in`), a "did you mean" for a misspelt field, and the
 * contract's own wording (`x-error-message`) where a schema has one (the amount's two forms).
 * Field names and messages come from openapi.yaml (through generated/contract-index.ts), so the
 * hints cannot drift from the contract.
 */

type Target = 'json' | 'form' | 'query' | 'param' | 'header' | 'cookie';
interface ZodIssueLike {
  code: string;
  path: PropertyKey[];
  message: string;
  keys?: string[];
}

const IN: Record<Target, ValidationIssue['in']> = {
  json: 'body',
  form: 'body',
  query: 'query',
  param: 'path',
  header: 'header',
  cookie: 'header',
};

function toPointer(path: PropertyKey[]): string {
  return `/${path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
}

export function validationIssues(issues: ZodIssueLike[], target: Target, c: Context<AppEnv>): ValidationIssue[] {
  const body = target === 'json' ? requestBodySchema(c) : undefined;
  const where = IN[target];
  return issues.flatMap((issue): ValidationIssue[] => {
    if (issue.code === 'unrecognized_keys' && issue.keys) {
      const known = Object.keys(schemaAt(body, issue.path)?.properties ?? {});
      return issue.keys.map((key) => {
        const guess = closest(key, known);
        const message = guess ? `unknown field "${key}": did you mean "${guess}"?` : `unknown field "${key}"`;
        return { path: toPointer([...issue.path, key]), in: where, message };
      });
    }
    return [{ path: toPointer(issue.path), in: where, message: schemaAt(body, issue.path)?.errorMessage ?? issue.message }];
  });
}

/** `table[key]` when it is the table's own entry (a field named `constructor` is just unknown). */
const own = <T>(table: Readonly<Record<string, T>> | undefined, key: string): T | undefined =>
  table && Object.hasOwn(table, key) ? table[key] : undefined;

/** The contract's request body schema of the route that matched (`:id` in Hono is `{id}` in OpenAPI). */
function requestBodySchema(c: Context<AppEnv>): BodySchema | undefined {
  const path = c.req.routePath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
  return own(REQUEST_BODIES, `${c.req.method.toLowerCase()} ${path}`);
}

function schemaAt(root: BodySchema | undefined, path: PropertyKey[]): BodySchema | undefined {
  let at = root;
  for (const key of path) {
    if (!at) return undefined;
    at = typeof key === 'number' ? at.items : (own(at.properties, String(key)) ?? at.values);
  }
  return at;
}

/** The known name a typo most likely meant: same letters in another case, or at most 2 edits away. */
function closest(name: string, known: string[]): string | null {
  const lower = name.toLowerCase();
  const limit = Math.min(2, Math.floor(name.length / 3)); // short names: only a case slip
  let best: string | null = null;
  let bestDistance = limit + 1;
  for (const candidate of known) {
    const d = editDistance(lower, candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

/** Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
