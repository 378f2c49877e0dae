import type { Sql } from './pool.ts';

/**
 * Reads of the per-minute aggregates (migration 4) for the analytics API and the dashboard. They
 * query the per-shard `*_part` tables directly, summing shards and minutes into the requested
 * buckets in one pass (the views do the same for analysts).
 */

export type Bucket = 'minute' | 'hour' | 'day';

export interface TimeRange {
  /** Inclusive start, epoch ms. */
  from: number;
  /** Exclusive end, epoch ms. */
  to: number;
}

export interface SalesBucket {
  start: string;
  currency: string;
  ordersPlaced: number;
  ordersPaid: number;
  ordersCancelled: number;
  grossMinor: number;
  revenueMinor: number;
  items: number;
}

/** Orders and money per bucket and currency (money never summed across currencies), optionally for one country. */
export async function salesByBucket(sql: Sql, range: TimeRange, by: Bucket, country?: string): Promise<SalesBucket[]> {
  const rows = await sql`
    select date_trunc(${by}, minute, 'UTC') as start, currency,
      sum(orders_placed)::float8 as placed, sum(orders_paid)::float8 as paid, sum(orders_cancelled)::float8 as cancelled,
      sum(gross_minor)::float8 as gross, sum(revenue_minor)::float8 as revenue, sum(items)::float8 as items
    from sales_minute_part
    where minute >= ${new Date(range.from)} and minute < ${new Date(range.to)}
      ${country === undefined ? sql`` : sql`and country = ${country}`}
    group by 1, 2 order by 1, 2`;
  return rows.map((r) => ({
    start: (r.start as Date).toISOString(),
    currency: r.currency as string,
    ordersPlaced: r.placed as number,
    ordersPaid: r.paid as number,
    ordersCancelled: r.cancelled as number,
    grossMinor: r.gross as number,
    revenueMinor: r.revenue as number,
    items: r.items as number,
  }));
}

export interface FunnelBucket {
  start: string;
  pageViews: number;
  carts: number;
  orders: number;
  paid: number;
}

/** The conversion funnel per bucket. */
export async function funnelByBucket(sql: Sql, range: TimeRange, by: Bucket): Promise<FunnelBucket[]> {
  const rows = await sql`
    select date_trunc(${by}, minute, 'UTC') as start, sum(page_views)::float8 as views, sum(carts)::float8 as carts,
      sum(orders)::float8 as orders, sum(paid)::float8 as paid
    from funnel_minute_part where minute >= ${new Date(range.from)} and minute < ${new Date(range.to)}
    group by 1 order by 1`;
  return rows.map((r) => ({ start: (r.start as Date).toISOString(), pageViews: r.views as number, carts: r.carts as number, orders: r.orders as number, paid: r.paid as number }));
}

export interface TopSku {
  sku: string;
  units: number;
  /** Revenue per currency the SKU sold in, minor units. */
  revenue: { currency: string; minor: number }[];
}

/** The SKUs with the most units in paid orders over the range, most first (ties by SKU). */
export async function topSkus(sql: Sql, range: TimeRange, limit: number): Promise<TopSku[]> {
  const rows = await sql`
    with per_currency as (
      select sku, currency, sum(units)::float8 as units, sum(revenue_minor)::float8 as revenue
      from sku_sales_minute_part where minute >= ${new Date(range.from)} and minute < ${new Date(range.to)}
      group by sku, currency)
    select sku, sum(units)::float8 as units, json_agg(json_build_object('currency', currency, 'minor', revenue) order by currency) as revenue
    from per_currency group by sku order by units desc, sku limit ${limit}`;
  return rows.map((r) => ({ sku: r.sku as string, units: r.units as number, revenue: r.revenue as TopSku['revenue'] }));
}

export interface AlertsBucket {
  start: string;
  alertType: string;
  alerts: number;
}

/** Alerts raised per bucket and type (event time of the alert). */
export async function alertsByBucket(sql: Sql, range: TimeRange, by: Bucket): Promise<AlertsBucket[]> {
  const rows = await sql`
    select date_trunc(${by}, minute, 'UTC') as start, alert_type, sum(alerts)::float8 as alerts
    from alerts_minute_part where minute >= ${new Date(range.from)} and minute < ${new Date(range.to)}
    group by 1, 2 order by 1, 2`;
  return rows.map((r) => ({ start: (r.start as Date).toISOString(), alertType: r.alert_type as string, alerts: r.alerts as number }));
}

/** The aggregate tables' partial rows, for retention and replay resets. */
export const AGGREGATE_PART_TABLES = ['sales_minute_part', 'funnel_minute_part', 'sku_sales_minute_part', 'alerts_minute_part'] as const;

/**
 * Deletes aggregate minutes before `before` (epoch ms), at most `batch` rows per table per
 * statement, so it never holds many locks at once or competes long with checkpoints (which only
 * touch recent minutes anyway). Returns how many rows went.
 */
export async function deleteAggregatesBefore(sql: Sql, before: number, batch = 5_000): Promise<number> {
  let deleted = 0;
  for (const table of AGGREGATE_PART_TABLES) {
    for (;;) {
      const r = await sql`delete from ${sql(table)} where ctid in (select ctid from ${sql(table)} where minute < ${new Date(before)} limit ${batch})`;
      deleted += r.count;
      if (r.count < batch) break;
    }
  }
  return deleted;
}
