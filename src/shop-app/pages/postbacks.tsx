/** @jsxImportSource hono/jsx */
import type { FC } from 'hono/jsx';
import type { IndexEntry } from '../../core/payments-index/entry';
import { isFailedDelivery } from '../../core/payments-index/resend';
import { fmtAmount, fmtTime, STATUS_LABELS } from '../format';
import { AppPage, Csrf, type Frame, Notice } from '../layout';
import { can } from '../members/roles';

/** The outcomes a member filters by, in their words; each is one delivery state in the index. */
export const OUTCOMES = {
  delivered: { state: 'delivered', label: 'Delivered', tone: 'ok' },
  retrying: { state: 'pending', label: 'Retrying', tone: 'wait' },
  'dead-lettered': { state: 'dead_lettered', label: 'Dead-lettered', tone: 'bad' },
} as const;
export type Outcome = keyof typeof OUTCOMES;

export interface PostbackFilters {
  outcome?: Outcome;
  from?: string;
  to?: string;
}

function outcomeOf(e: IndexEntry): Outcome | null {
  const s = e.postback?.status;
  return s === 'delivered' ? 'delivered' : s === 'pending' ? 'retrying' : s === 'dead_lettered' ? 'dead-lettered' : null;
}

function filterQuery(f: PostbackFilters, cursor?: string): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v) q.set(k, v);
  if (cursor) q.set('cursor', cursor);
  return q.toString();
}

export const PostbacksPage: FC<{
  frame: Frame;
  filters: PostbackFilters;
  items: IndexEntry[];
  nextCursor: string | null;
  firstPage: boolean;
  notice?: { tone: 'ok' | 'bad'; text: string };
  maxPerAction: number;
}> = ({ frame, filters, items, nextCursor, firstPage, notice, maxPerAction }) => {
  const filtered = Object.values(filters).some(Boolean);
  const mayResend = can(frame.role, 'resend-postback');
  const failedHere = items.filter(isFailedDelivery).length;
  const back = filterQuery(filters, undefined);
  return (
    <AppPage title="Postbacks" frame={frame} nav="postbacks">
      <div class="page-head">
        <h1>Postbacks</h1>
        <p class="muted">
          Every postback we sent to your postback URL, by payment, newest payment first ({frame.mode} mode). A failed delivery is retried on
          its own; after the retries it is dead-lettered and waits for you to resend it with the same webhook-id.
        </p>
      </div>

      <form method="get" action="/app/postbacks" class="filters" aria-label="Filter postbacks">
        <div class="field">
          <label for="outcome">Outcome</label>
          <select id="outcome" name="outcome">
            <option value="">Any outcome</option>
            {(Object.keys(OUTCOMES) as Outcome[]).map((o) => (
              <option value={o} selected={filters.outcome === o}>
                {OUTCOMES[o].label}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="from">Payment created from</label>
          <input id="from" name="from" type="date" value={filters.from ?? ''} />
        </div>
        <div class="field">
          <label for="to">Payment created to</label>
          <input id="to" name="to" type="date" value={filters.to ?? ''} />
        </div>
        <div class="filter-actions">
          <button type="submit" class="button primary">
            Apply
          </button>
          {filtered ? (
            <a class="button ghost" href="/app/postbacks">
              Clear
            </a>
          ) : null}
        </div>
      </form>

      {notice ? <Notice tone={notice.tone}>{notice.text}</Notice> : null}

      {mayResend ? (
        <form method="post" action={`/app/postbacks/resend-failed${back ? `?${back}` : ''}`} class="bulk-resend">
          <Csrf token={frame.csrf} />
          <button type="submit" class="button">
            Resend all failed
          </button>
          <span class="hint">
            Dead-lettered and retrying postbacks of this filter (payment dates), at most {maxPerAction} per click, each with its own
            webhook-id.
          </span>
        </form>
      ) : (
        <p class="hint">Your role can see postbacks; an owner or developer can resend them.</p>
      )}

      {items.length === 0 ? (
        <div class="panel empty-state">
          <p>
            <strong>{filtered ? 'No postbacks match this filter.' : 'No postbacks yet.'}</strong>
          </p>
          <p class="muted">
            {filtered
              ? 'Clear the filter, or pick another outcome or date range.'
              : 'A postback is sent when a payment that has your transaction id and a postback URL becomes paid, failed or expired. Create a test payment with a postbackUrl, or send a test postback from the Developers page.'}
          </p>
        </div>
      ) : (
        <div class="table-wrap">
          <table class="table postbacks">
            <caption class="visually-hidden">
              Postbacks{firstPage ? '' : ' (continued)'}
              {failedHere ? `, ${failedHere} failed` : ''}
            </caption>
            <thead>
              <tr>
                <th scope="col">Payment</th>
                <th scope="col">Outcome</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last attempt</th>
                <th scope="col">Reason</th>
                {mayResend ? (
                  <th scope="col">
                    <span class="visually-hidden">Action</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {items.map((e) => {
                const o = outcomeOf(e);
                const pb = e.postback;
                return (
                  <tr>
                    <td data-label="Payment" class="mono">
                      <a href={`/app/payments/${e.id}`}>{e.shopTransactionId ?? e.id}</a>
                      <div class="sub">
                        {fmtAmount(e.amount)} {e.currency} · {STATUS_LABELS[e.status].toLowerCase()}
                      </div>
                    </td>
                    <td data-label="Outcome">{o ? <span class={`badge badge-${OUTCOMES[o].tone}`}>{OUTCOMES[o].label}</span> : '—'}</td>
                    <td data-label="Attempts">{pb?.attempts ?? 0}</td>
                    <td data-label="Last attempt">
                      {fmtTime(pb?.lastAttemptAt ?? null)}
                      {pb?.nextAttemptAt ? <div class="sub">next about {fmtTime(pb.nextAttemptAt)}</div> : null}
                    </td>
                    <td data-label="Reason" class="reason">
                      {pb?.status === 'delivered' ? (
                        <span class="muted">HTTP {pb.lastHttpStatus ?? '2xx'}</span>
                      ) : (
                        (pb?.lastError ?? <span class="muted">Not attempted yet</span>)
                      )}
                    </td>
                    {mayResend ? (
                      <td data-label="Action">
                        {isFailedDelivery(e) ? (
                          <form method="post" action={`/app/postbacks/${e.id}/resend${back ? `?${back}` : ''}`}>
                            <Csrf token={frame.csrf} />
                            <button type="submit" class="button small" aria-label={`Resend the postback of ${e.shopTransactionId ?? e.id}`}>
                              Resend
                            </button>
                          </form>
                        ) : null}
                      </td>
                    ) : null}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}

      <nav class="pager" aria-label="Pages">
        {!firstPage ? (
          <a class="button ghost" href={`/app/postbacks${back ? `?${back}` : ''}`}>
            ← Newest
          </a>
        ) : null}
        {nextCursor ? (
          <a class="button" href={`/app/postbacks?${filterQuery(filters, nextCursor)}`} rel="next">
            Older →
          </a>
        ) : null}
      </nav>
    </AppPage>
  );
};
