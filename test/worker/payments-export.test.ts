/**
 * CSV export of the filtered payments list: exactly the rows the filters select, amounts as the
 * exact decimal strings, formula-looking cells defused, and 100,000 rows streamed page by page
 * (each chunk one index page, never the whole file in memory).
 */
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { IndexEntry } from '../../src/core/payments-index/entry';
import { CSV_COLUMNS, csvCell } from '../../src/core/payments-index/export';
import type { PaymentsIndexObject } from '../../src/core/payments-index/index-object';

import { appGet, signedInMember } from './app.support';
import { createShopWithToken } from './helpers';
import { paymentBody, shopApi, waitFor } from './payments.support';

/** RFC 4180 as a spreadsheet reads it: quoted cells, "" for a quote, CRLF rows. */
function parseCsv(text: string): string[][] {
  return text
    .split('\r\n')
    .filter(Boolean)
    .map((line) => [...line.matchAll(/"((?:[^"]|"")*)"|([^,]+)/g)].map((m) => (m[1] ?? m[2] ?? '').replace(/""/g, '"')));
}

describe('CSV export', { timeout: 180_000 }, () => {
  it('is exactly the filtered list, exact amounts, no formula injection', async () => {
    const shop = await createShopWithToken({ allowedRedirectHosts: ['shop.example'] });
    const api = shopApi(shop.token);
    await api.init(paymentBody({ id: '-1-2', email: '-2+3@example.com', amount: '1234567.89', currency: 'EUR' }));
    await api.init(
      paymentBody({ id: 'plain-1', email: 'jane@example.com', amount: '0.10', currency: 'EUR', metadata: { note: '@SUM(A1)' } }),
    );
    await api.init(paymentBody({ id: 'other-currency', email: 'jane@example.com', amount: '0.000000000000000001', currency: 'ETH' }));
    const m = await signedInMember(shop.shopId);
    await waitFor(
      'three in the list',
      async () => ((await (await appGet('/app/payments', m.cookie)).text()).includes('other-currency') ? true : null),
      10_000,
    );

    const res = await appGet('/app/payments/export.csv?currency=EUR', m.cookie);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="payments-test-\d{4}-\d{2}-\d{2}\.csv"$/);
    const rows = parseCsv(await res.text());
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(3);
    const byTx = Object.fromEntries(rows.slice(1).map((r) => [r[1], r]));
    expect(Object.keys(byTx).sort()).toEqual(["'-1-2", 'plain-1']);
    const evil = byTx["'-1-2"]!;
    expect(evil[7]).toBe('1234567.89');
    expect(evil[9]).toBe("'-2+3@example.com");
    expect(byTx['plain-1']![7]).toBe('0.10');
    expect(byTx['plain-1']![10]).toBe('{"note":"@SUM(A1)"}'); // starts with {: nothing to run

    const eth = parseCsv(await (await appGet('/app/payments/export.csv?currency=ETH', m.cookie)).text());
    expect(eth[1]![7]).toBe('0.000000000000000001');
    expect(csvCell('\tx')).toBe(`"'\tx"`);
    expect(csvCell('a "b"')).toBe('"a ""b"""');

    const bad = await appGet('/app/payments/export.csv?amountMin=abc', m.cookie);
    expect(bad.status).toBe(400);
    expect((await appGet('/app/payments/export.csv')).status).toBe(303); // signed out: to sign-in
  });

  it('streams 100,000 rows one index page at a time', async () => {
    const shop = await createShopWithToken();
    const m = await signedInMember(shop.shopId);
    const now = Date.now();
    const month = new Date(now).toISOString().slice(0, 7);
    const ns = env.PAYMENTS_INDEX as unknown as DurableObjectNamespace<PaymentsIndexObject>;
    const N = 100_000;
    await runInDurableObject(ns.get(ns.idFromName(`pidx:${shop.shopId}:test:${month}`)), (o: PaymentsIndexObject) => {
      const dayStart = Date.parse(new Date(now).toISOString().slice(0, 10));
      for (let i = 0; i < N; i++) {
        const at = new Date(Math.max(dayStart, now - i * 10)).toISOString();
        const e: IndexEntry = {
          shopId: shop.shopId,
          version: 1,
          id: `pay_${String(i).padStart(22, '0')}`,
          shopTransactionId: `bulk-${i}`,
          status: 'paid',
          mode: 'test',
          amount: `${i}.${String(i % 100).padStart(2, '0')}`,
          currency: 'EUR',
          type: 'fiat',
          email: `customer${i}@example.com`,
          createdAt: at,
          updatedAt: at,
          metadata: {},
        };
        o.upsert(e);
      }
    });

    const res = await appGet('/app/payments/export.csv', m.cookie);
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let rows = 0;
    let chunks = 0;
    let largest = 0;
    let tail = '';
    let sum = 0n;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks += 1;
      largest = Math.max(largest, value.byteLength);
      const text = tail + decoder.decode(value, { stream: true });
      const lines = text.split('\r\n');
      tail = lines.pop()!;
      for (const line of lines) {
        rows += 1;
        const amount = /^"[^"]*","[^"]*","[^"]*","[^"]*","[^"]*","[^"]*","[^"]*","([^"]*)"/.exec(line)?.[1];
        if (amount && rows > 1) sum += BigInt(amount.replace('.', ''));
      }
    }
    expect(tail).toBe('');
    expect(rows).toBe(N + 1); // the header and every payment, once
    // Exact amounts all the way: Σ i + Σ (i mod 100)/100 in cents.
    let expected = 0n;
    for (let i = 0; i < N; i++) expected += BigInt(i) * 100n + BigInt(i % 100);
    expect(sum).toBe(expected);
    // Streamed: one chunk per index page of 100 rows (a little over 10 KB each), never the file at once.
    expect(chunks).toBeGreaterThanOrEqual(N / 100);
    expect(largest).toBeLessThan(64 * 1024);
  });
});
