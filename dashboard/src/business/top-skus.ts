/// <reference lib="dom" />
import { byTestId, h, replace } from '../dom.ts';
import { fmtCount } from '../format.ts';
import { fmtMoney } from '../money.ts';
import type { BusinessData, TopSku } from './api.ts';
import { stateView } from './state.ts';

/**
 * The best sellers of the window by units in paid orders, with their revenue per currency (a SKU
 * sold in three currencies shows three amounts). Clicking one opens its live state.
 */
export function createTopSkusPanel(root: HTMLElement, inspect: (sku: string) => void) {
  const body = byTestId(root, 'top-skus-body');
  const state = stateView(root, byTestId(root, 'top-skus-state'));
  return {
    update(data: BusinessData) {
      const top = state.unwrap(data.topSkus);
      if (!top) return;
      const most = Math.max(1, ...top.items.map((i) => i.units));
      replace(body, ...(top.items.length ? [head(), ...top.items.map((item, i) => row(item, i + 1, most, inspect))] : []));
      if (top.items.length === 0) state.show('empty', 'No data yet: nothing sold in the last 30 min');
      else state.show('ok');
    },
  };
}

function head(): HTMLElement {
  return h('div', { class: 'top-sku-head' }, h('span', {}, '#'), h('span', {}, 'SKU'), h('span', {}), h('span', { class: 'num' }, 'units'), h('span', { class: 'num' }, 'revenue'));
}

function row(item: TopSku, rank: number, most: number, inspect: (sku: string) => void): HTMLElement {
  const revenue = item.revenue.map((r) => fmtMoney(r.minor, r.currency)).join(' · ');
  return h(
    'button',
    { type: 'button', class: 'top-sku-row', title: `Show SKU ${item.sku}`, 'data-testid': 'top-sku-row', 'data-sku': item.sku, 'data-units': item.units, onclick: () => inspect(item.sku) },
    h('span', { class: 'muted num' }, rank),
    h('span', { class: 'sku-key mono' }, item.sku),
    h('div', { class: 'units-track' }, h('div', { class: 'units-bar', style: `width:${Math.max(2, (item.units / most) * 100).toFixed(1)}%` })),
    h('b', { class: 'num' }, fmtCount(item.units)),
    h('span', { class: 'num revenue', title: revenue, 'data-testid': 'top-sku-revenue' }, revenue),
  );
}
