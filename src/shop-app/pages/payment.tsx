/** @jsxImportSource hono/jsx */
import type { FC } from 'hono/jsx';
import type { PaymentRecord } from '../../core/payments/record';
import { fmtAmount, fmtTime, STATUS_LABELS, timelineText } from '../format';
import { AppPage, Csrf, type Frame, Notice } from '../layout';
import { can } from '../members/roles';
import { CopyText } from './copy-field';
import { StatusBadge } from './payments';

export interface ResendNotice {
  tone: 'ok' | 'bad';
  text: string;
}

const DELIVERY_LABELS: Record<PaymentRecord['postback']['status'], string> = {
  none: 'No postback (no transaction id or postback URL)',
  waiting: 'Sent when the payment is final',
  pending: 'Queued',
  delivered: 'Delivered',
  dead_lettered: 'Gave up after retrying for 24 h',
};

export const PaymentPage: FC<{ frame: Frame; r: PaymentRecord; nextRetryAt: string | null; notice?: ResendNotice }> = ({
  frame,
  r,
  nextRetryAt,
  notice,
}) => {
  const canResend = r.postback.webhookId !== null && r.postbackUrl !== null && r.shopTransactionId !== null;
  return (
    <AppPage title={`Payment ${r.shopTransactionId ?? r.id}`} frame={frame} nav="payments" script>
      <p class="crumbs">
        <a href="/app/payments">← Payments</a>
      </p>
      <div class="page-head detail-head">
        <div>
          <p class="eyebrow mono">
            <CopyText id="payment-id" label="payment id" value={r.id} />
          </p>
          <h1 class="amount-title">
            {fmtAmount(r.amount)} <span class="currency">{r.currency}</span>
          </h1>
        </div>
        <StatusBadge status={r.status} />
      </div>

      {notice ? <Notice tone={notice.tone}>{notice.text}</Notice> : null}

      <div class="grid-2">
        <section class="panel" aria-labelledby="facts">
          <h2 id="facts">Details</h2>
          <dl class="facts">
            <dt>Transaction id</dt>
            <dd class="mono">
              {r.shopTransactionId ? <CopyText id="transaction-id" label="transaction id" value={r.shopTransactionId} /> : '—'}
            </dd>
            <dt>Customer</dt>
            <dd>
              {r.email}
              {r.name ? ` (${r.name})` : ''}
            </dd>
            <dt>Type</dt>
            <dd>{r.type === 'crypto' ? 'Crypto' : 'Fiat'}</dd>
            <dt>Created</dt>
            <dd>{fmtTime(r.createdAt, true)}</dd>
            <dt>Pay link expires</dt>
            <dd>{fmtTime(r.expiresAt)}</dd>
            <dt>Success URL</dt>
            <dd class="url">{r.successUrl}</dd>
            <dt>Error URL</dt>
            <dd class="url">{r.errorUrl}</dd>
            <dt>Postback URL</dt>
            <dd class="url">{r.postbackUrl ?? '—'}</dd>
            {Object.entries(r.metadata ?? {}).map(([key, value]) => (
              <>
                <dt class="mono">metadata.{key}</dt>
                <dd class="url">{value}</dd>
              </>
            ))}
          </dl>
        </section>

        <section class="panel" aria-labelledby="timeline">
          <h2 id="timeline">Timeline</h2>
          <ol class="timeline">
            {r.transitions.map((t) => (
              <li>
                <span class="timeline-status">{STATUS_LABELS[t.status]}</span>
                <time datetime={t.at}>{fmtTime(t.at, true)}</time>
                {timelineText(t) ? <span class="timeline-text">{timelineText(t)}</span> : null}
              </li>
            ))}
          </ol>
        </section>
      </div>

      <section class="panel" aria-labelledby="postbacks">
        <div class="panel-head">
          <div>
            <h2 id="postbacks">Postbacks</h2>
            <p class="muted">
              {DELIVERY_LABELS[r.postback.status]}
              {r.postback.webhookId ? (
                <>
                  {' '}
                  · webhook-id <CopyText id="webhook-id" label="webhook-id" value={r.postback.webhookId} />
                </>
              ) : null}
              {nextRetryAt ? ` · next retry about ${fmtTime(nextRetryAt, true)}` : ''}
            </p>
          </div>
          {canResend && can(frame.role, 'resend-postback') ? (
            <form method="post" action={`/app/payments/${r.id}/resend`}>
              <Csrf token={frame.csrf} />
              <button type="submit" class="button">
                Resend postback
              </button>
            </form>
          ) : null}
        </div>
        {r.postback.attempts.length === 0 ? (
          <p class="muted">No delivery attempts yet.</p>
        ) : (
          <div class="table-wrap">
            <table class="table attempts">
              <caption class="visually-hidden">Every postback attempt, oldest first</caption>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Time</th>
                  <th scope="col">Result</th>
                  <th scope="col">Duration</th>
                  <th scope="col">Your endpoint answered (first 512 bytes)</th>
                </tr>
              </thead>
              <tbody>
                {r.postback.attempts.map((a) => (
                  <tr>
                    <td data-label="#">{a.attempt}</td>
                    <td data-label="Time">{fmtTime(a.at, true)}</td>
                    <td data-label="Result">
                      <span class={`badge badge-${a.ok ? 'ok' : 'bad'}`}>{a.httpStatus ? `HTTP ${a.httpStatus}` : 'No answer'}</span>
                      {a.error && !a.httpStatus ? <div class="sub">{a.error}</div> : null}
                    </td>
                    <td data-label="Duration">{a.latencyMs === null || a.latencyMs === undefined ? '—' : `${a.latencyMs} ms`}</td>
                    <td data-label="Answer">
                      {a.responseBody ? <pre class="answer">{a.responseBody}</pre> : <span class="muted">(empty)</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {r.listenDeliveries?.length ? (
          <div class="table-wrap">
            <h3 id="listen">Forwarded by aimbrellapay listen</h3>
            <table class="table attempts" aria-labelledby="listen">
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Event</th>
                  <th scope="col">Your local endpoint answered</th>
                  <th scope="col">Duration</th>
                </tr>
              </thead>
              <tbody>
                {r.listenDeliveries.map((d) => (
                  <tr>
                    <td data-label="Time">{fmtTime(d.at, true)}</td>
                    <td data-label="Event">
                      <code>{d.webhookId}</code>
                    </td>
                    <td data-label="Answer">
                      <span class={`badge badge-${d.status !== null && d.status >= 200 && d.status < 300 ? 'ok' : 'bad'}`}>
                        {d.status !== null ? `HTTP ${d.status}` : 'No answer'}
                      </span>
                      {d.error ? <div class="sub">{d.error}</div> : null}
                    </td>
                    <td data-label="Duration">{d.durationMs === null ? '—' : `${d.durationMs} ms`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
    </AppPage>
  );
};
