import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../../app-env';
import { ApiError } from '../../platform/problem';

type SourceContext = { source?: string } | undefined;

/**
 * Parses a JSON body once and remembers how each top-level number was written (`"amount": 100`
 * → `"100"`), using JSON.parse's source text access. A double forgets the digits a shop sent
 * (`1.00000000000000001` parses to `1`); money must not, so the payment rules read the text.
 * The parsed body is handed to the route's validator through Hono's body cache, so the body is
 * read and parsed once. Malformed JSON is a `400 malformed_json` naming the line and column where
 * the parser stopped, so the client finds the typo without counting characters.
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
  } catch (err) {
    throw malformedJson(text, err);
  }
  for (const n of numbers) if (n.holder === parsed) sources.set(`/${n.key.replace(/~/g, '~0').replace(/\//g, '~1')}`, n.source);
  c.req.bodyCache.json = Promise.resolve(parsed);
  await next();
};

/** The parser's complaint at its place in the text: `errors[0]` with 1-based `line` and `column`. */
function malformedJson(text: string, err: unknown): ApiError {
  const raw = err instanceof Error ? err.message : String(err);
  // V8 says where it stopped as "… at position N" (and, in newer versions, "(line L column C)").
  const position = Number(/at position (\d+)/.exec(raw)?.[1] ?? text.length);
  const before = text.slice(0, position).split(/\r\n|\r|\n/);
  const line = before.length;
  const column = Array.from(before.at(-1) ?? '').length + 1;
  const reason = raw.replace(/\s*(?:in JSON )?at position \d+.*$/s, '').replace(/^SyntaxError:\s*/, '') || 'not valid JSON';
  const message = text.trim() === '' ? 'the body is empty' : reason;
  return new ApiError(400, 'malformed_json', `The request body is not valid JSON: ${message} at line ${line}, column ${column}.`, {
    errors: [{ path: '', in: 'body', code: 'malformed_json', message, line, column }],
  });
}
