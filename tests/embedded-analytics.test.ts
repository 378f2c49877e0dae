import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { Instance } from '../instance/start-instance.ts';
import { startEmbeddedInstance } from './support/embedded-instance.ts';
import { eventually } from './support/instance-process.ts';

/**
 * Analytics on the embedded default (in-process log + PGlite, the runtime's own code): events
 * posted to the API show up in /v1/analytics/* once their checkpoint commits — placed and paid
 * orders with their revenue, the funnel, the SKU in top-skus. How long that took is printed (the
 * target, within a second of the checkpoint, is judged from it and from the bench, not asserted).
 */
describe('analytics on the embedded default', () => {
  let instance: Instance;
  beforeAll(async () => {
    instance = await startEmbeddedInstance('ana', { processor: { partitions: 2, checkpointIntervalMs: 200, workers: 1 } });
  }, 60_000);
  afterAll(async () => {
    await instance?.stop();
  });

  const post = async (events: unknown[]) => {
    const res = await fetch(`${instance.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events) });
    expect(res.status).toBe(202);
  };
  const get = async <T>(path: string): Promise<T> => (await (await fetch(`${instance.url}${path}`)).json()) as T;

  test('an order placed and paid through the API appears in sales, funnel and top-skus', async () => {
    const now = Date.now();
    await post([{ id: 'st-1', type: 'stock_received', v: 1, ts: now - 1_000, data: { sku: 'sku-ana', qty: 50 } }]);
    await post([
      { id: 'pv-1', type: 'page_viewed', v: 1, ts: now, data: { userId: 'u-ana', path: '/p/sku-ana' } },
      { id: 'ca-1', type: 'cart_item_added', v: 1, ts: now, data: { userId: 'u-ana', sku: 'sku-ana', qty: 3 } },
      { id: 'op-1', type: 'order_placed', v: 2, ts: now, data: { orderId: 'o-ana', userId: 'u-ana', items: [{ sku: 'sku-ana', qty: 3, unitPrice: 12.5 }], currency: 'EUR', country: 'PT' } },
      { id: 'pa-1', type: 'payment_authorized', v: 1, ts: now + 500, data: { orderId: 'o-ana', userId: 'u-ana', amount: 37.5, cardFingerprint: 'fp-ana', country: 'PT' } },
    ]);
    const posted = Date.now();
    type Sales = { buckets: { start: string; currency: string; ordersCancelled: number; ordersPlaced: number; ordersPaid: number; grossMinor: number; revenueMinor: number; items: number }[] };
    const sales = await eventually(async () => {
      const s = await get<Sales>('/v1/analytics/sales?by=hour&country=PT');
      return s.buckets.some((b) => b.ordersPaid === 1) ? s : undefined;
    }, 20_000, 'the paid order in /v1/analytics/sales');
    console.log(`order visible in /v1/analytics/sales ${Date.now() - posted} ms after the 202 (checkpoint interval 200 ms)`);
    expect(sales.buckets).toEqual([{ start: expect.any(String), currency: 'EUR', ordersPlaced: 1, ordersPaid: 1, ordersCancelled: 0, grossMinor: 3750, revenueMinor: 3750, items: 3 }]);

    // Views and carts come from the user shard, whose checkpoint is its own.
    const funnel = await eventually(async () => {
      const f = await get<{ totals: Record<string, number> }>('/v1/analytics/funnel?by=hour');
      return f.totals.pageViews === 1 ? f : undefined;
    }, 20_000, 'the page view in /v1/analytics/funnel');
    expect(funnel.totals).toMatchObject({ pageViews: 1, carts: 1, orders: 1, paid: 1, cartRate: 1, orderRate: 1, paidRate: 1 });
    const top = await get<{ items: unknown[] }>('/v1/analytics/top-skus?limit=5');
    expect(top.items).toEqual([{ sku: 'sku-ana', units: 3, revenue: [{ currency: 'EUR', minor: 3750 }] }]);
    const other = await get<Sales>('/v1/analytics/sales?by=hour&country=DE');
    expect(other.buckets).toEqual([]);
  }, 60_000);

  test('bad parameters are 400s that name them', async () => {
    for (const [q, msg] of [
      ['sales?by=week', 'by must be minute, hour or day'],
      ['sales?country=pt', 'country must be two capital letters'],
      ['sales?from=2026-01-02&to=2026-01-01', 'from must be before to'],
      ['sales?from=0&to=86400000000', 'at most 400 days'],
      ['funnel?from=0&to=1000000000&by=minute', 'at most 10080 per request'],
      ['top-skus?limit=0', 'limit must be an integer from 1 to 100'],
      ['alerts?to=%00', 'to must be epoch milliseconds or an ISO time'],
    ] as const) {
      const res = await fetch(`${instance.url}/v1/analytics/${q}`);
      expect([q, res.status]).toEqual([q, 400]);
      expect(((await res.json()) as { error: string }).error).toContain(msg);
    }
  });
});
