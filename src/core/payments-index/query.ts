import type { CurrencyTotal, Mode, PaymentList, PaymentStatus } from '../../../generated/api/types.gen';
import type { Clock } from '../../platform/lib/clock';
import { readWithOneRetry } from '../../platform/transient';
import type { PaymentRecord } from '../payments/record';
import { amountKey, fromMinor, toMinor } from './amounts';
import { type IndexEntry, toIndexEntry, toListItem } from './entry';
import { type PostbackFilter, type ShardQuery, TOTALS_MATCH_LIMIT } from './index-object';
import { decodeCursor, encodeCursor, type IndexNamespace, monthOf, monthsDescending, shard } from './shards';

export interface ListFilters {
  status?: PaymentStatus;
  currency?: string;
  /** Creation day range, UTC, inclusive (YYYY-MM-DD). */
  from?: string;
  to?: string;
  /** Our payment id or the shop's transaction id, exact. */
  q?: string;
  /** Exact metadata values; every key must match. */
  metadata?: Record<string, string>;
  /** The customer's email, ignoring case: exactly, or its start. */
  email?: string;
  emailPrefix?: string;
  /** Decimal strings; `amount` exact, the other two an inclusive range (compared exactly, see amountKey). */
  amount?: string;
  amountMin?: string;
  amountMax?: string;
  /** The start of our id / of the shop's transaction id. */
  idPrefix?: string;
  transactionIdPrefix?: string;
  /** The postback's delivery state (the Postbacks page). */
  postback?: PostbackFilter;
}

export interface IndexDeps {
  ns: IndexNamespace;
  /** The payment's own record (its Durable Object): the truth, used for exact search. */
  readPayment: (id: string) => Promise<PaymentRecord | null>;
  /** Our id for (shop, mode, shop transaction id): see src/core/payments/ids.ts. */
  paymentIdFor: (shopId: string, mode: Mode, shopTransactionId: string) => Promise<string>;
  isPaymentId: (id: string) => boolean;
  clock: Clock;
}

export class BadCursor extends Error {}

const PARALLEL_SHARDS = 6;

/**
 * The shop's payments list, shared by `GET /api/v1/payments` and the app's Payments page (one
 * implementation, so both answer the same order and filters). Reads fan out over the month
 * shards of the range, newest first; search by id skips the index and reads the payment itself.
 */
export class PaymentsIndex {
  constructor(private readonly deps: IndexDeps) {}

  /** Writes a payment's current state into its shard (versioned: a late or repeated write never goes back). */
  async record(r: PaymentRecord): Promise<void> {
    await shard(this.deps.ns, r.shopId, r.mode, monthOf(r.createdAt)).upsert(toIndexEntry(r));
  }

  async list(
    shop: { id: string; createdAt: string },
    mode: Mode,
    f: ListFilters,
    cursor: string | undefined,
    limit: number,
    /** `totals: false`: the page only (the CSV export walks every page and needs no totals). */
    opts: { totals?: boolean } = {},
  ): Promise<PaymentList> {
    if (f.q) return this.search(shop.id, mode, f, f.q);
    const found = await this.entries(shop, mode, f, cursor, limit, opts.totals !== false);
    const list: PaymentList = { items: found.entries.map(toListItem), nextCursor: found.nextCursor, totals: found.totals ?? [] };
    return found.totals === null ? { ...list, totalsOmitted: { reason: 'too_many_matches', matchesMoreThan: TOTALS_MATCH_LIMIT } } : list;
  }

  /**
   * The Postbacks page: payments whose postback was sent (or is being sent), newest first, with
   * their delivery summary. `postback` narrows to one state; the other filters are the list's.
   */
  async postbacks(
    shop: { id: string; createdAt: string },
    mode: Mode,
    f: Omit<ListFilters, 'q'>,
    cursor: string | undefined,
    limit: number,
  ): Promise<{ items: IndexEntry[]; nextCursor: string | null }> {
    const found = await this.entries(shop, mode, { ...f, postback: f.postback ?? 'any' }, cursor, limit, false);
    return { items: found.entries, nextCursor: found.nextCursor };
  }

  private async entries(
    shop: { id: string; createdAt: string },
    mode: Mode,
    f: ListFilters,
    cursor: string | undefined,
    limit: number,
    withTotals: boolean,
  ): Promise<{ entries: IndexEntry[]; nextCursor: string | null; totals: CurrencyTotal[] | null }> {
    const before = cursor ? decodeCursor(cursor) : undefined;
    if (before === null) throw new BadCursor('cursor is not one this API returned');
    const today = this.deps.clock.now().toISOString().slice(0, 10);
    const fromDay = maxOf(f.from, shop.createdAt.slice(0, 10));
    const toDay = minOf(f.to, today);
    if (fromDay > toDay) return { entries: [], nextCursor: null, totals: [] };

    const metadata = f.metadata && Object.keys(f.metadata).length > 0 ? f.metadata : undefined;
    const query: Omit<ShardQuery, 'limit' | 'before'> = {
      status: f.status,
      currency: f.currency,
      // Only bounds a row could cross: none predates the shop or postdates today. An implied bound
      // would still be checked on every row, and keeps SQLite reading each match's row for it.
      fromDay: fromDay > shop.createdAt.slice(0, 10) ? fromDay : undefined,
      toDay: toDay < today ? toDay : undefined,
      metadata,
      email: f.email?.toLowerCase(),
      emailPrefix: f.emailPrefix?.toLowerCase(),
      amountFrom: f.amount ?? f.amountMin,
      amountTo: f.amount ?? f.amountMax,
      idPrefix: f.idPrefix,
      transactionIdPrefix: f.transactionIdPrefix,
      postback: f.postback,
    };
    const allMonths = monthsDescending(monthOf(fromDay), monthOf(toDay));
    const pageMonths = before ? allMonths.filter((m) => m <= monthOf(before.createdAt)) : allMonths;

    const [items, totals] = await Promise.all([
      this.page(shop.id, mode, pageMonths, { ...query, before, limit: limit + 1 }),
      withTotals ? this.totals(shop.id, mode, allMonths, query) : Promise.resolve([]),
    ]);
    const more = items.length > limit;
    const shown = items.slice(0, limit);
    const last = shown.at(-1);
    return { entries: shown, nextCursor: more && last ? encodeCursor(last) : null, totals };
  }

  private async page(shopId: string, mode: Mode, months: string[], q: ShardQuery): Promise<IndexEntry[]> {
    const out: IndexEntry[] = [];
    for (let i = 0; i < months.length && out.length < q.limit; i += PARALLEL_SHARDS) {
      const batch = months.slice(i, i + PARALLEL_SHARDS);
      const pages = await Promise.all(
        batch.map((m) => readWithOneRetry(() => shard(this.deps.ns, shopId, mode, m).query({ ...q, limit: q.limit }))),
      );
      for (const p of pages) out.push(...(p as IndexEntry[]));
    }
    return out.slice(0, q.limit); // months are disjoint and in order, so this is newest first
  }

  /** Null when a month's shard found the search too broad to sum (TOTALS_MATCH_LIMIT). */
  private async totals(
    shopId: string,
    mode: Mode,
    months: string[],
    q: Omit<ShardQuery, 'limit' | 'before'>,
  ): Promise<CurrencyTotal[] | null> {
    const parts = await Promise.all(months.map((m) => readWithOneRetry(() => shard(this.deps.ns, shopId, mode, m).totals(q))));
    if (parts.some((p) => p === null)) return null;
    return currencyTotals(parts.flatMap((p) => p ?? []).map((t) => ({ ...t, minor: BigInt(t.minor) })));
  }

  /** Exact lookup by our id or by the shop's id (whose payment id we can derive): always current. */
  private async search(shopId: string, mode: Mode, f: ListFilters, q: string): Promise<PaymentList> {
    const ids = new Set<string>();
    if (this.deps.isPaymentId(q)) ids.add(q);
    ids.add(await this.deps.paymentIdFor(shopId, mode, q));
    const found = await Promise.all([...ids].map((id) => this.deps.readPayment(id)));
    const matches = found
      .filter((r): r is PaymentRecord => r !== null && r.shopId === shopId && r.mode === mode && r.status !== 'created')
      .filter((r) => (r.id === q || r.shopTransactionId === q) && matchesFilters(r, f))
      .sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1));
    return {
      items: matches.map(toListItem),
      nextCursor: null,
      totals: currencyTotals(
        matches.map((r) => ({ currency: r.currency, status: r.status, count: 1, minor: toMinor(r.amount, r.currency) })),
      ),
    };
  }
}

function matchesFilters(r: PaymentRecord, f: ListFilters): boolean {
  const day = r.createdAt.slice(0, 10);
  return (
    (!f.status || r.status === f.status) &&
    (!f.currency || r.currency === f.currency) &&
    (!f.from || day >= f.from) &&
    (!f.to || day <= f.to) &&
    (!f.email || r.email.toLowerCase() === f.email.toLowerCase()) &&
    (!f.emailPrefix || r.email.toLowerCase().startsWith(f.emailPrefix.toLowerCase())) &&
    amountWithin(r.amount, f.amount ?? f.amountMin, f.amount ?? f.amountMax) &&
    (!f.idPrefix || r.id.startsWith(f.idPrefix)) &&
    (!f.transactionIdPrefix || (r.shopTransactionId ?? '').startsWith(f.transactionIdPrefix)) &&
    Object.entries(f.metadata ?? {}).every(([k, v]) => r.metadata?.[k] === v)
  );
}

const maxOf = (a: string | undefined, b: string) => (a && a > b ? a : b);
const minOf = (a: string | undefined, b: string) => (a && a < b ? a : b);

/**
 * Per currency (never added across currencies): everything the filter admits, the paid part of it
 * (the money received) and the count per status. Exact: sums in the currency's smallest unit.
 */
function currencyTotals(parts: Array<{ currency: string; status: PaymentStatus; count: number; minor: bigint }>): CurrencyTotal[] {
  const sum = new Map<
    string,
    { count: number; minor: bigint; paidCount: number; paidMinor: bigint; statusCounts: Record<string, number> }
  >();
  for (const t of parts) {
    const s = sum.get(t.currency) ?? { count: 0, minor: 0n, paidCount: 0, paidMinor: 0n, statusCounts: {} };
    s.count += t.count;
    s.minor += t.minor;
    if (t.status === 'paid') {
      s.paidCount += t.count;
      s.paidMinor += t.minor;
    }
    s.statusCounts[t.status] = (s.statusCounts[t.status] ?? 0) + t.count;
    sum.set(t.currency, s);
  }
  return [...sum]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([currency, s]) => ({
      currency,
      count: s.count,
      amount: fromMinor(s.minor, currency),
      paidCount: s.paidCount,
      paidAmount: fromMinor(s.paidMinor, currency),
      statusCounts: s.statusCounts,
    }));
}

function amountWithin(amount: string, from: string | undefined, to: string | undefined): boolean {
  const key = amountKey(amount);
  return (!from || key >= amountKey(from)) && (!to || key <= amountKey(to));
}
