import type { OrderState } from '../order.ts';
import { NO_INCREMENTS, type Aggregate, type Increment, type ReadModel } from '../projection.ts';
import { FUNNEL_MINUTE, SALES_MINUTE, SKU_SALES_MINUTE } from './tables.ts';

/** `orders`: one row per placed order (an order only heard of through a message has none). */
export const ordersReadModel: ReadModel<OrderState> = {
  table: 'orders',
  columns: [
    { name: 'order_id', type: 'text' },
    { name: 'user_id', type: 'text' },
    { name: 'status', type: 'text' },
    { name: 'item_count', type: 'int' },
    { name: 'total_minor', type: 'bigint' },
    { name: 'currency', type: 'text' },
    { name: 'country', type: 'text' },
    { name: 'placed_at', type: 'timestamptz' },
    { name: 'paid_at', type: 'timestamptz' },
    { name: 'shipped_at', type: 'timestamptz' },
    { name: 'delivered_at', type: 'timestamptz' },
    { name: 'cancelled_at', type: 'timestamptz' },
  ],
  row(key, s) {
    if (s.status === 'new') return undefined;
    return [key, s.userId, s.status, itemsOf(s), s.total, s.currency, s.country, s.placedAt, s.authorizedAt ?? null, s.shippedAt ?? null, s.deliveredAt ?? null, s.endedAt ?? null];
  },
};

/**
 * Placed when it left `new`; paid when its payment was accepted (`authorizedAt`, whatever the stock
 * grants were doing); cancelled when it entered cancelled, expired or rejected (`endedAt`).
 */
export const salesPerMinute: Aggregate<OrderState> = {
  table: SALES_MINUTE,
  add(_input, before, after) {
    if (before === after) return NO_INCREMENTS; // most inputs leave an order as it was
    const dims = [after.country, after.currency];
    const out: Increment[] = [];
    if (before.status === 'new' && after.status !== 'new') out.push({ at: after.placedAt, dims, values: [1, 0, 0, after.total, 0, 0] });
    if (after.authorizedAt !== undefined && before.authorizedAt === undefined) out.push({ at: after.authorizedAt, dims, values: [0, 1, 0, 0, after.total, itemsOf(after)] });
    if (after.endedAt !== undefined && before.endedAt === undefined) out.push({ at: after.endedAt, dims, values: [0, 0, 1, 0, 0, 0] });
    return out.length === 0 ? NO_INCREMENTS : out;
  },
};

/** The orders and paid steps of the funnel. */
export const orderFunnelPerMinute: Aggregate<OrderState> = {
  table: FUNNEL_MINUTE,
  add(_input, before, after) {
    if (before === after) return NO_INCREMENTS;
    const out: Increment[] = [];
    if (before.status === 'new' && after.status !== 'new') out.push({ at: after.placedAt, dims: [], values: [0, 0, 1, 0] });
    if (after.authorizedAt !== undefined && before.authorizedAt === undefined) out.push({ at: after.authorizedAt, dims: [], values: [0, 0, 0, 1] });
    return out.length === 0 ? NO_INCREMENTS : out;
  },
};

/** Each line of an order whose payment was accepted: units and revenue for its SKU. */
export const skuSalesPerMinute: Aggregate<OrderState> = {
  table: SKU_SALES_MINUTE,
  add(_input, before, after) {
    if (after.authorizedAt === undefined || before.authorizedAt !== undefined) return NO_INCREMENTS;
    const at = after.authorizedAt;
    return after.lines.map((l): Increment => ({ at, dims: [l.sku, after.currency], values: [l.qty, l.qty * l.price] }));
  },
};

function itemsOf(s: OrderState): number {
  return s.lines.reduce((n, l) => n + l.qty, 0);
}
