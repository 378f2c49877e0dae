/// <reference lib="dom" />
import { createBucketChart } from '../bucket-chart.ts';
import { byTestId, h, replace, setText } from '../dom.ts';
import { fmtCount } from '../format.ts';
import { fmtMoney, fmtMoneyShort, fmtMoneyTick } from '../money.ts';
import type { BusinessData } from './api.ts';
import { currencyTotals, perMinute, WINDOW_MINUTES, type CurrencyTotal, type MinuteWindow } from './data.ts';
import { stateView } from './state.ts';

/**
 * Revenue of paid orders per minute, one currency at a time: amounts in different currencies are
 * never added or drawn on one axis. A chip per currency shows its total; the chart follows the
 * chosen one, by default the currency with the most paid orders.
 */
export function createRevenuePanel(root: HTMLElement) {
  const chips = byTestId(root, 'revenue-currencies');
  const total = byTestId(root, 'revenue-total');
  const detail = byTestId(root, 'revenue-detail');
  const state = stateView(root, byTestId(root, 'revenue-state'));
  let chosen: string | undefined;
  let last: { data: BusinessData; w: MinuteWindow } | undefined;
  let currency = '';
  const chart = createBucketChart(byTestId(root, 'revenue-chart'), byTestId(root, 'revenue-legend'), {
    styleOf: () => ({ color: '#3fb950' }),
    format: (v) => fmtMoney(v, currency),
    axisFormat: (v) => fmtMoneyTick(v, currency),
    totalLabel: `${WINDOW_MINUTES} min`,
    fill: true,
  });

  const update = (data: BusinessData, w: MinuteWindow) => {
    last = { data, w };
    const sales = state.unwrap(data.sales);
    if (!sales) return;
    const totals = currencyTotals(sales.buckets);
    const shown = totals.find((t) => t.currency === chosen) ?? totals[0];
    currency = shown?.currency ?? '';
    replace(chips, ...totals.map((t) => chip(t, t === shown, () => choose(t.currency))));
    showHeadline(shown);
    chart.set(w.starts, shown ? [{ label: 'revenue', values: perMinute(w.starts, sales.buckets, (b) => b.revenueMinor, (b) => b.currency === currency) }] : []);
    if (!shown) state.show('empty', 'No data yet: no orders in the last 30 min');
    else if (shown.revenueMinor === 0) state.show('empty', `No ${shown.currency} orders paid in the last 30 min`);
    else state.show('ok');
  };

  const choose = (code: string) => {
    chosen = code;
    if (last) update(last.data, last.w);
  };

  const showHeadline = (t: CurrencyTotal | undefined) => {
    total.dataset.value = t ? String(t.revenueMinor) : '';
    total.dataset.currency = t?.currency ?? '';
    setText(total, t ? fmtMoney(t.revenueMinor, t.currency) : '–');
    setText(detail, t ? `${t.currency} · ${fmtCount(t.paid)} paid orders · ${fmtCount(t.items)} items` : '');
  };

  return { update };
}

function chip(t: CurrencyTotal, selected: boolean, onclick: () => void): HTMLElement {
  return h(
    'button',
    {
      type: 'button',
      class: 'currency-chip',
      'aria-pressed': String(selected),
      title: `${t.currency}: ${fmtMoney(t.revenueMinor, t.currency)} from ${t.paid} paid orders (${t.placed} placed)`,
      'data-testid': 'revenue-currency',
      'data-currency': t.currency,
      'data-value': t.revenueMinor,
      onclick,
    },
    h('b', {}, fmtMoneyShort(t.revenueMinor, t.currency)),
  );
}
