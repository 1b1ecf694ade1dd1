import type { Mode, PaymentListItem } from '../../../generated/api/types.gen';
import type { ListFilters, PaymentsIndex } from './query';

/**
 * The filtered payments list as CSV, streamed: each read of the stream fetches one page of the
 * index (EXPORT_PAGE rows) and writes it, so memory stays at one page whatever the number of
 * rows, and a client that stops reading stops the queries. Same filters and order as the list.
 *
 * Columns (documented in docs/public/shop-app.md): amounts are the exact decimal strings of the
 * API; every cell is quoted; a cell that a spreadsheet would run as a formula (starting with
 * = + - @, tab or carriage return) gets a leading apostrophe — the OWASP "CSV injection" rule,
 * since customer emails and transaction ids come from outside.
 */
export const CSV_COLUMNS = [
  'id',
  'transaction_id',
  'created_at',
  'updated_at',
  'status',
  'mode',
  'type',
  'amount',
  'currency',
  'customer_email',
  'metadata',
] as const;
const EXPORT_PAGE = 100;

export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replace(/"/g, '""')}"`;
}

function csvRow(p: PaymentListItem): string {
  const metadata = p.metadata && Object.keys(p.metadata).length > 0 ? JSON.stringify(p.metadata) : '';
  return `${[p.id, p.shopTransactionId ?? '', p.createdAt, p.updatedAt, p.status, p.mode, p.type, p.amount, p.currency, p.email, metadata].map(csvCell).join(',')}\r\n`;
}

export function exportCsv(
  index: PaymentsIndex,
  shop: { id: string; createdAt: string },
  mode: Mode,
  filters: ListFilters,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let cursor: string | undefined;
  let started = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!started) {
          started = true;
          controller.enqueue(encoder.encode(`${CSV_COLUMNS.join(',')}\r\n`));
          return;
        }
        const page = await index.list(shop, mode, filters, cursor, EXPORT_PAGE, { totals: false });
        if (page.items.length > 0) controller.enqueue(encoder.encode(page.items.map(csvRow).join('')));
        if (!page.nextCursor) controller.close();
        else cursor = page.nextCursor;
      },
    },
    { highWaterMark: 0 },
  );
}
