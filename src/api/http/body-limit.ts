import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../../app-env';
import { ApiError } from '../../platform/problem';

/**
 * Refuses request bodies above `maxBytes` with `413 payload_too_large` (problem+json).
 *
 * Why not hono's bodyLimit: on a chunked body (no Content-Length) it answers as soon as the limit
 * is crossed and leaves the rest of the upload unread. The runtime then aborts the request body
 * while the client is still sending, the connection is torn down, and what the client gets is
 * not our 413: under `wrangler dev` its proxy answers a text/plain `503 Your worker restarted
 * mid-request`, behind other proxies a reset. So we read the rest of an
 * oversized upload and throw it away (I/O wait, no buffering, ~no CPU) before answering — up to
 * `drainBytes`, past which the client is abusive and we cancel the stream instead.
 * The platform caps bodies anyway (Cloudflare: 100 MB on Free/Pro).
 *
 * A declared Content-Length above the limit is refused before reading anything (as before):
 * the runtime knows the body's length, nothing is left half-sent.
 */
export function bodyLimit(maxBytes: number, drainBytes = 64 * 1024 * 1024): MiddlewareHandler<AppEnv> {
  const tooLarge = () => new ApiError(413, 'payload_too_large', `The body exceeds ${maxBytes / 1024} KiB.`);
  return async (c, next) => {
    const body = c.req.raw.body;
    if (!body) return next();
    const declared = c.req.header('content-length');
    if (declared !== undefined && !c.req.header('transfer-encoding')) {
      if (!/^\d+$/.test(declared) || Number(declared) > maxBytes) throw tooLarge();
      return next();
    }
    const reader = body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await drain(reader, size, drainBytes);
        throw tooLarge();
      }
      chunks.push(value);
    }
    const buffer = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      buffer.set(chunk, offset);
      offset += chunk.byteLength;
    }
    c.req.raw = new Request(c.req.raw, { body: buffer });
    await next();
  };
}

async function drain(reader: ReadableStreamDefaultReader<Uint8Array>, seen: number, limit: number): Promise<void> {
  try {
    for (let total = seen; total <= limit; ) {
      const { done, value } = await reader.read();
      if (done) return;
      total += value.byteLength;
    }
    await reader.cancel('request body too large');
  } catch {
    // The client went away: nothing left to answer.
  }
}
