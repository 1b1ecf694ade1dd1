/**
 * A V8 CPU profile of a Worker while it is under load, taken through workerd's own inspector
 * (the socket whose /json/list names the Worker), so the profile holds the Worker's isolate only.
 */
import WebSocket from 'ws';
import { listeningPorts } from '../workers.ts';

export async function inspectorUrl(pid: number, worker: string): Promise<string> {
  for (const port of listeningPorts(pid)) {
    try {
      const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`, { signal: AbortSignal.timeout(1000) })).json()) as Array<{
        id: string;
        webSocketDebuggerUrl: string;
      }>;
      const hit = list.find((t) => t.id === `core:user:${worker}`);
      if (hit) return hit.webSocketDebuggerUrl;
    } catch {
      /* not the inspector */
    }
  }
  throw new Error(`no inspector for ${worker} in workerd ${pid}`);
}

export interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    children?: number[];
  }>;
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** workerd drops the first session opened beside wrangler's own (seen here, reproducibly); the next one stays. */
async function connect(url: string, tries = 4): Promise<WebSocket> {
  for (let i = 0; i < tries; i++) {
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
    const closed = await new Promise<boolean>((r) => (ws.once('close', () => r(true)), setTimeout(() => r(false), 500)));
    if (!closed) return ws;
  }
  throw new Error(`inspector session at ${url} keeps closing`);
}

/** Profiles while `during` runs; sampling every `intervalUs` microseconds. */
export async function profileWhile(wsUrl: string, during: () => Promise<unknown>, intervalUs = 200): Promise<CpuProfile> {
  const ws = await connect(wsUrl);
  let id = 0;
  const pending = new Map<number, (r: unknown) => void>();
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data)) as { id?: number; result?: unknown };
    if (msg.id !== undefined) pending.get(msg.id)?.(msg.result);
  });
  const send = <T>(method: string, params: object = {}) =>
    new Promise<T>((resolve) => {
      pending.set(++id, resolve as (r: unknown) => void);
      ws.send(JSON.stringify({ id, method, params }));
    });
  try {
    await send('Profiler.enable');
    await send('Profiler.setSamplingInterval', { interval: intervalUs });
    await send('Profiler.start');
    await during();
    const { profile } = await send<{ profile: CpuProfile }>('Profiler.stop');
    return profile;
  } finally {
    ws.close();
  }
}
