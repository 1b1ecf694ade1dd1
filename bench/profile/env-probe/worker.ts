// Does workerd hand every request the same `env` object? src/env.ts caches loadConfig in a
// WeakMap keyed by env, which only hits if it does. Answers how many distinct env objects it saw.
const seen = new WeakSet<object>();
let distinct = 0;
let requests = 0;

export default {
  async fetch(_req: Request, env: Record<string, unknown>): Promise<Response> {
    requests++;
    if (!seen.has(env)) {
      seen.add(env);
      distinct++;
    }
    return Response.json({ status: 'ok', requests, distinctEnvObjects: distinct });
  },
};
