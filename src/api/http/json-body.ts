import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../../app-env';

type SourceContext = { source?: string } | undefined;

/**
 * Parses a JSON body once and remembers how each top-level number was written (`"amount": 100`
 * → `"100"`), using JSON.parse's source text access. A double forgets the digits a shop sent
 * (`1.00000000000000001` parses to `1`); money must not, so the payment rules read the text.
 * The parsed body is handed to the route's validator through Hono's body cache, so the body is
 * read and parsed once. Malformed JSON is left to the validator (→ `malformed_json`).
 */
export const jsonNumberSources = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  const sources = new Map<string, string>();
  c.set('numberSources', sources);
  if (!/\bjson\b/i.test(c.req.header('content-type') ?? '')) return next();

  const text = await c.req.text();
  const numbers: Array<{ holder: unknown; key: string; source: string }> = [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text, function (this: unknown, key: string, value: unknown, context?: SourceContext) {
      if (typeof value === 'number' && context?.source !== undefined) numbers.push({ holder: this, key, source: context.source });
      return value;
    });
  } catch {
    return next();
  }
  for (const n of numbers) if (n.holder === parsed) sources.set(`/${n.key.replace(/~/g, '~0').replace(/\//g, '~1')}`, n.source);
  c.req.bodyCache.json = Promise.resolve(parsed);
  await next();
};
