import { Type, type Static } from '@sinclair/typebox';
import { EntityKey, Label, PositiveQty } from './primitives.ts';

/** Data schemas of `inventory_events` (key: sku), newest version of each type. */

export const StockReceived = Type.Object({ sku: EntityKey, qty: PositiveQty });
export const StockAdjusted = Type.Object({
  sku: EntityKey,
  delta: Type.Integer({ minimum: -1_000_000, maximum: 1_000_000 }),
  reason: Label,
});
export const ReorderPointSet = Type.Object({ sku: EntityKey, reorderPoint: Type.Integer({ minimum: 0, maximum: 1_000_000 }) });

export type StockReceivedData = Static<typeof StockReceived>;
export type StockAdjustedData = Static<typeof StockAdjusted>;
export type ReorderPointSetData = Static<typeof ReorderPointSet>;
