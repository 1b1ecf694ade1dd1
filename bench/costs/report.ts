/** The shapes test/worker/costs.test.ts reports (vitest task meta) and bench/costs/run.ts prices. */
export interface CriticalPath {
  /** Serial network round trips before the answer, all kinds delayed together. */
  serial: number;
  /** The same with one kind delayed at a time. */
  byKind: Partial<Record<string, number>>;
  /** Bansky postback only: from its arrival to the shop's postback leaving. */
  toShop?: { serial: number; byKind: Partial<Record<string, number>> };
}

export interface CountedOp {
  phase: string;
  kind: string;
  what: string;
  /** KV keys, Queue messages. */
  units: number;
  /** Analytics rows (BigQuery) a Queue message carries. */
  rows?: number;
  rowsRead?: number;
  rowsWritten?: number;
}

export interface LifecycleCount {
  /** Inbound Worker requests (init, open, return, Bansky's postback, one poll). */
  requests: number;
  ops: CountedOp[];
  /** The payment's object still has an alarm set at the end: one more invocation later. */
  alarmArmedAtEnd: boolean;
}
