/**
 * Storage failures that say nothing about the request and are gone on a second try: Cloudflare
 * flags them `retryable` / `overloaded`, and an object whose SQLite allocator ran out of memory is
 * reset by the runtime (`SQLITE_NOMEM`, "Durable Object reset", or the bare "internal error;
 * reference = …" a caller sees while it resets). The API answers them 503 with Retry-After.
 */
const TRANSIENT_MESSAGE = /SQLITE_NOMEM|Durable Object reset|internal error; reference =/;

export function isTransientStorageError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { retryable?: unknown; overloaded?: unknown; message?: unknown };
  if (e.retryable === true || e.overloaded === true) return true;
  return typeof e.message === 'string' && TRANSIENT_MESSAGE.test(e.message);
}

/**
 * An idempotent read of a Durable Object, tried once more after a transient failure. `read` must
 * get a fresh stub each call: a stub whose object was reset keeps failing. An overloaded object is
 * not asked again (that adds to its queue); the caller answers 503 and the client retries later.
 */
export async function readWithOneRetry<T>(read: () => Promise<T>, pauseMs = 50): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (!isTransientStorageError(err) || (err as { overloaded?: unknown }).overloaded === true) throw err;
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
    return read();
  }
}
