/**
 * Counting the Worker's I/O with the real bindings: the prototypes of KV, Queue producers,
 * Durable Object namespaces and Durable Object storage, and the global fetch, are wrapped once per
 * isolate (the test, the Worker and its Durable Objects share it in the workerd test pool), so
 * every call the Worker, its objects and its consumers make is recorded with what it bills.
 *
 * Serial round trips are found by injecting latency: one kind of I/O is made `delayMs` slower and
 * the answer's extra wait, divided by `delayMs`, is how many of that kind stand one after another
 * before it (work after the answer adds nothing). Durable Object storage is local to the object
 * and not a round trip; it is counted (rows), never delayed.
 */

import { runInDurableObject } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { inject } from 'vitest';
import { ListenObject } from '../../src/core/listen/listen-object';
import { PaymentObject } from '../../src/core/payments/payment-object';
import { PaymentsIndexObject } from '../../src/core/payments-index/index-object';
import { SessionObject } from '../../src/docs/sessions/session-object';
import { LimiterObject } from '../../src/platform/limits/limiter-object';
import { ShopMembersObject } from '../../src/shop-app/members/members-object';

export type Kind = 'kv' | 'do' | 'queue' | 'bansky' | 'shop' | 'storage' | 'other';
/** The kinds that are round trips over the network in production (storage is in the object). */
export const NETWORK_KINDS = ['kv', 'do', 'queue', 'bansky', 'shop'] as const;

interface Op {
  kind: Kind;
  /** e.g. `kv.put txlog:`, `PaymentObject.init`, `queue analytics`, `storage.put payment`. */
  what: string;
  /** Which request (or phase) of the lifecycle made it. */
  phase: string;
  start: number;
  /** Billed units: KV keys, Queue messages, rows (storage). */
  units: number;
  /** Analytics rows carried (one per event), for Queue sends. */
  rows?: number;
  rowsRead?: number;
  rowsWritten?: number;
  inFlight: boolean;
}

interface SqlCursorLike {
  rowsRead: number;
  rowsWritten: number;
}

class Recorder {
  on = false;
  phase = '';
  ops: Op[] = [];
  /** Extra latency per kind, for finding serial round trips. */
  delay: Partial<Record<Kind, number>> = {};
  private cursors: Array<{ op: Op; cursor: SqlCursorLike }> = [];

  reset(phase: string): void {
    this.ops = [];
    this.cursors = [];
    this.phase = phase;
    this.delay = {};
  }

  record(kind: Kind, what: string, units: number, extra: Partial<Op> = {}): Op {
    const op: Op = { kind, what, phase: this.phase, start: Date.now(), units, inFlight: true, ...extra };
    this.ops.push(op);
    return op;
  }

  sqlCursor(op: Op, cursor: SqlCursorLike): void {
    this.cursors.push({ op, cursor });
  }

  /** SQL rows are known once a cursor is read to its end. */
  settleSqlRows(): void {
    for (const { op, cursor } of this.cursors) {
      op.rowsRead = cursor.rowsRead;
      op.rowsWritten = cursor.rowsWritten;
    }
  }

  inFlight(): number {
    return this.ops.filter((o) => o.inFlight).length;
  }
}

export const rec = new Recorder();

/** Runs `call` as one recorded op of `kind`, `delayMs` late when latency is injected for the kind. */
function track<T>(kind: Kind, what: string, units: number, call: () => T, extra: Partial<Op> = {}): T {
  if (!rec.on) return call();
  const op = rec.record(kind, what, units, extra);
  const done = () => {
    op.inFlight = false;
  };
  const delay = rec.delay[kind];
  if (delay) {
    return (async () => {
      await new Promise((r) => setTimeout(r, delay));
      try {
        return await call();
      } finally {
        done();
      }
    })() as T;
  }
  let out: T;
  try {
    out = call();
  } catch (err) {
    done();
    throw err;
  }
  if (out && typeof (out as { then?: unknown }).then === 'function') (out as unknown as Promise<unknown>).then(done, done);
  else done();
  return out;
}

type AnyFn = (...args: unknown[]) => unknown;
function wrapMethod(proto: object, name: string, wrap: (orig: AnyFn) => AnyFn): void {
  const orig = (proto as Record<string, AnyFn>)[name];
  if (typeof orig !== 'function') throw new Error(`cannot instrument ${name}: not a method`);
  (proto as Record<string, AnyFn>)[name] = wrap(orig);
}

const keyPrefix = (key: unknown) => (typeof key === 'string' ? `${key.split(':')[0]}:` : '?');
const count = (v: unknown) => (Array.isArray(v) ? v.length : v && typeof v === 'object' ? Object.keys(v).length : 1);

/** Which object class answers an RPC method (every class's methods are distinct, except `get`/`fetch`). */
const CLASS_OF_METHOD = new Map<string, string>();
for (const cls of [SessionObject, ShopMembersObject, LimiterObject, ListenObject, PaymentsIndexObject, PaymentObject]) {
  for (const m of Object.getOwnPropertyNames(cls.prototype)) if (m !== 'constructor') CLASS_OF_METHOD.set(m, cls.name);
}

let installed = false;
const unwrapped = new WeakMap<object, object>();

/** The runtime's own stub behind a recorded one (runInDurableObject takes only those). */
export function rawOf<T extends Rpc.DurableObjectBranded | undefined>(stub: DurableObjectStub<T>): DurableObjectStub<T> {
  return (unwrapped.get(stub) as DurableObjectStub<T> | undefined) ?? stub;
}
let rawGet: ((id: DurableObjectId) => DurableObjectStub) | null = null;

/** A stub that is not recorded (for runInDurableObject, which needs the runtime's own stub). */
export function rawStub<T extends Rpc.DurableObjectBranded | undefined>(ns: DurableObjectNamespace<T>, name: string): DurableObjectStub<T> {
  return ((rawGet ?? ns.get) as (id: DurableObjectId) => DurableObjectStub<T>).call(ns, ns.idFromName(name));
}

/** Wraps the bindings' prototypes once per isolate; recording stays off until `rec.on`. */
export async function instrument(): Promise<void> {
  if (installed) return;
  installed = true;

  const kvProto = Object.getPrototypeOf(env.KV);
  for (const m of ['get', 'getWithMetadata'])
    wrapMethod(
      kvProto,
      m,
      (o) =>
        function (this: unknown, ...a: unknown[]) {
          return track('kv', `kv.read ${keyPrefix(a[0])}`, count(a[0]), () => o.apply(this, a));
        },
    );
  wrapMethod(
    kvProto,
    'put',
    (o) =>
      function (this: unknown, ...a: unknown[]) {
        return track('kv', `kv.write ${keyPrefix(a[0])}`, 1, () => o.apply(this, a));
      },
  );
  wrapMethod(
    kvProto,
    'delete',
    (o) =>
      function (this: unknown, ...a: unknown[]) {
        return track('kv', `kv.delete ${keyPrefix(a[0])}`, 1, () => o.apply(this, a));
      },
  );
  wrapMethod(
    kvProto,
    'list',
    (o) =>
      function (this: unknown, ...a: unknown[]) {
        const prefix = (a[0] as { prefix?: string } | undefined)?.prefix;
        return track('kv', `kv.list ${keyPrefix(prefix)}`, 1, () => o.apply(this, a));
      },
  );

  // Queue producers: one billed write per message (each under 64 KB); an analytics message
  // carries one event or several (one BigQuery row each).
  const queueOf = (body: unknown) =>
    body && typeof body === 'object' && ('event_type' in body || Array.isArray(body)) ? 'analytics' : 'postbacks';
  const rowsOf = (body: unknown) => (Array.isArray(body) ? body.length : 1);
  const qProto = Object.getPrototypeOf(env.ANALYTICS_QUEUE);
  wrapMethod(
    qProto,
    'send',
    (o) =>
      function (this: unknown, ...a: unknown[]) {
        return track('queue', `queue ${queueOf(a[0])}`, 1, () => o.apply(this, a), { rows: rowsOf(a[0]) });
      },
  );
  wrapMethod(
    qProto,
    'sendBatch',
    (o) =>
      function (this: unknown, ...a: unknown[]) {
        const msgs = a[0] as Array<{ body: unknown }>;
        const rows = msgs.reduce((n, m) => n + rowsOf(m.body), 0);
        return track('queue', `queue ${queueOf(msgs[0]?.body)}`, msgs.length, () => o.apply(this, a), { rows });
      },
  );

  // Durable Object storage (SQLite-backed): the key-value API bills one row per key read or
  // written; SQL bills what the cursor reports (an index's entries count as rows written).
  await runInDurableObject(env.PAYMENTS.get(env.PAYMENTS.idFromName('instrumentation')), (instance: PaymentObject) => {
    const storage = (instance as unknown as { ctx: DurableObjectState }).ctx.storage;
    const sProto = Object.getPrototypeOf(storage);
    wrapMethod(
      sProto,
      'get',
      (o) =>
        function (this: unknown, ...a: unknown[]) {
          return track('storage', `storage.get ${a[0]}`, 0, () => o.apply(this, a), { rowsRead: count(a[0]) });
        },
    );
    wrapMethod(
      sProto,
      'put',
      (o) =>
        function (this: unknown, ...a: unknown[]) {
          const key = typeof a[0] === 'string' ? a[0] : Object.keys(a[0] as object).join('+');
          return track('storage', `storage.put ${key}`, 0, () => o.apply(this, a), { rowsWritten: count(a[0]) });
        },
    );
    wrapMethod(
      sProto,
      'delete',
      (o) =>
        function (this: unknown, ...a: unknown[]) {
          return track('storage', `storage.delete ${a[0]}`, 0, () => o.apply(this, a), { rowsWritten: count(a[0]) });
        },
    );
    wrapMethod(
      sProto,
      'list',
      (o) =>
        function (this: unknown, ...a: unknown[]) {
          return track('storage', 'storage.list', 0, () => o.apply(this, a), { rowsRead: 1 });
        },
    );
    // The alarm is kept in the object's own storage: counted as one row written per change.
    for (const m of ['setAlarm', 'deleteAlarm'])
      wrapMethod(
        sProto,
        m,
        (o) =>
          function (this: unknown, ...a: unknown[]) {
            return track('storage', `storage.${m}`, 0, () => o.apply(this, a), { rowsWritten: 1 });
          },
      );
    const sqlProto = Object.getPrototypeOf(storage.sql);
    wrapMethod(
      sqlProto,
      'exec',
      (o) =>
        function (this: unknown, ...a: unknown[]) {
          if (!rec.on) return o.apply(this, a);
          const op = rec.record('storage', `sql ${String(a[0]).trim().split(/\s+/).slice(0, 5).join(' ')}`, 0);
          op.inFlight = false;
          const cursor = o.apply(this, a) as SqlCursorLike;
          rec.sqlCursor(op, cursor);
          return cursor;
        },
    );
  });

  // Durable Object stubs: every RPC method call is one billed request (one RPC session).
  const nsProto = Object.getPrototypeOf(env.PAYMENTS);
  rawGet = nsProto.get;
  const names = new WeakMap<object, string>();
  wrapMethod(
    nsProto,
    'idFromName',
    (o) =>
      function (this: unknown, ...a: unknown[]) {
        const id = o.apply(this, a) as object;
        names.set(id, String(a[0]));
        return id;
      },
  );
  wrapMethod(
    nsProto,
    'get',
    (o) =>
      function (this: unknown, ...a: unknown[]) {
        const stub = o.apply(this, a) as Record<string, AnyFn>;
        const name = names.get(a[0] as object) ?? '';
        const proxy = new Proxy(stub, {
          get(target, prop) {
            const value = Reflect.get(target, prop);
            if (typeof prop !== 'string' || prop === 'then' || typeof value !== 'function') return value;
            const cls = CLASS_OF_METHOD.get(prop) ?? 'PaymentObject';
            const label = cls === 'LimiterObject' ? `${cls}.${prop} ${name.split(':').slice(0, 2).join(':')}` : `${cls}.${prop}`;
            return (...args: unknown[]) => track('do', label, 1, () => target[prop]!(...args));
          },
        });
        unwrapped.set(proxy, stub);
        return proxy;
      },
  );

  const realFetch = globalThis.fetch;
  const banskyBases = [inject('banskyTestUrl'), inject('banskyLiveUrl')];
  const shopBase = inject('recorderUrl');
  globalThis.fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    const kind: Kind = banskyBases.some((b) => url.startsWith(b)) ? 'bansky' : url.startsWith(shopBase) ? 'shop' : 'other';
    const what = kind === 'bansky' ? `bansky ${init?.method ?? 'GET'} ${new URL(url).pathname.replace(/pay_\w+/, '{id}')}` : kind;
    return track(kind, what, 1, () => realFetch(input, init));
  }) as typeof fetch;
}

declare module 'vitest' {
  interface TaskMeta {
    criticalPath?: unknown;
    lifecycle?: unknown;
    scale?: unknown;
  }
}

/** Waits until no recorded op is in flight and nothing new started for `quietMs` (deferred work, coalesced flushes). */
export async function settle(quietMs = 1_300, maxMs = 8_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  let seen = -1;
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    if (rec.ops.length !== seen || rec.inFlight() > 0) {
      seen = rec.ops.length;
      quietSince = Date.now();
    } else if (Date.now() - quietSince >= quietMs) break;
  }
  rec.settleSqlRows();
}

export const worker = exports.default;
