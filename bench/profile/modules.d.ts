// Transitive dependencies (ws via wrangler/miniflare, trace-mapping via tooling) the profiler uses; the slice it needs.
declare module 'ws' {
  export default class WebSocket {
    constructor(url: string);
    once(event: 'open' | 'close', cb: (...args: unknown[]) => void): this;
    once(event: 'error', cb: (err: Error) => void): this;
    on(event: 'message', cb: (data: unknown) => void): this;
    send(data: string): void;
    close(): void;
  }
}
declare module '@jridgewell/trace-mapping' {
  export class TraceMap {
    constructor(map: string);
  }
  export function originalPositionFor(
    map: TraceMap,
    needle: { line: number; column: number },
  ): { source: string | null; line: number | null };
}
