/// <reference lib="dom" />
import { createBucketChart } from '../bucket-chart.ts';
import { byTestId, h, replace } from '../dom.ts';
import { fmtCount, fmtCountTick, fmtRate } from '../format.ts';
import type { BusinessData, FunnelBucket, FunnelTotals } from './api.ts';
import { perMinute, WINDOW_MINUTES, type MinuteWindow } from './data.ts';
import { stateView } from './state.ts';

const STEPS: { label: string; color: string; value: (b: FunnelBucket) => number }[] = [
  { label: 'page views', color: '#4aa3ff', value: (b) => b.pageViews },
  { label: 'carts', color: '#c084fc', value: (b) => b.carts },
  { label: 'orders', color: '#fbbf24', value: (b) => b.orders },
  { label: 'paid', color: '#3fb950', value: (b) => b.paid },
];

const RATES: { key: 'cartRate' | 'orderRate' | 'paidRate'; label: string; title: string }[] = [
  { key: 'cartRate', label: 'view → cart', title: 'cart adds per page view' },
  { key: 'orderRate', label: 'cart → order', title: 'orders placed per cart add' },
  { key: 'paidRate', label: 'order → paid', title: 'orders paid per order placed' },
];

/**
 * The conversion funnel per minute on a log axis (page views outnumber payments by orders of
 * magnitude; on a linear one the lower steps would lie flat on zero), with the window's step rates.
 */
export function createConversionPanel(root: HTMLElement) {
  const rates = byTestId(root, 'conversion-rates');
  const state = stateView(root, byTestId(root, 'conversion-state'));
  const chart = createBucketChart(byTestId(root, 'conversion-chart'), byTestId(root, 'conversion-legend'), {
    styleOf: (label) => ({ color: STEPS.find((s) => s.label === label)?.color ?? '#8b97a6' }),
    format: fmtCount,
    axisFormat: fmtCountTick,
    totalLabel: `${WINDOW_MINUTES} min`,
    log: true,
  });
  return {
    update(data: BusinessData, w: MinuteWindow) {
      const funnel = state.unwrap(data.funnel);
      if (!funnel) return;
      chart.set(w.starts, STEPS.map((s) => ({ label: s.label, values: perMinute(w.starts, funnel.buckets, s.value) })));
      replace(rates, ...RATES.map((r) => rate(r, funnel.totals)));
      if (funnel.totals.pageViews + funnel.totals.carts + funnel.totals.orders === 0) state.show('empty', 'No data yet: no page views in the last 30 min');
      else state.show('ok');
    },
  };
}

function rate(r: (typeof RATES)[number], totals: FunnelTotals): HTMLElement {
  const value = totals[r.key];
  return h(
    'span',
    { class: 'rate', title: r.title, 'data-testid': 'conversion-rate', 'data-rate': r.key, 'data-value': value === null ? '' : value },
    r.label,
    ' ',
    h('b', {}, fmtRate(value)),
  );
}
