/// <reference lib="dom" />
import { createBucketChart } from '../bucket-chart.ts';
import { byTestId } from '../dom.ts';
import { fmtCount, fmtCountTick } from '../format.ts';
import type { BusinessData, SalesBucket } from './api.ts';
import { perMinute, sum, WINDOW_MINUTES, type MinuteWindow } from './data.ts';
import { stateView } from './state.ts';

const SERIES: { label: string; color: string; value: (b: SalesBucket) => number }[] = [
  { label: 'placed', color: '#4aa3ff', value: (b) => b.ordersPlaced },
  { label: 'paid', color: '#3fb950', value: (b) => b.ordersPaid },
  { label: 'cancelled', color: '#8b949e', value: (b) => b.ordersCancelled },
];

/** Orders placed, paid and cancelled per minute. Counts, unlike money, add up across currencies. */
export function createOrdersPanel(root: HTMLElement) {
  const state = stateView(root, byTestId(root, 'orders-state'));
  const chart = createBucketChart(byTestId(root, 'orders-chart'), byTestId(root, 'orders-legend'), {
    styleOf: (label) => ({ color: SERIES.find((s) => s.label === label)?.color ?? '#8b97a6' }),
    format: fmtCount,
    axisFormat: fmtCountTick,
    totalLabel: `${WINDOW_MINUTES} min`,
    minMax: 5,
  });
  return {
    update(data: BusinessData, w: MinuteWindow) {
      const sales = state.unwrap(data.sales);
      if (!sales) return;
      const series = SERIES.map((s) => ({ label: s.label, values: perMinute(w.starts, sales.buckets, s.value) }));
      chart.set(w.starts, series);
      if (series.every((s) => sum(s.values) === 0)) state.show('empty', 'No data yet: no orders in the last 30 min');
      else state.show('ok');
    },
  };
}
