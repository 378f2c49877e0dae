import type { AggregateTable } from '../projection.ts';

/**
 * The business aggregates of the built-in actors, per event-time minute (docs/analytics.md).
 * Declared once here because several actor types add to the same table.
 */

/** Orders and money per minute, country and currency. Money is in minor units (hundredths). */
export const SALES_MINUTE: AggregateTable = {
  table: 'sales_minute',
  dimensions: ['country', 'currency'],
  // placed: at order_placed; paid/revenue/items: when the order became paid; cancelled: when it
  // became cancelled, expired or rejected. gross = value of the orders placed.
  measures: ['orders_placed', 'orders_paid', 'orders_cancelled', 'gross_minor', 'revenue_minor', 'items'],
};

/** The conversion funnel per minute: page views and cart adds (users), orders placed and paid (orders). */
export const FUNNEL_MINUTE: AggregateTable = {
  table: 'funnel_minute',
  dimensions: [],
  measures: ['page_views', 'carts', 'orders', 'paid'],
};

/** Units and revenue of paid orders per SKU, currency and minute (top-N queries). */
export const SKU_SALES_MINUTE: AggregateTable = {
  table: 'sku_sales_minute',
  dimensions: ['sku', 'currency'],
  measures: ['units', 'revenue_minor'],
};

/** Alerts raised per minute (of the alert's event time) and type, by every actor type. */
export const ALERTS_MINUTE: AggregateTable = {
  table: 'alerts_minute',
  dimensions: ['alert_type'],
  measures: ['alerts'],
};

export const AGGREGATE_TABLES: readonly AggregateTable[] = [SALES_MINUTE, FUNNEL_MINUTE, SKU_SALES_MINUTE, ALERTS_MINUTE];
