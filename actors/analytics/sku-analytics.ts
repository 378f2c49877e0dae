import { availableOf, type SkuState } from '../sku.ts';
import type { ReadModel } from '../projection.ts';

/** `sku_stock`: a SKU's stock as the contract states it, `available` included. */
export const skuStockReadModel: ReadModel<SkuState> = {
  table: 'sku_stock',
  columns: [
    { name: 'sku', type: 'text' },
    { name: 'on_hand', type: 'bigint' },
    { name: 'reserved', type: 'bigint' },
    { name: 'available', type: 'bigint' },
    { name: 'reorder_point', type: 'bigint' },
    { name: 'low_stock', type: 'boolean' },
  ],
  row: (key, s) => [key, s.onHand, s.reserved, availableOf(s), s.reorderPoint, s.lowStock],
};
