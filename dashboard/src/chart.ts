/// <reference lib="dom" />
import type uPlot from 'uplot';
import { h, replace } from './dom.ts';

/**
 * A rolling time-series line chart on uPlot (loaded as its own asset, `assets/uplot.js`, which
 * defines the global `uPlot`). Series appear as their labels first show up in the data (a new
 * inbox topic, a new actor type), so nothing about the deployment is hard-coded in the page.
 */
export interface SeriesStyle {
  color: string;
  dash?: number[];
}

export interface TimeChartOptions {
  /** Seconds of history kept and shown. */
  windowSec: number;
  /** Style of a series, by label. */
  styleOf: (label: string, index: number) => SeriesStyle;
  /** Formats a y value for the legend. */
  format: (v: number | null) => string;
  /** Formats a y axis tick (shorter than `format`); defaults to `format`. */
  axisFormat?: (v: number) => string;
  /** The name shown in the legend for a series label; defaults to the label. */
  displayOf?: (label: string) => string;
  /** Smallest top of a linear y axis, so an idle chart reads 0…10 rather than 0…1 in fractions. */
  minMax?: number;
  /** Log-scaled y axis (latencies span sub-millisecond to seconds); values are clamped to ≥ `logMin`. */
  log?: boolean;
  logMin?: number;
}

export interface TimeChart {
  push(atMs: number, values: Record<string, number | null>): void;
  /** Number of points held (for tests and empty states). */
  readonly points: number;
}

/** Shortest time span shown, so the first seconds after opening do not get millisecond ticks. */
const MIN_SPAN_SEC = 30;
const TIME_INCRS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];
/** uPlot's global (its IIFE build is loaded before the app); shared with bucket-chart.ts. */
export const UPlot = (globalThis as unknown as { uPlot: typeof uPlot }).uPlot;
export const AXIS = { stroke: '#8b97a6', font: '11px system-ui, sans-serif', grid: { stroke: '#232b36', width: 1 }, ticks: { stroke: '#232b36', width: 1 } };

/**
 * @example
 * const chart = createTimeChart(plotEl, legendEl, { windowSec: 300, styleOf: colorByTopic, format: fmtCount });
 * chart.push(snapshot.at, { user_events: 812, transaction_events: 304 });
 */
export function createTimeChart(plotEl: HTMLElement, legendEl: HTMLElement, opts: TimeChartOptions): TimeChart {
  const labels: string[] = [];
  const xs: number[] = [];
  const ys: (number | null)[][] = [];
  let plot: uPlot | undefined;
  let hoverIdx: number | null = null;

  const data = (): uPlot.AlignedData => [xs, ...ys] as uPlot.AlignedData;
  const size = () => ({ width: Math.max(120, plotEl.clientWidth), height: Math.max(60, plotEl.clientHeight) });

  const build = () => {
    plot?.destroy();
    const options: uPlot.Options = {
      ...size(),
      legend: { show: false },
      cursor: { y: false, points: { size: 6 }, drag: { x: false, y: false } },
      scales: {
        // Grows with the history until the window is full, then slides.
        x: { time: true, range: (_u, min, max) => [Math.min(max - MIN_SPAN_SEC, Math.max(min, max - opts.windowSec)), max] },
        y: valueScale(opts.log, opts.logMin ?? 0.1, opts.minMax ?? 1),
      },
      axes: [
        { ...AXIS, size: 26, space: 64, incrs: TIME_INCRS, values: (_u, splits) => splits.map(clockTick) },
        valueAxis(opts.log, opts.axisFormat ?? opts.format),
      ],
      series: [{}, ...labels.map((label, i) => ({ label, ...lineStyle(opts.styleOf(label, i)), spanGaps: false }))],
      hooks: {
        setCursor: [
          (u) => {
            hoverIdx = u.cursor.idx ?? null;
            renderLegend();
          },
        ],
      },
    };
    plot = new UPlot(options, data(), plotEl);
  };

  const renderLegend = () => {
    const idx = hoverIdx ?? xs.length - 1;
    replace(
      legendEl,
      ...labels.map((label, i) => {
        const style = opts.styleOf(label, i);
        const value = idx >= 0 ? (ys[i]?.[idx] ?? null) : null;
        return h(
          'span',
          { class: 'legend-item', 'data-series': label },
          h('i', { class: style.dash ? 'swatch dashed' : 'swatch', style: `--c:${style.color}` }),
          h('span', { class: 'legend-label', title: label }, opts.displayOf?.(label) ?? label),
          h('b', {}, opts.format(value)),
        );
      }),
    );
  };

  new ResizeObserver(() => plot?.setSize(size())).observe(plotEl);

  return {
    push(atMs, values) {
      let grew = false;
      for (const label of Object.keys(values)) {
        if (labels.includes(label)) continue;
        labels.push(label);
        ys.push(xs.map(() => null));
        grew = true;
      }
      xs.push(atMs / 1000);
      labels.forEach((label, i) => ys[i]!.push(clamp(values[label] ?? null, opts)));
      const cutoff = atMs / 1000 - opts.windowSec;
      let drop = 0;
      while (drop < xs.length && xs[drop]! < cutoff) drop++;
      if (drop > 0) {
        xs.splice(0, drop);
        for (const y of ys) y.splice(0, drop);
      }
      // One point draws no line and uPlot widens a one-point time axis on its own: wait for two.
      if (xs.length < 2) {
        plot?.destroy();
        plot = undefined;
      } else if (grew || !plot) build();
      else plot.setData(data());
      renderLegend();
    },
    get points() {
      return xs.length;
    },
  };
}

/** "15:04:05": wall-clock ticks read better on an ops screen than uPlot's ":05". */
function clockTick(sec: number): string {
  const d = new Date(sec * 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function lineStyle(style: SeriesStyle): Partial<uPlot.Series> {
  return { stroke: style.color, width: 1.6, dash: style.dash, points: { show: false } };
}

function clamp(v: number | null, opts: TimeChartOptions): number | null {
  if (v === null || !Number.isFinite(v)) return null;
  return opts.log ? Math.max(opts.logMin ?? 0.1, v) : v;
}

/** Whole decades around the data, so a log axis reads 1 ms · 10 ms · 100 ms · 1 s. */
/** The y scale of a chart: logarithmic from `logFloor`, or linear from 0 to a round maximum of at least `minMax`. */
export function valueScale(log: boolean | undefined, logFloor: number, minMax: number): uPlot.Scale {
  return log ? { distr: 3, log: 10, range: (_u, min, max) => logRange(min, max, logFloor) } : { range: (_u, _min, max) => [0, niceMax(max, minMax)] };
}

/** The y axis of a chart: its values printed with `format`, decades as splits on a log scale. */
export function valueAxis(log: boolean | undefined, format: (v: number) => string): uPlot.Axis {
  return {
    ...AXIS,
    size: 58,
    gap: 4,
    space: 22,
    ticks: { ...AXIS.ticks, size: 4 },
    splits: log ? (_u, _axis, min, max) => logSplits(min, max) : undefined,
    values: (_u, splits) => splits.map((v) => format(v)),
  };
}

export function logRange(min: number, max: number, floor: number): [number, number] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [1, 1000];
  const lo = Math.max(floor, 10 ** Math.floor(Math.log10(Math.max(floor, min))));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(max, lo * 10)));
  return [lo, hi];
}

/** Ticks at powers of ten, plus 3× between them when the range spans few decades. */
export function logSplits(min: number, max: number): number[] {
  const splits: number[] = [];
  const decades = Math.log10(max / min);
  for (let e = Math.floor(Math.log10(min)); 10 ** e <= max * 1.0001; e++) {
    const v = 10 ** e;
    if (v >= min * 0.9999) splits.push(v);
    if (decades <= 2 && 3 * v <= max) splits.push(3 * v);
  }
  return splits;
}

/** A y maximum with head room that rounds to a readable axis (1, 2, 5 × 10ⁿ). */
export function niceMax(max: number, floor: number): number {
  if (!Number.isFinite(max) || max <= 0) return floor;
  const target = Math.max(floor, max * 1.15);
  const pow = 10 ** Math.floor(Math.log10(target));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * pow >= target) return m * pow;
  return 10 * pow;
}
