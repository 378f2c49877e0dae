/// <reference lib="dom" />
import type uPlot from 'uplot';
import { AXIS, UPlot, valueAxis, valueScale, type SeriesStyle } from './chart.ts';
import { h, replace } from './dom.ts';

/**
 * A chart of per-minute buckets on uPlot, for the business row. Unlike createTimeChart, which
 * appends one live sample per snapshot, each poll of the analytics API answers with the whole
 * window, so `set` replaces everything. The legend shows each series' total over the window, or
 * the hovered minute's values; `data-total` always holds the total (for checks).
 */
export interface BucketSeries {
  label: string;
  /** One value per minute slot, 0 where nothing happened. */
  values: number[];
}

export interface BucketChartOptions {
  styleOf: (label: string) => SeriesStyle;
  /** A value in the legend. */
  format: (v: number) => string;
  /** A y axis tick. */
  axisFormat: (v: number) => string;
  /** What the legend calls the window's totals, e.g. "30 min". */
  totalLabel: string;
  displayOf?: (label: string) => string;
  /** Smallest top of a linear y axis. */
  minMax?: number;
  /** Log y axis, for series that differ by orders of magnitude (page views vs payments); 0 is not drawn. */
  log?: boolean;
  /** Shade the area under a lone series. */
  fill?: boolean;
}

export interface BucketChart {
  /** `starts`: minute starts, epoch ms; every series has one value per start. */
  set(starts: number[], series: BucketSeries[]): void;
}

const MINUTE_INCRS = [60, 120, 300, 600, 900, 1800, 3600];

/**
 * @example
 * const chart = createBucketChart(plotEl, legendEl, { styleOf, format: fmtCount, axisFormat: fmtCountTick, totalLabel: '30 min' });
 * chart.set(window.starts, [{ label: 'paid', values: perMinute(window.starts, buckets, (b) => b.ordersPaid) }]);
 */
export function createBucketChart(plotEl: HTMLElement, legendEl: HTMLElement, opts: BucketChartOptions): BucketChart {
  let starts: number[] = [];
  let series: BucketSeries[] = [];
  let plot: uPlot | undefined;
  let shape = '';
  let hoverIdx: number | null = null;

  const size = () => ({ width: Math.max(120, plotEl.clientWidth), height: Math.max(60, plotEl.clientHeight) });
  const data = (): uPlot.AlignedData => [starts.map((s) => s / 1000), ...series.map((s) => s.values.map((v) => (opts.log && v <= 0 ? null : v)))] as uPlot.AlignedData;
  const renderLegend = () => replace(legendEl, ...legendItems(starts, series, hoverIdx, opts));
  const onCursor = (u: uPlot) => {
    hoverIdx = u.cursor.idx ?? null;
    renderLegend();
  };

  new ResizeObserver(() => plot?.setSize(size())).observe(plotEl);

  return {
    set(nextStarts, nextSeries) {
      starts = nextStarts;
      series = nextSeries;
      const nextShape = series.map((s) => s.label).join('\u0000');
      if (series.length === 0) {
        plot?.destroy();
        plot = undefined;
      } else if (!plot || nextShape !== shape) {
        plot?.destroy();
        plot = new UPlot(chartOptions(size(), series, opts, onCursor), data(), plotEl);
      } else {
        plot.setData(data());
      }
      shape = nextShape;
      renderLegend();
    },
  };
}

function chartOptions(size: { width: number; height: number }, series: BucketSeries[], opts: BucketChartOptions, onCursor: (u: uPlot) => void): uPlot.Options {
  return {
    ...size,
    legend: { show: false },
    cursor: { y: false, points: { size: 6 }, drag: { x: false, y: false } },
    scales: {
      x: { time: true },
      y: valueScale(opts.log, 1, opts.minMax ?? 1),
    },
    axes: [
      { ...AXIS, size: 26, space: 56, incrs: MINUTE_INCRS, values: (_u, splits) => splits.map(minuteTick) },
      valueAxis(opts.log, opts.axisFormat),
    ],
    series: [{}, ...series.map((s) => seriesOptions(s.label, opts.styleOf(s.label), opts.fill === true && series.length === 1))],
    hooks: { setCursor: [onCursor] },
  };
}

function seriesOptions(label: string, style: SeriesStyle, fill: boolean): uPlot.Series {
  // Hex colors only (colors.ts): a two-digit alpha suffix makes the translucent fill. A dot on each
  // minute with something in it, so a minute between two empty ones (no line on a log axis) still
  // shows; none on zeros, where they would only bead the baseline.
  const points = { show: true, size: 4, width: 1, stroke: style.color, fill: style.color, filter: nonZero };
  return { label, stroke: style.color, width: 1.6, dash: style.dash, fill: fill ? `${style.color}26` : undefined, points, spanGaps: false };
}

function nonZero(u: uPlot, seriesIdx: number): number[] {
  const ys = u.data[seriesIdx] ?? [];
  const idxs: number[] = [];
  ys.forEach((v, i) => {
    if (v !== null && v !== undefined && v !== 0) idxs.push(i);
  });
  return idxs;
}

function legendItems(starts: number[], series: BucketSeries[], hoverIdx: number | null, opts: BucketChartOptions): HTMLElement[] {
  if (series.length === 0) return [];
  const hovered = hoverIdx === null ? undefined : starts[hoverIdx];
  const when = h('span', { class: 'legend-when', 'data-testid': 'legend-when' }, hovered === undefined ? opts.totalLabel : minuteTick(hovered / 1000));
  return [
    when,
    ...series.map((s) => {
      const total = s.values.reduce((n, v) => n + v, 0);
      const value = hovered === undefined ? total : (s.values[hoverIdx!] ?? 0);
      const style = opts.styleOf(s.label);
      return h(
        'span',
        { class: 'legend-item', 'data-series': s.label, 'data-total': total },
        h('i', { class: style.dash ? 'swatch dashed' : 'swatch', style: `--c:${style.color}` }),
        h('span', { class: 'legend-label', title: s.label }, opts.displayOf?.(s.label) ?? s.label),
        h('b', {}, opts.format(value)),
      );
    }),
  ];
}

/** "15:04" (local): buckets are whole minutes, seconds would only be noise. */
function minuteTick(sec: number): string {
  const d = new Date(sec * 1000);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}
