/** @jsxImportSource hono/jsx */
import type { FC } from 'hono/jsx';
import type { PaymentList, PaymentStatus } from '../../../generated/api/types.gen';
import type { ListFilters } from '../../core/payments-index/query';
import { fmtAmount, fmtTime, STATUS_LABELS, STATUS_TONE } from '../format';
import { AppPage, type Frame, Notice } from '../layout';

const STATUSES: PaymentStatus[] = ['awaiting_payment', 'paid', 'failed', 'expired', 'init_failed'];

export const StatusBadge: FC<{ status: PaymentStatus }> = ({ status }) => (
  <span class={`badge badge-${STATUS_TONE[status]}`}>{STATUS_LABELS[status]}</span>
);

function filterQuery(f: ListFilters): URLSearchParams {
  const q = new URLSearchParams();
  // Metadata filters are an object (`metadata[key]=value`); the page does not offer them yet.
  for (const [k, v] of Object.entries(f)) if (v && typeof v === 'string') q.set(k, v);
  return q;
}

function pageLink(f: ListFilters, cursor: string): string {
  const q = filterQuery(f);
  q.set('cursor', cursor);
  return `/app/payments?${q}`;
}

export const PaymentsPage: FC<{ frame: Frame; filters: ListFilters; list: PaymentList; error?: string; firstPage: boolean }> = ({
  frame,
  filters,
  list,
  error,
  firstPage,
}) => {
  const filtered = Object.values(filters).some(Boolean);
  return (
    <AppPage title="Payments" frame={frame} nav="payments">
      <div class="page-head">
        <h1>Payments</h1>
        <p class="muted">
          Newest first, {frame.mode} mode. The list follows each payment within a few seconds; a payment's own page is always current.
        </p>
      </div>

      <form method="get" action="/app/payments" class="filters" aria-label="Filter payments">
        <div class="field search">
          <label for="q">Payment id or your transaction id (or its start)</label>
          <input
            id="q"
            name="q"
            type="search"
            value={filters.idPrefix ?? filters.transactionIdPrefix ?? ''}
            placeholder="pay_… or order-1234"
            maxlength={200}
          />
        </div>
        <div class="field search">
          <label for="emailPrefix">Customer email (or its start)</label>
          <input
            id="emailPrefix"
            name="emailPrefix"
            type="search"
            value={filters.emailPrefix ?? ''}
            placeholder="jane@example.com"
            maxlength={254}
          />
        </div>
        <div class="field">
          <label for="amountMin">Amount from</label>
          <input
            id="amountMin"
            name="amountMin"
            inputmode="decimal"
            value={filters.amountMin ?? ''}
            placeholder="10.00"
            maxlength={31}
            pattern="[0-9]+([.][0-9]+)?"
          />
        </div>
        <div class="field">
          <label for="amountMax">Amount to</label>
          <input
            id="amountMax"
            name="amountMax"
            inputmode="decimal"
            value={filters.amountMax ?? ''}
            placeholder="99.99"
            maxlength={31}
            pattern="[0-9]+([.][0-9]+)?"
          />
        </div>
        <div class="field">
          <label for="status">Status</label>
          <select id="status" name="status">
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option value={s} selected={filters.status === s}>
                {STATUS_LABELS[s]}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="currency">Currency</label>
          <input
            id="currency"
            name="currency"
            value={filters.currency ?? ''}
            placeholder="EUR"
            maxlength={5}
            pattern="[A-Za-z]{3,5}"
            autocapitalize="characters"
          />
        </div>
        <div class="field">
          <label for="from">Created from</label>
          <input id="from" name="from" type="date" value={filters.from ?? ''} />
        </div>
        <div class="field">
          <label for="to">Created to</label>
          <input id="to" name="to" type="date" value={filters.to ?? ''} />
        </div>
        <div class="filter-actions">
          <button type="submit" class="button primary">
            Apply
          </button>
          {filtered ? (
            <a class="button ghost" href="/app/payments">
              Clear
            </a>
          ) : null}
          <a class="button ghost" href={`/app/payments/export.csv?${filterQuery(filters)}`} download>
            Export CSV
          </a>
        </div>
      </form>

      {error ? <Notice tone="bad">{error}</Notice> : null}

      <section aria-labelledby="totals-title" class="totals">
        <h2 id="totals-title" class="visually-hidden">
          Totals per currency
        </h2>
        {list.totalsOmitted ? (
          <p class="muted">
            More than {list.totalsOmitted.matchesMoreThan.toLocaleString('en-US')} payments match this search in one month, too many to sum:
            narrow it (a longer prefix, a date range, a status) to see totals. The list below is complete.
          </p>
        ) : list.totals.length === 0 ? (
          <p class="muted">No payments match.</p>
        ) : (
          <ul class="total-cards">
            {list.totals.map((t) => (
              <li class="total-card">
                <span class="total-amount">
                  {fmtAmount(t.paidAmount)} <span class="currency">{t.currency}</span>
                </span>
                <span class="muted">
                  paid · {t.paidCount} of {t.count} payment{t.count === 1 ? '' : 's'}
                </span>
                <span class="total-statuses">
                  {STATUSES.filter((s) => t.statusCounts[s]).map((s) => (
                    <span class={`badge badge-${STATUS_TONE[s]}`}>
                      {t.statusCounts[s]} {STATUS_LABELS[s].toLowerCase()}
                    </span>
                  ))}
                </span>
              </li>
            ))}
          </ul>
        )}
        <p class="hint">
          Paid volume and payments per status for every page of this filter, one per currency (never added across currencies).
        </p>
      </section>

      {list.items.length > 0 ? (
        <div class="table-wrap">
          <table class="table payments">
            <caption class="visually-hidden">Payments{firstPage ? '' : ' (continued)'}</caption>
            <thead>
              <tr>
                <th scope="col">Amount</th>
                <th scope="col">Status</th>
                <th scope="col">Transaction id</th>
                <th scope="col">Customer</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((p) => (
                <tr>
                  <td class="amount" data-label="Amount">
                    <a href={`/app/payments/${p.id}`}>
                      {fmtAmount(p.amount)} <span class="currency">{p.currency}</span>
                    </a>
                  </td>
                  <td data-label="Status">
                    <StatusBadge status={p.status} />
                  </td>
                  <td data-label="Transaction id" class="mono">
                    {p.shopTransactionId ?? <span class="muted">—</span>}
                    <div class="sub mono">{p.id}</div>
                  </td>
                  <td data-label="Customer">{p.email}</td>
                  <td data-label="Created">{fmtTime(p.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}

      <nav class="pager" aria-label="Pages">
        {!firstPage ? (
          <a class="button ghost" href={pageLink({ ...filters }, '').replace(/&?cursor=$/, '')}>
            ← Newest
          </a>
        ) : null}
        {list.nextCursor ? (
          <a class="button" href={pageLink(filters, list.nextCursor)} rel="next">
            Older payments →
          </a>
        ) : null}
      </nav>
    </AppPage>
  );
};
