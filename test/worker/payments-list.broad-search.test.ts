/**
 * Broad searches on the payments list: a page of a search that matches thousands of payments is
 * taken from the newest rows in date order (no sort of every match), a sparse one from its own
 * index — both must give exactly the matches, newest first, across every page; and totals are
 * exact up to TOTALS_MATCH_LIMIT matches, left out (and said so) beyond it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { PaymentList } from '../../generated/api/types.gen';
import { SEARCH_WINDOW_ROWS, TOTALS_MATCH_LIMIT } from '../../src/core/payments-index/index-object';
import { appGet, signedInMember } from './app.support';
import { BASE, createShopWithToken, shopHeaders, worker } from './helpers';
import { seed } from './index-seed.support';

// Seeded payment n: id pay_S<n, 21 digits>, transaction id order-<n>, email customer<n>@example.com,
// created in order of n (the newest has the highest n).
const N = TOTALS_MATCH_LIMIT + 1_000;
const idOf = (n: number) => `pay_S${String(n).padStart(21, '0')}`;
let shop: { shopId: string; token: string };

async function list(query: Record<string, string>): Promise<PaymentList> {
  const res = await worker.fetch(`${BASE}/api/v1/payments?${new URLSearchParams(query)}`, { headers: shopHeaders(shop.token) });
  expect(res.status).toBe(200);
  return (await res.json()) as PaymentList;
}

/** Every page of a query, following nextCursor: the ids in the order the API gave them. */
async function allPages(query: Record<string, string>): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await list({ ...query, limit: '100', ...(cursor ? { cursor } : {}) });
    ids.push(...page.items.map((i) => i.id));
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

/** The matches worked out from the seed's formula, newest first. */
function expected(matches: (n: number) => boolean): string[] {
  const out: string[] = [];
  for (let n = N - 1; n >= 0; n--) if (matches(n)) out.push(idOf(n));
  return out;
}

beforeAll(async () => {
  shop = await createShopWithToken();
  await seed(shop.shopId, N);
}, 120_000);

describe('a search that matches thousands of payments', () => {
  it('pages through exactly its matches, newest first, whether the page came from the newest rows or from the filter’s index', async () => {
    expect(N).toBeGreaterThan(SEARCH_WINDOW_ROWS); // so both ways are taken below
    // Broad: every newest row matches (the window answers); sparse: none of the newest 2 000 does (the index answers).
    const cases: Array<[Record<string, string>, (n: number) => boolean]> = [
      [{ emailPrefix: 'customer1' }, (n) => String(n).startsWith('1')],
      [{ transactionIdPrefix: 'order-5' }, (n) => String(n).startsWith('5')],
      [{ transactionIdPrefix: 'order-1' }, (n) => String(n).startsWith('1')],
      [{ emailPrefix: 'customer59', status: 'paid' }, (n) => String(n).startsWith('59') && n % 20 >= 5],
      [{ idPrefix: idOf(4000).slice(0, -2) }, (n) => n >= 4000 && n < 4100],
    ];
    for (const [query, matches] of cases) {
      const want = expected(matches);
      expect(want.length, JSON.stringify(query)).toBeGreaterThan(0);
      expect(await allPages(query), JSON.stringify(query)).toEqual(want);
    }
  }, 300_000);

  it(`sums totals exactly up to ${TOTALS_MATCH_LIMIT} matches and says so when there are more`, async () => {
    const broad = await list({ emailPrefix: 'customer', limit: '10' });
    expect(broad.items.map((i) => i.id)).toEqual(expected(() => true).slice(0, 10));
    expect(broad.totals).toEqual([]);
    expect(broad.totalsOmitted).toEqual({ reason: 'too_many_matches', matchesMoreThan: TOTALS_MATCH_LIMIT });

    const narrow = await list({ emailPrefix: 'customer1', limit: '10' });
    expect(narrow.totalsOmitted).toBeUndefined();
    const count = narrow.totals.reduce((s, t) => s + t.count, 0);
    expect(count).toBe(expected((n) => String(n).startsWith('1')).length);

    // Status, currency and date alone are summed from the running totals, whatever the count.
    const all = await list({ limit: '1' });
    expect(all.totalsOmitted).toBeUndefined();
    expect(all.totals.reduce((s, t) => s + t.count, 0)).toBe(N);
  }, 120_000);

  it('the shop app’s Payments page says the totals were left out, and still lists the matches', async () => {
    const { cookie } = await signedInMember(shop.shopId);
    const html = await (await appGet('/app/payments?emailPrefix=customer', cookie)).text();
    expect(html).toContain('payments match this search in one month, too many to sum');
    expect(html).toContain(`/app/payments/${idOf(N - 1)}`);
    expect(html).not.toContain('No payments match.');
  }, 120_000);
});
