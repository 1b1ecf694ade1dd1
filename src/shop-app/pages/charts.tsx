/** @jsxImportSource hono/jsx */
import type { FC } from 'hono/jsx';

/**
 * Charts drawn on the server as SVG: no script, so they work under the app's CSP (no inline style:
 * sizes are SVG attributes, colours CSS classes) and without JavaScript. The plot stretches to its
 * box (`preserveAspectRatio="none"`); every label is HTML around it, so text stays readable on a
 * phone however narrow the plot gets. Each bar carries a <title> (shown on hover or long-press).
 */
export interface Bar {
  value: number;
  /** What the bar says in words, e.g. "2026-05-10: 12.50 EUR, 2 paid". */
  title: string;
  /** A day with nothing to show (no payments): drawn as a faint stub, not as zero. */
  empty?: boolean;
}

const VIEW_H = 100;

export const BarChart: FC<{
  bars: Bar[];
  label: string;
  max: number;
  maxLabel: string;
  from: string;
  to: string;
  tone: 'paid' | 'rate';
}> = ({ bars, label, max, maxLabel, from, to, tone }) => {
  const n = Math.max(bars.length, 1);
  const gap = n > 40 ? 0.15 : 0.25;
  return (
    <div class="chart">
      <div class="chart-body">
        <div class="chart-y" aria-hidden="true">
          <span>{maxLabel}</span>
          <span>0</span>
        </div>
        <svg class={`chart-plot chart-${tone}`} viewBox={`0 0 ${n} ${VIEW_H}`} preserveAspectRatio="none" role="img" aria-label={label}>
          <line class="chart-grid" x1="0" x2={n} y1="0.5" y2="0.5" vector-effect="non-scaling-stroke" />
          <line class="chart-grid" x1="0" x2={n} y1={VIEW_H / 2} y2={VIEW_H / 2} vector-effect="non-scaling-stroke" />
          <line class="chart-axis" x1="0" x2={n} y1={VIEW_H - 0.5} y2={VIEW_H - 0.5} vector-effect="non-scaling-stroke" />
          {bars.map((b, i) => {
            const h = b.empty || max <= 0 ? 0 : Math.max((b.value / max) * VIEW_H, b.value > 0 ? 1.5 : 0);
            return (
              <g>
                <title>{b.title}</title>
                {/* A full-height transparent target so the title shows over short bars too. */}
                <rect class="chart-hit" x={i} y="0" width="1" height={VIEW_H} />
                {h > 0 ? (
                  <rect class="chart-bar" x={i + gap / 2} y={VIEW_H - h} width={1 - gap} height={h} />
                ) : (
                  <rect class={b.empty ? 'chart-stub' : 'chart-bar'} x={i + gap / 2} y={VIEW_H - 1} width={1 - gap} height="1" />
                )}
              </g>
            );
          })}
        </svg>
      </div>
      <div class="chart-x" aria-hidden="true">
        <span>{from}</span>
        <span>{to}</span>
      </div>
    </div>
  );
};

/** One row per item: a label, a bar of its share, the count and the share in words. */
export const ShareBars: FC<{ rows: Array<{ label: string; count: number; tone: string }>; total: number; caption: string }> = ({
  rows,
  total,
  caption,
}) => (
  <table class="share-bars">
    <caption class="visually-hidden">{caption}</caption>
    <tbody>
      {rows.map((r) => {
        const share = total ? r.count / total : 0;
        return (
          <tr>
            <th scope="row">{r.label}</th>
            <td class="share-bar">
              <svg viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
                <rect class="share-track" x="0" y="0" width="100" height="10" />
                <rect class={`share-fill share-${r.tone}`} x="0" y="0" width={Math.max(share * 100, r.count ? 1 : 0)} height="10" />
              </svg>
            </td>
            <td class="share-count">
              {r.count.toLocaleString('en-US')} <span class="sub">{percent(share)}</span>
            </td>
          </tr>
        );
      })}
    </tbody>
  </table>
);

export const percent = (v: number | null) => (v === null ? '—' : `${(Math.round(v * 1000) / 10).toLocaleString('en-US')} %`);
