import { DurableObject } from 'cloudflare:workers';
import type { PaymentStatus } from '../../../generated/api/types.gen';
import type { Env } from '../../env';
import { amountKey, toMinor } from './amounts';
import type { IndexEntry } from './entry';
import type { EventQuery, StoredEvent } from './events';

export interface ShardQuery {
  status?: PaymentStatus;
  currency?: string;
  fromDay?: string; // YYYY-MM-DD, inclusive
  toDay?: string;
  /** Exact values of the payment's metadata, every key must match. */
  metadata?: Record<string, string>;
  /** Lower-cased already. */
  email?: string;
  emailPrefix?: string;
  /** Decimal strings, inclusive. */
  amountFrom?: string;
  amountTo?: string;
  idPrefix?: string;
  transactionIdPrefix?: string;
  /** The postback's delivery state; `any` admits every payment that has one (delivered, pending or dead-lettered). */
  postback?: PostbackFilter;
  before?: { createdAt: string; id: string };
  limit: number;
}

/** Totals of one currency × status (the list splits them into paid volume and counts per status). */
export interface ShardTotal {
  currency: string;
  status: PaymentStatus;
  count: number;
  minor: string; // BigInt as text
}

type Row = Record<string, SqlStorageValue>;

/** The payments row's columns besides `id` and `version`, as `upsert` writes them. */
const ROW_COLUMNS = [
  'created_at',
  'day',
  'status',
  'currency',
  'amount',
  'amount_minor',
  'entry',
  'email_lc',
  'tx_id',
  'amount_key',
  'postback_status',
] as const;
/** The columns a row's running total is keyed and summed by. */
const TOTALS_KEY: readonly string[] = ['day', 'status', 'currency', 'amount_minor'];

/** Rows filled per step when a shard gains the search columns. */
const FILL_BATCH = 500;

export type PostbackFilter = 'any' | 'delivered' | 'pending' | 'dead_lettered';
/** The delivery states the Postbacks page lists ('none' and 'waiting' have had no postback yet). */
const SENT_STATES = ['delivered', 'pending', 'dead_lettered'];

/**
 * One shard of the payments index (a shop × mode × month; see shards.ts): a SQLite table of the
 * month's payments, newest first, plus running totals per day × status × currency so the totals
 * of any day range cost a few dozen rows, not a scan. Written only by payment Durable Objects
 * (upsert by version), read by the list. Every method is synchronous SQL: atomic in the object.
 */
export class PaymentsIndexObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS payments (
        id TEXT PRIMARY KEY, version INTEGER NOT NULL, created_at TEXT NOT NULL, day TEXT NOT NULL,
        status TEXT NOT NULL, currency TEXT NOT NULL, amount TEXT NOT NULL, amount_minor TEXT NOT NULL,
        entry TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS payments_newest ON payments (created_at DESC, id DESC);
      CREATE INDEX IF NOT EXISTS payments_status ON payments (status, created_at DESC, id DESC);
      CREATE INDEX IF NOT EXISTS payments_currency ON payments (currency, created_at DESC, id DESC);
      CREATE TABLE IF NOT EXISTS totals (
        day TEXT NOT NULL, status TEXT NOT NULL, currency TEXT NOT NULL, count INTEGER NOT NULL, minor TEXT NOT NULL,
        PRIMARY KEY (day, status, currency));
      -- Keyed by its id itself (WITHOUT ROWID): an event writes the table and its two indexes, not also
      -- a separate id index (each is a billed row). A log created before keeps its table; same queries.
      CREATE TABLE IF NOT EXISTS events (
        id TEXT PRIMARY KEY, timestamp TEXT NOT NULL, type TEXT NOT NULL, payment_id TEXT NOT NULL, body TEXT NOT NULL)
        WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS events_newest ON events (timestamp DESC, id DESC);
      CREATE INDEX IF NOT EXISTS events_payment ON events (payment_id);
    `);
    this.addSearchColumns();
    this.addPostbackColumn();
  }

  /**
   * The postback's delivery state, indexed for the Postbacks page. Added after the search columns:
   * a shard written before gets it here once, filled from each row's entry (entries written
   * before the entry kept the postback stay NULL until their payment's next write).
   */
  private addPostbackColumn(): void {
    const has = this.sql.exec("SELECT 1 FROM pragma_table_info('payments') WHERE name = 'postback_status'").toArray().length > 0;
    if (has) return;
    this.ctx.storage.transactionSync(() => {
      this.sql.exec('ALTER TABLE payments ADD COLUMN postback_status TEXT');
      this.sql.exec("UPDATE payments SET postback_status = json_extract(entry, '$.postback.status')");
      this.sql.exec('CREATE INDEX IF NOT EXISTS payments_postback ON payments (postback_status, created_at DESC, id DESC)');
    });
  }

  /**
   * The search columns (customer email lower-cased, the shop's transaction id, the amount as a
   * sortable key) with their indexes. Added after the first release: a shard written before gets
   * them here once, filled from each row's entry.
   */
  private addSearchColumns(): void {
    const columns = new Set(
      this.sql
        .exec("SELECT name FROM pragma_table_info('payments')")
        .toArray()
        .map((r) => String(r.name)),
    );
    if (columns.has('amount_key')) return;
    this.ctx.storage.transactionSync(() => {
      for (const c of ['email_lc', 'tx_id', 'amount_key']) if (!columns.has(c)) this.sql.exec(`ALTER TABLE payments ADD COLUMN ${c} TEXT`);
      // In batches by id: the whole month's entries at once held them all in SQLite's heap, which
      // every object of the process shares (SQLITE_NOMEM under load).
      for (let after = ''; ; ) {
        const rows = this.sql.exec('SELECT id, entry FROM payments WHERE id > ? ORDER BY id LIMIT ?', after, FILL_BATCH).toArray();
        for (const row of rows) {
          const e = JSON.parse(String(row.entry)) as IndexEntry;
          this.sql.exec(
            'UPDATE payments SET email_lc = ?, tx_id = ?, amount_key = ? WHERE id = ?',
            e.email.toLowerCase(),
            e.shopTransactionId,
            amountKey(e.amount),
            e.id,
          );
        }
        if (rows.length < FILL_BATCH) break;
        after = String(rows.at(-1)?.id);
      }
      this.sql.exec(`
        CREATE INDEX IF NOT EXISTS payments_email ON payments (email_lc, created_at DESC, id DESC);
        CREATE INDEX IF NOT EXISTS payments_tx ON payments (tx_id);
        CREATE INDEX IF NOT EXISTS payments_amount ON payments (amount_key);
      `);
    });
  }

  /**
   * The events log (only the `pevt:` object of a shop × mode uses it; see events.ts). Inserts the
   * events it has not seen, drops those older than `keepFrom`, and returns the ids it inserted.
   */
  addEvents(events: StoredEvent[], keepFrom: string): string[] {
    return this.ctx.storage.transactionSync(() => {
      this.sql.exec('DELETE FROM events WHERE timestamp < ?', keepFrom);
      const added: string[] = [];
      for (const e of events) {
        if (e.timestamp < keepFrom) continue;
        const cursor = this.sql.exec(
          'INSERT OR IGNORE INTO events (id, timestamp, type, payment_id, body) VALUES (?,?,?,?,?)',
          e.id,
          e.timestamp,
          e.type,
          e.paymentId,
          e.body,
        );
        if (cursor.rowsWritten > 0) added.push(e.id);
      }
      return added;
    });
  }

  events(q: EventQuery): StoredEvent[] {
    const where = ['timestamp >= ?'];
    const args: SqlStorageValue[] = [q.keepFrom];
    const add = (clause: string, ...values: (string | undefined)[]) => {
      if (values.some((v) => v === undefined)) return;
      where.push(clause);
      args.push(...(values as string[]));
    };
    add('id = ?', q.id);
    add('type = ?', q.type);
    add('payment_id = ?', q.paymentId);
    add('timestamp >= ?', q.from);
    add('timestamp < ?', q.to);
    add('(timestamp < ? OR (timestamp = ? AND id < ?))', q.before?.createdAt, q.before?.createdAt, q.before?.id);
    return this.sql
      .exec(
        `SELECT id, timestamp, type, payment_id, body FROM events WHERE ${where.join(' AND ')} ORDER BY timestamp DESC, id DESC LIMIT ?`,
        ...args,
        Math.min(Math.max(q.limit, 1), 101),
      )
      .toArray()
      .map((r: Row) => ({
        id: String(r.id),
        timestamp: String(r.timestamp),
        type: String(r.type) as StoredEvent['type'],
        paymentId: String(r.payment_id),
        body: String(r.body),
      }));
  }

  /** Idempotent: an entry older than (or as old as) the stored one is ignored. */
  upsert(e: IndexEntry): { applied: boolean } {
    return this.ctx.storage.transactionSync(() => {
      const old = this.sql.exec(`SELECT version, ${ROW_COLUMNS.join(', ')} FROM payments WHERE id = ?`, e.id).toArray()[0];
      if (old && Number(old.version) >= e.version) return { applied: false };
      const day = e.createdAt.slice(0, 10);
      const minor = toMinor(e.amount, e.currency);
      const row: Record<(typeof ROW_COLUMNS)[number], SqlStorageValue> = {
        created_at: e.createdAt,
        day,
        status: e.status,
        currency: e.currency,
        amount: e.amount,
        amount_minor: minor.toString(),
        entry: JSON.stringify(e),
        email_lc: e.email.toLowerCase(),
        tx_id: e.shopTransactionId,
        amount_key: amountKey(e.amount),
        postback_status: e.postback?.status ?? null,
      };
      if (!old) {
        const columns = ['id', 'version', ...ROW_COLUMNS];
        this.sql.exec(
          `INSERT INTO payments (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(',')})`,
          e.id,
          e.version,
          ...ROW_COLUMNS.map((c) => row[c]),
        );
        this.addTotal(day, e.status, e.currency, 1, minor);
        return { applied: true };
      }
      // Only the columns that changed: SQLite rewrites an index's entry only when a column of it is
      // set, and each entry is a billed row (a status change touches two indexes, not all seven).
      const changed = ROW_COLUMNS.filter((c) => old[c] !== row[c]);
      this.sql.exec(
        `UPDATE payments SET ${['version', ...changed].map((c) => `${c} = ?`).join(', ')} WHERE id = ?`,
        e.version,
        ...changed.map((c) => row[c]),
        e.id,
      );
      if (changed.some((c) => TOTALS_KEY.includes(c))) {
        this.addTotal(String(old.day), String(old.status), String(old.currency), -1, -BigInt(String(old.amount_minor)));
        this.addTotal(day, e.status, e.currency, 1, minor);
      }
      return { applied: true };
    });
  }

  query(q: ShardQuery): IndexEntry[] {
    const windowed = sortsMatches(q) ? this.searchWindow(q) : null;
    if (windowed) return windowed;
    const { sql, args } = pageSql(q);
    return this.entries(sql, args);
  }

  private entries(sql: string, args: SqlStorageValue[]): IndexEntry[] {
    return this.sql
      .exec(sql, ...args)
      .toArray()
      .map((r: Row) => JSON.parse(String(r.entry)) as IndexEntry);
  }

  /**
   * A search's page from the newest SEARCH_WINDOW_ROWS rows of its range, in date order (no sort):
   * the answer when they hold a full page, or when the range has no more rows than that. Otherwise
   * null, and the filter's own index finds the (then few) matches.
   */
  private searchWindow(q: ShardQuery): IndexEntry[] | null {
    const indexedBy = dateOrderIndexFor(q);
    if (!indexedBy) return null;
    // The window: the index's own entries (its equality column and the cursor), no table reads.
    const range: ShardQuery = { status: q.status, currency: q.currency, postback: q.postback, before: q.before, limit: 1 };
    const edge = pageSql(range, { indexedBy, edge: SEARCH_WINDOW_ROWS - 1 });
    const oldest = this.sql.exec(edge.sql, ...edge.args).toArray()[0];
    const notBefore = oldest ? { createdAt: String(oldest.created_at), id: String(oldest.id) } : null;
    const page = pageSql(q, { indexedBy, notBefore });
    const found = this.entries(page.sql, page.args);
    return found.length >= q.limit || !notBefore ? found : null;
  }

  /** The totals of what the filter admits; null when a search matches more than TOTALS_MATCH_LIMIT (see there). */
  totals(q: Omit<ShardQuery, 'before' | 'limit'>): ShardTotal[] | null {
    if (rowLevel(q)) {
      const { where, args } = filters(q);
      const capped = this.sql
        .exec(`SELECT count(*) AS n FROM (SELECT 1 FROM payments WHERE ${where.join(' AND ')} LIMIT ?)`, ...args, TOTALS_MATCH_LIMIT + 1)
        .one();
      if (Number(capped.n) > TOTALS_MATCH_LIMIT) return null;
    }
    const { sql, args } = totalsSql(q);
    const by = new Map<string, ShardTotal & { sum: bigint }>();
    // Streamed, not toArray(): a row-level filter can match the whole month.
    for (const r of this.sql.exec(sql, ...args)) {
      const key = `${r.currency}\u0000${r.status}`;
      const t = by.get(key) ?? { currency: String(r.currency), status: String(r.status) as PaymentStatus, count: 0, minor: '0', sum: 0n };
      t.count += Number(r.count);
      t.sum += BigInt(String(r.minor));
      by.set(key, t);
    }
    return [...by.values()].filter((t) => t.count > 0).map(({ sum, ...t }) => ({ ...t, minor: sum.toString() }));
  }

  private addTotal(day: string, status: string, currency: string, count: number, minor: bigint): void {
    const row = this.sql
      .exec('SELECT count, minor FROM totals WHERE day = ? AND status = ? AND currency = ?', day, status, currency)
      .toArray()[0];
    const nextCount = Number(row?.count ?? 0) + count;
    const nextMinor = (BigInt(String(row?.minor ?? '0')) + minor).toString();
    // An UPDATE of an existing total writes one row; INSERT OR REPLACE wrote two (delete and insert).
    if (row)
      this.sql.exec(
        'UPDATE totals SET count = ?, minor = ? WHERE day = ? AND status = ? AND currency = ?',
        nextCount,
        nextMinor,
        day,
        status,
        currency,
      );
    else
      this.sql.exec(
        'INSERT INTO totals (day, status, currency, count, minor) VALUES (?,?,?,?,?)',
        day,
        status,
        currency,
        nextCount,
        nextMinor,
      );
  }
}

/**
 * One page of a shard, newest first (exported so the scale bench can ask SQLite for its plan).
 * For a search's first try (see `PaymentsIndexObject.searchWindow`): `indexedBy` walks a
 * date-ordered index, `notBefore` stops at the window's oldest row; `edge` asks instead for the
 * row `edge` entries deep (the window's oldest), reading the index only.
 */
export function pageSql(
  q: ShardQuery,
  opts: { indexedBy?: DateOrderIndex; notBefore?: { createdAt: string; id: string } | null; edge?: number } = {},
): { sql: string; args: SqlStorageValue[] } {
  const { where, args } = filters(q);
  if (q.before) {
    // A row value, not `a < ? OR (a = ? AND b < ?)`: SQLite seeks the (created_at, id) index to
    // it, where the OR form scanned every newer row (680 000 rows read half-way into 10⁶).
    where.push('(created_at, id) < (?, ?)');
    args.push(q.before.createdAt, q.before.id);
  }
  if (opts.notBefore) {
    where.push('(created_at, id) >= (?, ?)');
    args.push(opts.notBefore.createdAt, opts.notBefore.id);
  }
  const from = opts.indexedBy ? `payments INDEXED BY ${opts.indexedBy}` : 'payments';
  const order = 'ORDER BY created_at DESC, id DESC';
  const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
  if (opts.edge !== undefined)
    return { sql: `SELECT created_at, id FROM ${from} ${filter} ${order} LIMIT 1 OFFSET ?`, args: [...args, opts.edge] };
  const limit = Math.min(Math.max(q.limit, 1), 101);
  // A search whose index is not in date order sorts its matches: the keys only (the index holds
  // them), then the page's rows — not every match's whole entry.
  if (sortsMatches(q) && !opts.indexedBy)
    return {
      sql: `SELECT entry FROM payments WHERE rowid IN (SELECT rowid FROM payments ${filter} ${order} LIMIT ?) ${order}`,
      args: [...args, limit],
    };
  return { sql: `SELECT entry FROM ${from} ${filter} ${order} LIMIT ?`, args: [...args, limit] };
}

/** The indexes that hold rows in date order (newest first) after an optional equality column. */
type DateOrderIndex = 'payments_newest' | 'payments_status' | 'payments_currency' | 'payments_postback';

/**
 * Newest rows a search page walks in date order before it falls back to its filter's own index:
 * a broad search (a one-letter email prefix, a common amount) fills a page within them instead of
 * sorting every match; a narrow one has few matches, which its index finds and sorts cheaply.
 */
export const SEARCH_WINDOW_ROWS = 2_000;

/** Search filters whose index is not in date order: served by their index, every match is read and sorted. */
const sortsMatches = (q: ShardQuery) => !!(q.emailPrefix || q.idPrefix || q.transactionIdPrefix || q.amountFrom || q.amountTo);

/** The date-ordered index for a query's equality filters; null when it has more than one (no index holds both in date order). */
function dateOrderIndexFor(q: ShardQuery): DateOrderIndex | null {
  // `postback: any` is an IN list; an exact email has its own date-ordered index, already used.
  if (q.postback === 'any' || q.email) return null;
  const equalities: DateOrderIndex[] = [];
  if (q.status) equalities.push('payments_status');
  if (q.currency) equalities.push('payments_currency');
  if (q.postback) equalities.push('payments_postback');
  return equalities.length > 1 ? null : (equalities[0] ?? 'payments_newest');
}

/**
 * Searches summed in their totals only up to this many matches per month: beyond it an exact sum
 * reads every match (a one-letter email prefix in a month of 10⁶ payments: 111 111 rows, most of
 * a second), so the totals are left out and the list says so (`totalsOmitted`) rather than estimated.
 */
export const TOTALS_MATCH_LIMIT = 5_000;

/** The totals of what a filter admits (exported so the scale bench can ask SQLite for its plan). */
export function totalsSql(q: Omit<ShardQuery, 'before' | 'limit'>): { sql: string; args: SqlStorageValue[] } {
  // The running totals know only day, status and currency: with any other filter the matching rows are summed instead.
  if (rowLevel(q)) {
    const { where, args } = filters(q);
    return { sql: `SELECT currency, status, 1 AS count, amount_minor AS minor FROM payments WHERE ${where.join(' AND ')}`, args };
  }
  const { where, args } = filters(q);
  return { sql: `SELECT currency, status, count, minor FROM totals ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`, args };
}

/** The same WHERE clause for rows and totals (both tables have day, status, currency; metadata is only in `payments`). */
function filters(q: Omit<ShardQuery, 'before' | 'limit'>): { where: string[]; args: SqlStorageValue[] } {
  const where: string[] = [];
  const args: SqlStorageValue[] = [];
  const add = (clause: string, value: SqlStorageValue | undefined) => {
    if (value === undefined || value === '') return;
    where.push(clause);
    args.push(value);
  };
  add('status = ?', q.status);
  add('currency = ?', q.currency);
  add('day >= ?', q.fromDay);
  add('day <= ?', q.toDay);
  add('email_lc = ?', q.email);
  // A prefix as a range, so the index serves it: U+10FFFF sorts after every character that can follow.
  const prefix = (column: string, value: string | undefined) => {
    if (!value) return;
    where.push(`${column} >= ? AND ${column} < ?`);
    args.push(value, `${value}\u{10FFFF}`);
  };
  prefix('email_lc', q.emailPrefix);
  prefix('id', q.idPrefix);
  prefix('tx_id', q.transactionIdPrefix);
  add('amount_key >= ?', q.amountFrom === undefined ? undefined : amountKey(q.amountFrom));
  add('amount_key <= ?', q.amountTo === undefined ? undefined : amountKey(q.amountTo));
  if (q.postback === 'any') where.push(`postback_status IN (${SENT_STATES.map((s) => `'${s}'`).join(', ')})`);
  else add('postback_status = ?', q.postback);
  // Keys are letters, digits and `_ - . :` (src/payments/rules.ts), so a quoted JSON path label holds any of them.
  for (const [key, value] of Object.entries(q.metadata ?? {})) {
    where.push('json_extract(entry, ?) = ?');
    args.push(`$.metadata."${key}"`, value);
  }
  return { where, args };
}

/** Filters the running totals cannot answer: only `day`, `status` and `currency` are kept per day. */
const rowLevel = (q: Omit<ShardQuery, 'before' | 'limit'>) =>
  q.metadata !== undefined ||
  !!q.postback ||
  !!q.email ||
  !!q.emailPrefix ||
  !!q.amountFrom ||
  !!q.amountTo ||
  !!q.idPrefix ||
  !!q.transactionIdPrefix;
