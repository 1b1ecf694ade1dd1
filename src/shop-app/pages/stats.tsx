/** @jsxImportSource hono/jsx */
import type { FC } from 'hono/jsx';
import type { HeadlineFigures, WindowFigures } from '../../insight/reporting/headline-figures';
import { fmtAmount, fmtTime } from '../format';
import { AppPage, Notice, type Frame } from '../layout';

/**
 * The Stats page (DESIGN §6, §9): the built-in headline figures (today, 7 and 30 days, from
 * BigQuery, Metabase or not) and, when an operator connected one, the Metabase dashboard as a guest
 * embed locked to the member's shop and mode. The embed is the app's only client-side JavaScript:
 * /assets/stats-embed.js sets `window.metabaseConfig` from data attributes (no inline script), then
 * Metabase's embed.js renders <metabase-dashboard>.
 */
export type FiguresState = { kind: 'ok'; figures: HeadlineFigures } | { kind: 'not_configured' } | { kind: 'unavailable' };
export type EmbedState =
  | { kind: 'on'; siteUrl: string; token: string; providerUri: string }
  | { kind: 'off'; missing: string[] }
  | { kind: 'error' };

const WINDOW_LABEL: Record<WindowFigures['window'], string> = { today: 'Today', '7d': 'Last 7 days', '30d': 'Last 30 days' };
// Currencies without minor units: their sums are shown as whole numbers, every other with two decimals at least.
const ZERO_DECIMALS = new Set(['JPY', 'KRW', 'VND', 'CLP', 'ISK', 'HUF', 'XOF', 'XAF', 'UGX', 'PYG', 'RWF', 'KMF', 'GNF', 'DJF', 'BIF', 'VUV', 'XPF']);

/** An exact decimal sum as BigQuery answers it ("12.5") shown as money ("12.50"); never through a float. */
function money(amount: string, currency: string): string {
  const [whole = '0', fraction = ''] = amount.split('.');
  const minDigits = ZERO_DECIMALS.has(currency) ? 0 : 2;
  const digits = fraction.length >= minDigits ? fraction : fraction.padEnd(minDigits, '0');
  return fmtAmount(digits ? `${whole}.${digits}` : whole);
}

const percent = (v: number | null) => (v === null ? '—' : `${(Math.round(v * 1000) / 10).toLocaleString('en-US')} %`);
const count = (n: number) => n.toLocaleString('en-US');
const range = (w: WindowFigures) => (w.from === w.to ? w.to : `${w.from} – ${w.to}`);

const Period: FC<{ w: WindowFigures }> = ({ w }) => {
  const pb = w.postbacks;
  const deliveredShare = pb.postbacks ? pb.delivered / pb.postbacks : null;
  return (
    <section class="period" aria-labelledby={`period-${w.window}`}>
      <header class="period-head">
        <h3 id={`period-${w.window}`}>{WINDOW_LABEL[w.window]}</h3>
        <span class="sub">{range(w)} UTC</span>
      </header>
      <div class="kpis">
        <div class="kpi">
          <span class="kpi-label">Payments</span>
          <span class="kpi-value">{count(w.payments)}</span>
          <span class="sub">{count(w.paid)} paid</span>
        </div>
        <div class="kpi">
          <span class="kpi-label">Conversion</span>
          <span class="kpi-value">{percent(w.conversion)}</span>
          <span class="sub">created → paid</span>
        </div>
      </div>
      <div class="period-block">
        <h4>Paid volume</h4>
        {w.paidVolume.some((v) => v.paid > 0) ? (
          <ul class="volumes">
            {w.paidVolume
              .filter((v) => v.paid > 0)
              .map((v) => (
                <li>
                  <span class="volume-amount">
                    {money(v.amountPaid, v.currency)} <span class="currency">{v.currency}</span>
                  </span>
                  <span class="sub">
                    {count(v.paid)} of {count(v.payments)} paid
                  </span>
                </li>
              ))}
          </ul>
        ) : (
          <p class="muted small">No paid payments.</p>
        )}
      </div>
      <div class="period-block">
        <h4>Postbacks</h4>
        {pb.postbacks ? (
          <>
            {/* A native meter, not a styled width: the CSP admits no inline style. */}
            <meter class="delivery" min={0} max={pb.postbacks} value={pb.delivered} aria-label={`${count(pb.delivered)} of ${count(pb.postbacks)} postbacks delivered`}></meter>
            <p class="postback-line">
              <span class="badge badge-ok">{count(pb.delivered)} delivered</span> <span class={`badge ${pb.pending ? 'badge-wait' : 'badge-muted'}`}>{count(pb.pending)} pending</span>{' '}
              <span class={`badge ${pb.deadLettered ? 'badge-bad' : 'badge-muted'}`}>{count(pb.deadLettered)} dead-lettered</span>
            </p>
            <p class="sub">
              {percent(deliveredShare)} delivered · {count(pb.attempts)} attempt{pb.attempts === 1 ? '' : 's'}
            </p>
          </>
        ) : (
          <p class="muted small">No postbacks sent.</p>
        )}
      </div>
    </section>
  );
};

const Figures: FC<{ state: FiguresState; mode: string }> = ({ state, mode }) => {
  if (state.kind === 'not_configured') {
    return (
      <Notice tone="info">
        <p>
          <strong>Headline figures are not available on this installation:</strong> BigQuery is not configured. Payments work as usual, and the Payments page's totals
          answer “how much, in which currency, in which state” for any date range.
        </p>
      </Notice>
    );
  }
  if (state.kind === 'unavailable') {
    return (
      <Notice tone="bad">
        <p>
          <strong>BigQuery cannot be reached right now,</strong> so the headline figures cannot be shown. Nothing is lost: payment events wait in a queue and arrive
          when it is back. Try again in a few minutes; the Payments page's totals are always available.
        </p>
      </Notice>
    );
  }
  const { figures } = state;
  return (
    <>
      <div class="periods">
        {figures.windows.map((w) => (
          <Period w={w} />
        ))}
      </div>
      <p class="hint">
        Your {mode}-mode payments, by the UTC day they were created, with their status now. Amounts are never added across currencies. Updated{' '}
        {fmtTime(figures.computedAt)}; figures refresh every 5 minutes.
      </p>
    </>
  );
};

const Embed: FC<{ state: EmbedState; frame: Frame }> = ({ state, frame }) => {
  if (state.kind === 'on') {
    return (
      <section class="panel dashboard-panel" aria-labelledby="dashboard-title">
        <div class="panel-head">
          <div>
            <h2 id="dashboard-title">Dashboard</h2>
            <p class="muted">
              Trends per day and currency, outcomes and failure reasons, time to pay, postback delivery. Pick dates, currency and status inside it; it always shows{' '}
              {frame.shopName}'s {frame.mode}-mode payments only.
            </p>
          </div>
        </div>
        <div id="metabase-config" hidden data-instance-url={state.siteUrl} data-provider-uri={state.providerUri}></div>
        <metabase-dashboard token={state.token} with-title="true" with-downloads="false"></metabase-dashboard>
        <noscript>
          <p class="muted">The dashboard needs JavaScript. The headline figures above work without it.</p>
        </noscript>
        {/* Document order matters: both are deferred, so the config is set before embed.js runs. */}
        <script src="/assets/stats-embed.js" defer></script>
        <script src={`${state.siteUrl}/app/embed.js`} defer></script>
      </section>
    );
  }
  if (state.kind === 'error') {
    return (
      <section class="panel" aria-labelledby="dashboard-title">
        <h2 id="dashboard-title">Dashboard</h2>
        <Notice tone="bad">
          <p>The dashboard could not be opened just now. Reload the page; if it persists, tell your AimbrellaPay contact.</p>
        </Notice>
      </section>
    );
  }
  return (
    <section class="panel connect" aria-labelledby="dashboard-title">
      <h2 id="dashboard-title">Interactive dashboard not connected</h2>
      <p>
        An interactive Metabase dashboard — trends per day and currency, failure reasons, time to pay, postback delivery, with date, currency and status filters — appears
        here once AimbrellaPay connects one to this installation. Ask your AimbrellaPay contact.
      </p>
      <p class="hint">
        For operators: run <code>npm run metabase -- provision</code>, then set <code>METABASE_SITE_URL</code>, <code>METABASE_DASHBOARD_ID</code> and the secret{' '}
        <code>METABASE_EMBED_SECRET</code> on the Worker
        {state.missing.length < 3 ? (
          <>
            {' '}
            (missing now: {state.missing.map((m, i) => (
              <>
                {i > 0 ? ', ' : ''}
                <code>{m}</code>
              </>
            ))}
            )
          </>
        ) : null}
        . Step by step: <em>Metabase dashboards</em> in the internal guide (<a href="/internal">/internal</a>).
      </p>
    </section>
  );
};

export const StatsPage: FC<{ frame: Frame; figures: FiguresState; embed: EmbedState; monthStart: string; today: string }> = ({ frame, figures, embed, monthStart, today }) => (
  <AppPage title="Stats" frame={frame} nav="stats">
    <div class="page-head detail-head">
      <div>
        <h1>Stats</h1>
        <p class="muted">How {frame.shopName} is doing in {frame.mode} mode: payments, paid volume per currency, conversion and postback delivery.</p>
      </div>
      <a class="button" href={`/app/payments?from=${monthStart}&to=${today}`}>
        This month's payments
      </a>
    </div>
    <section class="figures" aria-label="Headline figures">
      <Figures state={figures} mode={frame.mode} />
    </section>
    <Embed state={embed} frame={frame} />
  </AppPage>
);
