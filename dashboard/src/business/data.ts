import type { SalesBucket, Window } from './api.ts';

/**
 * Pure shaping of the analytics answers for the business row's panels: minute slots, per-currency
 * totals. No DOM, so it is tested on its own (data.test.ts).
 */

/** Minutes shown by the business row. */
export const WINDOW_MINUTES = 30;
const MINUTE_MS = 60_000;

/** A window of whole minutes ending with the current, still filling, minute; `starts` are the slots. */
export interface MinuteWindow extends Window {
  starts: number[];
}

/**
 * @example
 * minuteWindow(Date.parse('2024-05-01T12:30:20Z'), 3) // from 12:28, to 12:31, starts 12:28 · 12:29 · 12:30
 */
export function minuteWindow(now: number, minutes = WINDOW_MINUTES): MinuteWindow {
  const current = Math.floor(now / MINUTE_MS) * MINUTE_MS;
  const from = current - (minutes - 1) * MINUTE_MS;
  const starts = Array.from({ length: minutes }, (_, i) => from + i * MINUTE_MS);
  return { from, to: current + MINUTE_MS, starts };
}

/**
 * Sums `value` of the rows that `keep` accepts into the window's slots. A minute without a row is
 * 0, not a gap: the aggregates write a row only when something happened.
 */
export function perMinute<T extends { start: string }>(starts: number[], rows: readonly T[], value: (r: T) => number, keep: (r: T) => boolean = () => true): number[] {
  const out = starts.map(() => 0);
  const first = starts[0] ?? 0;
  for (const r of rows) {
    if (!keep(r)) continue;
    const i = Math.round((Date.parse(r.start) - first) / MINUTE_MS);
    if (i >= 0 && i < out.length) out[i] = out[i]! + value(r);
  }
  return out;
}

export interface CurrencyTotal {
  currency: string;
  placed: number;
  paid: number;
  cancelled: number;
  revenueMinor: number;
  items: number;
}

/**
 * Totals per currency over the window, the currency with the most paid orders first (then by
 * code). Order counts compare across currencies; amounts do not, so they never decide the order.
 */
export function currencyTotals(buckets: readonly SalesBucket[]): CurrencyTotal[] {
  const by = new Map<string, CurrencyTotal>();
  for (const b of buckets) {
    const t = by.get(b.currency) ?? { currency: b.currency, placed: 0, paid: 0, cancelled: 0, revenueMinor: 0, items: 0 };
    t.placed += b.ordersPlaced;
    t.paid += b.ordersPaid;
    t.cancelled += b.ordersCancelled;
    t.revenueMinor += b.revenueMinor;
    t.items += b.items;
    by.set(b.currency, t);
  }
  return [...by.values()].sort((a, b) => b.paid - a.paid || b.placed - a.placed || a.currency.localeCompare(b.currency));
}

export function sum(values: readonly number[]): number {
  return values.reduce((n, v) => n + v, 0);
}
