import type { IncomingMessage } from 'node:http';

/**
 * The request body as text, exactly as sent (signatures are computed over these bytes).
 * With `maxBytes`, a larger body rejects instead of filling memory.
 */
export function readBody(req: IncomingMessage, maxBytes = Infinity): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) reject(new Error('body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
