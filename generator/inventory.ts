import { STOCK_ADJUST_REASONS } from './catalog.ts';
import { MINUTE, draft, type Process, type Sim } from './sim.ts';
import { available, type Sku } from './world.ts';

/**
 * Warehouse behaviour and the generator's mirror of the SKU actor's stock. The mirror follows the
 * SKU rules of docs/domain-rules.md (reserve on order_placed, release on cancel/expiry, commit on
 * shipment), so background orders only ask for units the SKU actor will grant: a refused
 * reservation would make the order `rejected` and its payment an invalid transition.
 */

/** The opening stock count: every SKU is received, then given its reorder point. Received first,
 * so that setting the reorder point on an empty SKU does not raise a pointless low_stock alert. */
export function* initialStockLoad(sim: Sim): Process {
  for (const sku of sim.world.skus) {
    const qty = sim.world.restockQty(sku) + sku.reorderPoint;
    sku.onHand += qty;
    yield draft('stock_received', { sku: sku.id, qty });
    yield draft('reorder_point_set', { sku: sku.id, reorderPoint: sku.reorderPoint });
  }
}

/** A purchase order to the supplier: arrives after a lead time of 10–40 minutes. */
export function* restock(sim: Sim, sku: Sku): Process {
  yield sim.rng.int(10 * MINUTE, 40 * MINUTE);
  const qty = sim.world.restockQty(sku);
  sku.onHand += qty;
  sku.restockPending = false;
  yield draft('stock_received', { sku: sku.id, qty });
}

/** Occasional warehouse housekeeping: a stock count correction or a new reorder point. */
export function* inventoryChore(sim: Sim): Process {
  const { rng } = sim;
  const sku = rng.pick(sim.world.skus);
  if (rng.chance(0.7)) {
    // Shrinkage is more common than found stock; never count below what orders hold.
    let delta = rng.chance(0.7) ? -rng.int(1, 3) : rng.int(1, 5);
    if (available(sku) + delta < 0) delta = -delta;
    sku.onHand += delta;
    yield draft('stock_adjusted', { sku: sku.id, delta, reason: rng.pick(STOCK_ADJUST_REASONS) });
  } else {
    sku.reorderPoint = Math.max(1, Math.round(sku.reorderPoint * rng.between(0.8, 1.25)));
    yield draft('reorder_point_set', { sku: sku.id, reorderPoint: sku.reorderPoint });
  }
  requestRestockIfLow(sim, sku);
}

/** One order line as far as stock is concerned. */
export interface StockLine {
  sku: Sku;
  qty: number;
}

/** Mirror of the reservations an order_placed causes; may order a restock. */
export function reserveLines(sim: Sim, lines: readonly StockLine[]): void {
  for (const line of lines) {
    line.sku.reserved += line.qty;
    requestRestockIfLow(sim, line.sku);
  }
}

/** Mirror of a cancellation or payment timeout: the reserved units become available again. */
export function releaseLines(lines: readonly StockLine[]): void {
  for (const line of lines) line.sku.reserved -= line.qty;
}

/** Mirror of a shipment: reserved units leave the warehouse. */
export function commitLines(lines: readonly StockLine[]): void {
  for (const line of lines) {
    line.sku.reserved -= line.qty;
    line.sku.onHand -= line.qty;
  }
}

function requestRestockIfLow(sim: Sim, sku: Sku): void {
  if (sku.restockPending || available(sku) >= sku.reorderPoint) return;
  sku.restockPending = true;
  sim.spawn(restock(sim, sku));
}
