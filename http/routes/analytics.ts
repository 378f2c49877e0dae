import { Hono, type Context } from 'hono';
import { alertsByBucket, funnelByBucket, salesByBucket, topSkus, type FunnelBucket, type Sql } from '../../store/index.ts';
import { parseBucketed, parseCountry, parseLimit, parseRange, type AnalyticsQuery } from '../analytics-params.ts';

export interface AnalyticsRoutesOptions {
  sql: Sql;
  now?: () => number;
}

/**
 * `GET /v1/analytics/sales|funnel|alerts` (per minute, hour or day) and `/top-skus`: the business
 * aggregates the checkpoints write (docs/analytics.md), read from Postgres. Every parameter is
 * checked first (http/analytics-params.ts); a bad one is a 400 naming it.
 */
export function analyticsRoutes(opts: AnalyticsRoutesOptions): Hono {
  const { sql } = opts;
  const now = opts.now ?? Date.now;
  const app = new Hono();
  const query = (c: Context): AnalyticsQuery => c.req.query();
  const range = (r: { from: number; to: number }) => ({ from: new Date(r.from).toISOString(), to: new Date(r.to).toISOString() });

  app.get('/v1/analytics/sales', async (c) => {
    const q = parseBucketed(query(c), now());
    if (!q.ok) return c.json({ error: q.error }, 400);
    const country = parseCountry(c.req.query('country'));
    if (!country.ok) return c.json({ error: country.error }, 400);
    const buckets = await salesByBucket(sql, q.value, q.value.by, country.value);
    return c.json({ ...range(q.value), by: q.value.by, country: country.value ?? null, buckets });
  });

  app.get('/v1/analytics/funnel', async (c) => {
    const q = parseBucketed(query(c), now());
    if (!q.ok) return c.json({ error: q.error }, 400);
    const buckets = await funnelByBucket(sql, q.value, q.value.by);
    return c.json({ ...range(q.value), by: q.value.by, buckets, totals: funnelTotals(buckets) });
  });

  app.get('/v1/analytics/alerts', async (c) => {
    const q = parseBucketed(query(c), now());
    if (!q.ok) return c.json({ error: q.error }, 400);
    return c.json({ ...range(q.value), by: q.value.by, buckets: await alertsByBucket(sql, q.value, q.value.by) });
  });

  app.get('/v1/analytics/top-skus', async (c) => {
    const r = parseRange(query(c), now());
    if (!r.ok) return c.json({ error: r.error }, 400);
    const limit = parseLimit(c.req.query('limit'));
    if (!limit.ok) return c.json({ error: limit.error }, 400);
    return c.json({ ...range(r.value), limit: limit.value, items: await topSkus(sql, r.value, limit.value) });
  });
  return app;
}

/** The funnel over the whole range, with each step's conversion from the one before (null when the step before is 0). */
export interface FunnelTotals {
  pageViews: number;
  carts: number;
  orders: number;
  paid: number;
  cartRate: number | null;
  orderRate: number | null;
  paidRate: number | null;
}

function funnelTotals(buckets: readonly FunnelBucket[]): FunnelTotals {
  const t = { pageViews: 0, carts: 0, orders: 0, paid: 0 };
  for (const b of buckets) {
    t.pageViews += b.pageViews;
    t.carts += b.carts;
    t.orders += b.orders;
    t.paid += b.paid;
  }
  const ratio = (a: number, b: number) => (b === 0 ? null : a / b);
  return { ...t, cartRate: ratio(t.carts, t.pageViews), orderRate: ratio(t.orders, t.carts), paidRate: ratio(t.paid, t.orders) };
}
