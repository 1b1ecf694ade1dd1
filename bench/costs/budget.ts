/**
 * Serial round trips before each operation's answer (KV, Durable Object calls, Queue sends,
 * Bansky, the shop): the floor the design allows, and our documented budget, which
 * test/worker/costs.test.ts holds the Worker to (counted, not timed). Durable Object storage
 * lives in the object and is not a round trip; it is billed (rows) and priced in prices.ts.
 */
export type OperationName =
  | 'init'
  | 'pay link (awaiting payment)'
  | 'pay link (paid)'
  | 'success return'
  | 'error return'
  | 'Bansky postback'
  | 'status poll (get)'
  | 'list';

export interface SerialBudget {
  /** What the design cannot do without: the skeleton's path (bench/baselines/skeleton). */
  floor: number;
  floorWhy: string;
  /** Ours, at most (the test fails above it). */
  serial: number;
  /** Bansky postback only: round trips from its arrival to the shop's postback leaving. */
  toShopFloor?: number;
  toShop?: number;
}

export const SERIAL_BUDGET: Record<OperationName, SerialBudget> = {
  init: { floor: 2, floorWhy: 'one Durable Object call, Bansky inside it', serial: 2 },
  'pay link (awaiting payment)': { floor: 1, floorWhy: "one Durable Object read (the payment's state)", serial: 1 },
  'pay link (paid)': { floor: 1, floorWhy: 'one Durable Object read', serial: 1 },
  'success return': { floor: 1, floorWhy: 'one Durable Object read (the shop URL)', serial: 1 },
  'error return': { floor: 1, floorWhy: 'one Durable Object read (the shop URL)', serial: 1 },
  'Bansky postback': {
    floor: 1,
    floorWhy: 'one Durable Object call that applies it',
    serial: 1,
    toShopFloor: 1,
    toShop: 2,
  },
  'status poll (get)': { floor: 1, floorWhy: 'one Durable Object read', serial: 1 },
  list: { floor: 1, floorWhy: "one call to the month's index shard (page and totals may go in parallel)", serial: 1 },
};

/**
 * One payment's life (init, one open, one return, Bansky's postback and the shop's, one poll), as
 * test/worker/costs.test.ts counts it: our documented budget of the billable operations that
 * dominate its price (bench/prices.ts). Lowered whenever one is cut, so a regression fails.
 */
export const LIFECYCLE_BUDGET = {
  /**
   * Durable Object SQLite rows written: key-value puts, alarm changes, SQL rows and index entries.
   * 30 measured; one more when an index note races the record write after it. The index row of
   * `paid` waits up to a second for the shop's answer (flow.ts `INDEX_WAITS_FOR_ATTEMPT_MS`): a
   * shop slower than that costs a second index write (+3 rows, +2 requests) and fails this budget.
   */
  doRowsWritten: 31,
  /** Durable Object requests: every RPC call, plus the alarm still armed at the end (one invocation). */
  doRequests: 13,
  /** Queue messages sent (each is three billed operations: write, read, delete). */
  queueMessages: 5,
};
