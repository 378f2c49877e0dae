import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { Instance } from '../instance/start-instance.ts';
import { startEmbeddedInstance } from './support/embedded-instance.ts';
import { eventually } from './support/instance-process.ts';

/**
 * Recommendations end to end on the embedded default (in-process log + PGlite, default 200 ms
 * checkpoints): orders, payments and page views posted to /v1/events reach
 * GET /v1/users/:id/recommendations — bought-with from other users' paid orders, what the user
 * viewed, trending for a user nobody has seen, never what the user bought. How long the first
 * answer took after the 202 is printed; it must come within two seconds.
 */
describe('recommendations on the embedded default', () => {
  let instance: Instance;
  beforeAll(async () => {
    instance = await startEmbeddedInstance('rec', { processor: { partitions: 2, checkpointIntervalMs: 200, workers: 1 } });
  }, 60_000);
  afterAll(async () => {
    await instance?.stop();
  });

  type Answer = { userId: string; stale: boolean; items: { sku: string; score: number; reason: string }[] };
  const post = async (events: unknown[]) => {
    const res = await fetch(`${instance.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events) });
    expect(res.status).toBe(202);
  };
  const recommendations = async (userId: string, limit = 10) => {
    const res = await fetch(`${instance.url}/v1/users/${userId}/recommendations?limit=${limit}`);
    expect(res.status).toBe(200);
    return (await res.json()) as Answer;
  };
  let n = 0;
  const buy = (userId: string, orderId: string, skus: string[], ts: number) => [
    { id: `rec-${++n}`, type: 'order_placed', v: 2, ts, data: { orderId, userId, items: skus.map((sku) => ({ sku, qty: 1, unitPrice: 10 })), currency: 'EUR', country: 'DE' } },
    { id: `rec-${++n}`, type: 'payment_authorized', v: 1, ts: ts + 1, data: { orderId, userId, amount: 10 * skus.length, cardFingerprint: 'fp-rec', country: 'DE' } },
  ];

  test('bought-with, viewed and trending, within two seconds of the events, never what the user bought', async () => {
    const now = Date.now() - 5_000;
    await post(['rx', 'ry', 'rz', 'rv'].map((sku) => ({ id: `st-${sku}`, type: 'stock_received', v: 1, ts: now, data: { sku, qty: 100 } })));
    // Others bought X with Y (twice) and with Z (once); B bought X; B viewed V.
    await post([...buy('ra', 'o-ra', ['rx', 'ry'], now + 10), ...buy('rc', 'o-rc', ['rx', 'ry', 'rz'], now + 20)]);
    const posted = Date.now();
    await post([...buy('rb', 'o-rb', ['rx'], now + 30), { id: 'pv-rb', type: 'page_viewed', v: 1, ts: now + 40, data: { userId: 'rb', path: '/products/rv' } }]);
    const expected = [
      { sku: 'ry', score: 2, reason: 'bought_with:rx' },
      { sku: 'rz', score: 1, reason: 'bought_with:rx' },
      { sku: 'rv', score: 1, reason: 'viewed' },
    ];
    const answer = await eventually(async () => {
      const a = await recommendations('rb');
      return JSON.stringify(a.items.slice(0, 3)) === JSON.stringify(expected) ? a : undefined;
    }, 10_000, "rb's recommendations");
    const tookMs = Date.now() - posted;
    console.log(`recommendations reflected the events ${tookMs} ms after the 202 (checkpoint interval 200 ms)`);
    expect(tookMs).toBeLessThan(2_000);
    expect(answer.items.map((i) => i.sku)).not.toContain('rx');
    expect(answer.stale).toBe(false);

    // Trending comes from the analytics aggregates, once the paid orders' checkpoint wrote them.
    const fresh = await eventually(async () => {
      const a = await recommendations('r-nobody', 3);
      return a.items.length === 3 ? a : undefined;
    }, 10_000, 'trending for a new user');
    expect(fresh.items).toEqual([
      { sku: 'rx', score: 3, reason: 'trending' },
      { sku: 'ry', score: 2, reason: 'trending' },
      { sku: 'rz', score: 1, reason: 'trending' },
    ]);
    const sku = (await (await fetch(`${instance.url}/v1/entities/sku_affinity/rx`)).json()) as { state: unknown };
    expect(sku.state).toEqual({ orders: 3, units: 3, partners: ['ry', 2, 'rz', 1] });
  }, 30_000);

  test('limit outside 1..50 is a 400', async () => {
    expect((await fetch(`${instance.url}/v1/users/rb/recommendations?limit=0`)).status).toBe(400);
    expect((await fetch(`${instance.url}/v1/users/rb/recommendations?limit=51`)).status).toBe(400);
  });
});
