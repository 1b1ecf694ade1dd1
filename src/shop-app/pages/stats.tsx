/** @jsxImportSource hono/jsx */
import type { FC } from 'hono/jsx';
import type { CurrencyFigures, StatsFigures, StatsRange } from '../../insight/reporting/stats-figures';
import { fmtAmount, fmtTime, STATUS_LABELS, STATUS_TONE } from '../format';
import { AppPage, type Frame, Notice } from '../layout';
import { BarChart, percent, ShareBars } from './charts';

/**
 * The Stats page: the shop's own figures and charts for the last 7, 30 or 90 days, from BigQuery
 * (the same scope as the Metabase cards), drawn on the server as SVG (./charts.tsx) — and, when
 * AimbrellaPay connected one, the Metabase dashboard below them as a guest embed locked to the
 * member's shop and mode. Nothing here is for operators: without Metabase the page simply has no
 * dashboard section (how to connect one is in docs/internal/metabase.md).
 *
 * The embed is the app's only client-side JavaScript: /assets/stats-embed.js sets
 * `window.metabaseConfig` from data attributes (no inline script), then Metabase's embed.js renders
 * <metabase-dashboard>. It carries `dashboard-id` as well as `token`: Metabase's embed.js reads the
 * dashboard to refresh a token for from that attribute (the newest releases also from the expired
 * token), so the refresh works from the first release with guest embeds on (docs/internal/metabase.md).
 */
export type FiguresState = { kind: 'ok'; figures: StatsFigures } | { kind: 'not_configured' } | { kind: 'unavailable' };
export type EmbedState =
  | { kind: 'on'; siteUrl: string; token: string; dashboardId: number; providerUri: string }
  | { kind: 'off' }
  | { kind: 'error' };

const RANGE_LABEL: Record<StatsRange, string> = { '7d': 'Last 7 days', '30d': 'Last 30 days', '90d': 'Last 90 days' };
// Currencies without minor units: their sums are shown as whole numbers, every other with two decimals at least.
const ZERO_DECIMALS = new Set([
  'JPY',
  'KRW',
  'VND',
  'CLP',
  'ISK',
  'HUF',
  'XOF',
  'XAF',
  'UGX',
  'PYG',
  'RWF',
  'KMF',
  'GNF',
  'DJF',
  'BIF',
  'VUV',
  'XPF',
]);

/** An exact decimal sum as BigQuery answers it ("12.5") shown as money ("12.50"); never through a float. */
function money(amount: string, currency: string): string {
  const [whole = '0', fraction = ''] = amount.split('.');
  const minDigits = ZERO_DECIMALS.has(currency) ? 0 : 2;
  const digits = fraction.length >= minDigits ? fraction : fraction.padEnd(minDigits, '0');
  return fmtAmount(digits ? `${whole}.${digits}` : whole);
}

const count = (n: number) => n.toLocaleString('en-US');
const shortDay = (day: string) =>
  new Date(`${day}T00:00:00Z`).toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });
const statusLabel = (s: string) => STATUS_LABELS[s as keyof typeof STATUS_LABELS] ?? s;
const REASON_TONE: Record<string, string> = { failed: 'bad', init_failed: 'bad', expired: 'muted' };

/**
 * A failure reason in a merchant's words. The reasons are what the payment's state machine records
 * (src/core/payments/flow.ts: Bansky's error code for an init failure, the transition's reason
 * otherwise); an unknown one is shown as it is.
 */
function reasonLabel(status: string, reason: string): string {
  if (status === 'init_failed' && reason === 'bansky_error') return 'The payment provider refused to start the payment';
  if (status === 'init_failed' && reason === 'bansky_timeout') return 'The payment provider did not answer in time';
  if (status === 'expired' && reason === 'pay link expired') return 'The customer did not pay before the pay link expired';
  if (status === 'failed' && reason.startsWith('bansky')) return 'Declined or failed at the payment provider';
  return `${reason} (${statusLabel(status).toLowerCase()})`;
}

/** Reasons with the same words are one row. */
function reasonRows(reasons: StatsFigures['reasons']): Array<{ label: string; count: number; tone: string }> {
  const rows = new Map<string, { label: string; count: number; tone: string }>();
  for (const r of reasons) {
    const label = reasonLabel(r.status, r.reason);
    const row = rows.get(label) ?? { label, count: 0, tone: REASON_TONE[r.status] ?? 'muted' };
    row.count += r.payments;
    rows.set(label, row);
  }
  return [...rows.values()].sort((a, b) => b.count - a.count);
}

const RangePicker: FC<{ range: StatsRange }> = ({ range }) => (
  <nav class="range-picker" aria-label="Date range">
    {(Object.keys(RANGE_LABEL) as StatsRange[]).map((r) => (
      <a href={`/app/stats?range=${r}`} aria-current={r === range ? 'page' : undefined}>
        {RANGE_LABEL[r]}
      </a>
    ))}
  </nav>
);

const CurrencyPanel: FC<{ c: CurrencyFigures; f: StatsFigures }> = ({ c, f }) => {
  const maxAmount = Math.max(...c.days.map((d) => Number(d.amountPaid)), 0);
  const peak = c.days.find((d) => Number(d.amountPaid) === maxAmount);
  const from = shortDay(f.from);
  const to = shortDay(f.to);
  return (
    <section class="panel currency-panel" aria-labelledby={`cur-${c.currency}`}>
      <header class="currency-head">
        <h3 id={`cur-${c.currency}`}>
          {money(c.amountPaid, c.currency)} <span class="currency">{c.currency}</span>
        </h3>
        <span class="sub">
          paid · {count(c.paid)} of {count(c.payments)} payment{c.payments === 1 ? '' : 's'} · conversion{' '}
          {percent(c.payments ? c.paid / c.payments : null)}
        </span>
      </header>
      <div class="chart-pair">
        <figure>
          <figcaption>Paid volume per day</figcaption>
          <BarChart
            tone="paid"
            label={`Paid volume per day in ${c.currency}, ${f.from} to ${f.to}: highest ${money(peak?.amountPaid ?? '0', c.currency)} ${c.currency}`}
            max={maxAmount}
            maxLabel={maxAmount > 0 ? money(peak!.amountPaid, c.currency) : '0'}
            from={from}
            to={to}
            bars={c.days.map((d) => ({
              value: Number(d.amountPaid),
              title: `${d.day}: ${money(d.amountPaid, c.currency)} ${c.currency} paid (${count(d.paid)} of ${count(d.payments)})`,
            }))}
          />
        </figure>
        <figure>
          <figcaption>Conversion per day</figcaption>
          <BarChart
            tone="rate"
            label={`Conversion per day in ${c.currency} (paid of created), ${f.from} to ${f.to}`}
            max={1}
            maxLabel="100 %"
            from={from}
            to={to}
            bars={c.days.map((d) => ({
              value: d.payments ? d.paid / d.payments : 0,
              empty: d.payments === 0,
              title: d.payments
                ? `${d.day}: ${percent(d.paid / d.payments)} (${count(d.paid)} of ${count(d.payments)} paid)`
                : `${d.day}: no payments`,
            }))}
          />
        </figure>
      </div>
      <details class="chart-table">
        <summary>Day by day</summary>
        <div class="table-wrap">
          <table class="table">
            <caption class="visually-hidden">{c.currency} per day</caption>
            <thead>
              <tr>
                <th scope="col">Day (UTC)</th>
                <th scope="col">Payments</th>
                <th scope="col">Paid</th>
                <th scope="col">Paid volume</th>
              </tr>
            </thead>
            <tbody>
              {c.days
                .filter((d) => d.payments > 0)
                .reverse()
                .map((d) => (
                  <tr>
                    <td data-label="Day">{d.day}</td>
                    <td data-label="Payments">{count(d.payments)}</td>
                    <td data-label="Paid">{count(d.paid)}</td>
                    <td class="amount" data-label="Paid volume">
                      {money(d.amountPaid, c.currency)} <span class="currency">{c.currency}</span>
                    </td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      </details>
    </section>
  );
};

const Figures: FC<{ state: FiguresState; range: StatsRange; mode: string }> = ({ state, range, mode }) => {
  if (state.kind === 'not_configured') {
    return (
      <Notice tone="info">
        <p>
          <strong>Charts are not available on this installation yet.</strong> Payments work as usual, and the Payments page's totals answer
          “how much, in which currency, in which state” for any dates.
        </p>
      </Notice>
    );
  }
  if (state.kind === 'unavailable') {
    return (
      <Notice tone="bad">
        <p>
          <strong>BigQuery cannot be reached right now,</strong> so the figures and charts cannot be shown. Nothing is lost: payment events
          wait in a queue and arrive when it is back. Try again in a few minutes; the Payments page's totals are always available.
        </p>
      </Notice>
    );
  }
  const f = state.figures;
  if (f.payments === 0) {
    return (
      <div class="panel empty-range">
        <p>
          <strong>
            No {mode}-mode payments in the {RANGE_LABEL[range].toLowerCase()}
          </strong>{' '}
          ({f.from} – {f.to} UTC).
          {range !== '90d' ? (
            <>
              {' '}
              Try <a href="/app/stats?range=90d">the last 90 days</a>.
            </>
          ) : null}
        </p>
      </div>
    );
  }
  const pb = f.postbacks;
  const notPaid = f.outcomes.filter((o) => o.status !== 'paid').reduce((a, o) => a + o.payments, 0);
  return (
    <>
      <div class="kpis kpis-row">
        <div class="kpi">
          <span class="kpi-label">Payments</span>
          <span class="kpi-value">{count(f.payments)}</span>
          <span class="sub">{count(f.paid)} paid</span>
        </div>
        <div class="kpi">
          <span class="kpi-label">Conversion</span>
          <span class="kpi-value">{percent(f.conversion)}</span>
          <span class="sub">created → paid</span>
        </div>
        <div class="kpi">
          <span class="kpi-label">Postbacks delivered</span>
          <span class="kpi-value">{percent(pb.postbacks ? pb.delivered / pb.postbacks : null)}</span>
          <span class="sub">
            {count(pb.delivered)} of {count(pb.postbacks)} · {count(pb.deadLettered)} dead-lettered
          </span>
        </div>
      </div>

      <h2 class="section-title">Paid volume and conversion per currency</h2>
      {f.currencies.map((c) => (
        <CurrencyPanel c={c} f={f} />
      ))}

      <div class="breakdowns">
        <section class="panel" aria-labelledby="outcomes-title">
          <h2 id="outcomes-title">Outcomes</h2>
          <ShareBars
            caption="Payments per status"
            total={f.payments}
            rows={f.outcomes.map((o) => ({
              label: statusLabel(o.status),
              count: o.payments,
              tone: STATUS_TONE[o.status as keyof typeof STATUS_TONE] ?? 'muted',
            }))}
          />
        </section>
        <section class="panel" aria-labelledby="reasons-title">
          <h2 id="reasons-title">Why payments were not paid</h2>
          {f.reasons.length ? (
            <ShareBars caption="Payments not paid, per reason" total={notPaid} rows={reasonRows(f.reasons)} />
          ) : (
            <p class="muted">No failed, expired or refused payments.</p>
          )}
        </section>
      </div>
      <p class="hint">
        Your {mode}-mode payments created {f.from} – {f.to} (UTC days), with their status now. Amounts are never added across currencies.
        Updated {fmtTime(f.computedAt)}; figures refresh every 5 minutes.
      </p>
    </>
  );
};

const Embed: FC<{ state: EmbedState; frame: Frame }> = ({ state, frame }) => {
  if (state.kind === 'off') return null;
  if (state.kind === 'error') {
    return (
      <section class="panel" aria-labelledby="dashboard-title">
        <h2 id="dashboard-title">Dashboard</h2>
        <Notice tone="bad">
          <p>The dashboard could not be opened just now. Reload the page; the figures and charts above are always here.</p>
        </Notice>
      </section>
    );
  }
  return (
    <section class="panel dashboard-panel" aria-labelledby="dashboard-title">
      <div class="panel-head">
        <div>
          <h2 id="dashboard-title">Dashboard</h2>
          <p class="muted">
            Pick dates, currency and status inside it; time to pay and postback delivery too. It always shows {frame.shopName}'s{' '}
            {frame.mode}-mode payments only.
          </p>
        </div>
      </div>
      <div id="metabase-config" hidden data-instance-url={state.siteUrl} data-provider-uri={state.providerUri}></div>
      <metabase-dashboard token={state.token} dashboard-id={String(state.dashboardId)} with-title="true"></metabase-dashboard>
      <noscript>
        <p class="muted">The dashboard needs JavaScript. The figures and charts above work without it.</p>
      </noscript>
      {/* Document order matters: both are deferred, so the config is set before embed.js runs. */}
      <script src="/assets/stats-embed.js" defer></script>
      <script src={`${state.siteUrl}/app/embed.js`} defer></script>
    </section>
  );
};

export const StatsPage: FC<{
  frame: Frame;
  range: StatsRange;
  figures: FiguresState;
  embed: EmbedState;
  monthStart: string;
  today: string;
}> = ({ frame, range, figures, embed, monthStart, today }) => (
  <AppPage title="Stats" frame={frame} nav="stats">
    <div class="page-head detail-head">
      <div>
        <h1>Stats</h1>
        <p class="muted">
          How {frame.shopName} is doing in {frame.mode} mode: paid volume and conversion per currency, outcomes and why payments were not
          paid.
        </p>
      </div>
      <a class="button" href={`/app/payments?from=${monthStart}&to=${today}`}>
        This month's payments
      </a>
    </div>
    {figures.kind === 'ok' ? <RangePicker range={range} /> : null}
    <section class="figures" aria-label={RANGE_LABEL[range]}>
      <Figures state={figures} range={range} mode={frame.mode} />
    </section>
    <Embed state={embed} frame={frame} />
  </AppPage>
);
