/**
 * The soak's arithmetic (bench/soak.ts), pure so it is tested: a least-squares slope, and quantiles
 * of a Prometheus histogram between two scrapes (the difference of its cumulative buckets), so a
 * window's latency is not diluted by, or hidden in, the whole run's.
 */

export interface Point {
  atS: number;
  value: number;
}

/** Cumulative bucket counts of one histogram in one scrape, by upper bound (`+Inf` last). */
export type Buckets = { le: string; count: number }[];

/** Least-squares slope of `value` per second; NaN for fewer than two distinct times. */
export function slopePerSecond(points: readonly Point[]): number {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.atS, 0) / n;
  const my = points.reduce((s, p) => s + p.value, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.atS - mx) ** 2, 0);
  return sxx === 0 ? NaN : points.reduce((s, p) => s + (p.atS - mx) * (p.value - my), 0) / sxx;
}

/** The `_bucket` series of histogram `name` (no other labels) in a /metrics text. */
export function histogramBuckets(metrics: string, name: string): Buckets {
  const line = new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\d+)`, 'gm');
  return [...metrics.matchAll(line)].map((m) => ({ le: m[1]!, count: Number(m[2]) }));
}

/** The value of gauge `name` with the single label `label="value"`; undefined when absent. */
export function gaugeValue(metrics: string, name: string, label: string, value: string): number | undefined {
  const m = metrics.match(new RegExp(`^${name}\\{${label}="${value}"\\} (\\S+)`, 'm'));
  return m ? Number(m[1]) : undefined;
}

/**
 * The upper bound (seconds) of the bucket holding quantile `q` of the samples observed between
 * scrapes `before` and `after`: `Infinity` when it lies past the last finite bound, undefined when
 * nothing was observed in between.
 */
export function quantileBetween(before: Buckets, after: Buckets, q: number): number | undefined {
  const delta = after.map((b, i) => ({ le: b.le, count: b.count - (before[i]?.count ?? 0) }));
  const total = delta.at(-1)?.count ?? 0;
  if (total <= 0) return undefined;
  const hit = delta.find((b) => b.count >= q * total)!;
  return hit.le === '+Inf' ? Infinity : Number(hit.le);
}

/**
 * How much `points` grew from their first `spanS` seconds to their last: the difference of the two
 * spans' medians. RSS swings by tens of MB between two samples as collections come and go, so the
 * growth between the first and last single samples says as much about where each caught the GC as
 * about the trend; a minute's median does not. NaN when either span is empty.
 */
export function medianGrowth(points: readonly Point[], spanS: number): number {
  if (points.length === 0) return NaN;
  const first = points[0]!.atS;
  const last = points.at(-1)!.atS;
  const head = points.filter((p) => p.atS < first + spanS).map((p) => p.value);
  const tail = points.filter((p) => p.atS > last - spanS).map((p) => p.value);
  return median(tail) - median(head);
}

/** The middle value (the mean of the two middle ones for an even count); NaN for none. */
export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
