import type { OrderState } from '../actors/order.ts';
import type { SkuState } from '../actors/sku.ts';
import type { Sql } from './pool.ts';

/**
 * Cluster-wide facts for the live dashboard, read from the committed actor states. These are the
 * only statements that look inside `actor_states.state`, so the JSON fields they read are named
 * once, below, and checked against the actors' state types: renaming a field of `SkuState` or
 * `OrderState` fails the type check here instead of silently emptying a dashboard panel.
 */

/** A SKU with some stock left, but less than its reorder point. */
export interface LowStockSku {
  sku: string;
  available: number;
  reorderPoint: number;
}

/** A SKU with nothing available: everything on hand is reserved, or nothing is on hand. */
export interface OutOfStockSku {
  sku: string;
  onHand: number;
  reserved: number;
}

export interface SkuStockFacts {
  /** Most urgent first (least available, then by key), at most `limit`. */
  lowStock: LowStockSku[];
  /** By key, at most `limit`. */
  outOfStock: OutOfStockSku[];
}

/**
 * SKUs below their reorder point but not out of stock, and SKUs out of stock
 * (`available = onHand − reserved`, as in actors/sku.ts), each list capped at `limit`.
 */
export async function skuStockFacts(sql: Sql, limit: number): Promise<SkuStockFacts> {
  const { onHand, reserved, reorderPoint } = skuFields(sql);
  const [low, out] = await Promise.all([
    sql`select key, ${onHand} - ${reserved} as available, ${reorderPoint} as reorder_point
        from actor_states where actor_type = 'sku'
          and ${onHand} - ${reserved} > 0
          and ${onHand} - ${reserved} < ${reorderPoint}
        order by available, key limit ${limit}`,
    sql`select key, ${onHand} as on_hand, ${reserved} as reserved
        from actor_states where actor_type = 'sku' and ${onHand} - ${reserved} <= 0
        order by key limit ${limit}`,
  ]);
  return {
    lowStock: low.map((r) => ({ sku: r.key as string, available: Number(r.available), reorderPoint: Number(r.reorder_point) })),
    outOfStock: out.map((r) => ({ sku: r.key as string, onHand: Number(r.on_hand), reserved: Number(r.reserved) })),
  };
}

/** How many orders stand at each status now (statuses with no order are absent). */
export async function orderStatusCounts(sql: Sql): Promise<Map<string, number>> {
  const rows = await sql`select ${orderStatus(sql)} as status, count(*)::int as n from actor_states where actor_type = 'order' group by 1`;
  return new Map(rows.map((r) => [r.status as string, Number(r.n)]));
}

/** Entities of every type currently quarantined (their handler threw). */
export async function quarantinedCount(sql: Sql): Promise<number> {
  const [row] = await sql`select count(*)::int as n from actor_states where quarantine is not null`;
  return Number(row?.n ?? 0);
}

// The JSON paths into actor_states.state, all of them. A row of actor type 'sku' holds a
// `SkuState` (actors/sku.ts), one of type 'order' an `OrderState` (actors/order.ts); the field
// names are bound as parameters and type-checked against those types.

/** The integer fields of a SKU's state, as SQL expressions. */
function skuFields(sql: Sql) {
  const int = (field: NumberField<SkuState>) => sql`(state->>${field})::int`;
  return { onHand: int('onHand'), reserved: int('reserved'), reorderPoint: int('reorderPoint') };
}

/** An order's status, as a SQL text expression. */
function orderStatus(sql: Sql) {
  return sql`state->>${'status' satisfies keyof OrderState}`;
}

/** The keys of `T` whose values are numbers (a boolean or text field cast to int would fail in SQL). */
type NumberField<T> = { [K in keyof T]-?: T[K] extends number ? K : never }[keyof T];
