/** @jsxImportSource hono/jsx */
import type { FC } from 'hono/jsx';
import { AppPage, type Frame } from '../layout';

/** The place the reporting work fills (headline figures + the embedded dashboard, DESIGN §6). */
export const StatsPage: FC<{ frame: Frame; monthStart: string; today: string }> = ({ frame, monthStart, today }) => (
  <AppPage title="Stats" frame={frame} nav="stats">
    <div class="page-head">
      <h1>Stats</h1>
    </div>
    <section class="panel empty-state">
      <h2>Reporting lands here</h2>
      <p>
        This page will show your headline figures — volume, conversion, postback delivery — and an interactive dashboard of your {frame.mode}-mode payments. It is
        being built now.
      </p>
      <p>Until then, the Payments page gives exact totals per currency for any status and date range.</p>
      <p>
        <a class="button primary" href={`/app/payments?from=${monthStart}&to=${today}`}>
          This month's payments
        </a>
      </p>
    </section>
  </AppPage>
);
