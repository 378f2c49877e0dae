/// <reference lib="dom" />
import type { DashboardSnapshot } from '../../snapshot.ts';
import { byTestId, emptyState, h, replace } from '../dom.ts';
import { fmtCount } from '../format.ts';

/** Low-stock and out-of-stock SKUs; clicking one opens its live state in the inspector. */
export function createInventoryPanel(root: HTMLElement, inspect: (sku: string) => void) {
  const low = byTestId(root, 'low-stock-list');
  const out = byTestId(root, 'out-of-stock-list');
  const lowCount = byTestId(root, 'low-stock-count');
  const outCount = byTestId(root, 'out-of-stock-count');
  // Until the pipeline has done anything, "nothing is low" would be a guess.
  let active = false;
  return {
    update(s: DashboardSnapshot) {
      const { lowStock, outOfStock } = s.inventory;
      active ||= lowStock.length > 0 || outOfStock.length > 0 || s.applied.some((a) => a.perSec > 0) || s.funnel.placed > 0;
      lowCount.textContent = String(lowStock.length);
      outCount.textContent = String(outOfStock.length);
      replace(
        low,
        ...(lowStock.length === 0
          ? [emptyState(active ? 'Every SKU is at or above its reorder point' : 'waiting for events…')]
          : [
              h('div', { class: 'inv-head low' }, h('span', {}, 'SKU'), h('span', {}), h('span', { class: 'num', title: 'available / reorder point' }, 'avail/ROP')),
              ...lowStock.map((r) => {
                const fill = r.reorderPoint > 0 ? Math.min(100, Math.max(2, (r.available / r.reorderPoint) * 100)) : 0;
                return skuRow(
                  r.sku,
                  inspect,
                  { class: 'sku-row low', 'data-testid': 'low-stock-row', 'data-available': r.available, 'data-reorder-point': r.reorderPoint },
                  h('div', { class: 'stock-track', title: `${r.available} available, reorder point ${r.reorderPoint}` }, h('div', { class: 'stock-bar', style: `width:${fill.toFixed(1)}%` })),
                  h('span', { class: 'num' }, h('b', {}, fmtCount(r.available)), h('span', { class: 'muted' }, ` / ${fmtCount(r.reorderPoint)}`)),
                );
              }),
            ]),
      );
      replace(
        out,
        ...(outOfStock.length === 0
          ? [emptyState(active ? 'Nothing is out of stock' : 'waiting for events…')]
          : [
              h('div', { class: 'inv-head out' }, h('span', {}, 'SKU'), h('span', { class: 'num' }, 'on hand'), h('span', { class: 'num' }, 'reserved')),
              ...outOfStock.map((r) =>
                skuRow(
                  r.sku,
                  inspect,
                  { class: 'sku-row out', 'data-testid': 'out-of-stock-row', 'data-on-hand': r.onHand, 'data-reserved': r.reserved },
                  h('span', { class: 'num' }, fmtCount(r.onHand)),
                  h('span', { class: 'num' }, fmtCount(r.reserved)),
                ),
              ),
            ]),
      );
    },
  };
}

function skuRow(sku: string, inspect: (sku: string) => void, attrs: Record<string, string | number>, ...cells: HTMLElement[]): HTMLElement {
  return h(
    'button',
    { type: 'button', title: `Show SKU ${sku}`, 'data-sku': sku, onclick: () => inspect(sku), ...attrs },
    h('span', { class: 'sku-key mono' }, sku),
    ...cells,
  );
}
