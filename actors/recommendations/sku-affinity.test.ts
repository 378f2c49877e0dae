import { describe, expect, test } from 'bun:test';
import { builtInActors, createTestDriver, type TestDriver } from '../../sdk/index.ts';
import { recommend, affinitySeeds, type UserLists } from './compose.ts';
import { PARTNER_CAP, PURCHASED_CAP, RECENT_VIEWS_CAP } from './protocol.ts';
import { partnersOf, skuAffinity, type SkuAffinityState } from './sku-affinity.ts';

/** Recommendations end to end in the pure driver: built-in actors + sku_affinity, events in, recommendations out. */
const T = 1_700_000_000_000;
let n = 0;
const ev = (type: string, ts: number, data: Record<string, unknown>) => ({ id: `e-${++n}`, type, v: 1, ts, data });
const stock = (sku: string, ts = T) => ev('stock_received', ts, { sku, qty: 1_000 });
const view = (userId: string, sku: string, ts: number) => ev('page_viewed', ts, { userId, path: `/products/${sku}` });

/** An order placed and paid by `userId`. */
function buy(userId: string, orderId: string, skus: string[], ts: number) {
  return [
    ev('order_placed', ts, { orderId, userId, items: skus.map((sku) => ({ sku, qty: 2, unitPrice: 5 })), currency: 'EUR', country: 'DE' }),
    ev('payment_authorized', ts + 1, { orderId, userId, amount: 10 * skus.length, cardFingerprint: 'fp', country: 'DE' }),
  ];
}

function driver(): TestDriver {
  const d = createTestDriver(builtInActors({ analytics: false }), { freezeStates: true });
  d.pipe(['X', 'Y', 'Z', 'W'].map((s) => stock(s)));
  return d;
}

/** What the route does, with the driver's states instead of HTTP lookups. */
function recommendationsOf(d: TestDriver, userId: string, trending: { sku: string; units: number }[] = [], limit = 10) {
  const user = d.state<UserLists>('user', userId);
  const affinity = new Map(affinitySeeds(user).flatMap((s) => {
    const a = d.state<SkuAffinityState>('sku_affinity', s);
    return a ? [[s, a] as const] : [];
  }));
  return recommend({ user, affinity, trending, limit });
}

describe('sku_affinity and recommendations', () => {
  test('is on by default: the built-in actors include it, and it reads no events of its own', () => {
    expect(builtInActors().map((a) => a.type)).toEqual(['sku', 'order', 'user', 'sku_affinity']);
    expect(builtInActors({ recommendations: false }).map((a) => a.type)).toEqual(['sku', 'order', 'user']);
    expect(skuAffinity.eventTypes).toEqual([]);
  });

  test('user B who bought X is recommended Y when others bought X with Y; X itself never', () => {
    const d = driver();
    d.pipe([...buy('a', 'o1', ['X', 'Y'], T + 10), ...buy('c', 'o2', ['X', 'Y', 'Z'], T + 20), ...buy('b', 'o3', ['X'], T + 30)]);
    expect(d.state<SkuAffinityState>('sku_affinity', 'X')).toEqual({ orders: 3, units: 6, partners: ['Y', 2, 'Z', 1] });
    expect(d.state<SkuAffinityState>('sku_affinity', 'Y')).toEqual({ orders: 2, units: 4, partners: ['X', 2, 'Z', 1] });
    expect(d.state<UserLists>('user', 'b')!.purchased).toEqual(['X', T + 31]); // the payment's event time
    const items = recommendationsOf(d, 'b', [{ sku: 'X', units: 6 }, { sku: 'W', units: 1 }]);
    expect(items).toEqual([
      { sku: 'Y', score: 2, reason: 'bought_with:X' },
      { sku: 'Z', score: 1, reason: 'bought_with:X' },
      { sku: 'W', score: 1, reason: 'trending' },
    ]);
    expect(items.map((i) => i.sku)).not.toContain('X');
  });

  test('a new user gets trending SKUs', () => {
    const d = driver();
    d.pipe(buy('a', 'o1', ['X', 'Y'], T + 10));
    expect(d.state('user', 'new')).toBeUndefined();
    expect(recommendationsOf(d, 'new', [{ sku: 'X', units: 2 }, { sku: 'Y', units: 2 }])).toEqual([
      { sku: 'X', score: 2, reason: 'trending' },
      { sku: 'Y', score: 2, reason: 'trending' },
    ]);
  });

  test('viewed products are recommended, and seed bought-with lookups too', () => {
    const d = driver();
    d.pipe([...buy('a', 'o1', ['X', 'Y'], T + 10), view('b', 'X', T + 20), view('b', 'W', T + 21), view('b', 'X', T + 22)]);
    expect(d.state<UserLists>('user', 'b')!.recentViews).toEqual(['X', T + 22, 'W', T + 21]);
    expect(recommendationsOf(d, 'b')).toEqual([
      { sku: 'Y', score: 1, reason: 'bought_with:X' },
      { sku: 'X', score: 1, reason: 'viewed' },
      { sku: 'W', score: 0.9, reason: 'viewed' },
    ]);
  });

  test('only paid orders count: a declined or expired order tells nobody', () => {
    const d = driver();
    d.pipe(ev('order_placed', T + 10, { orderId: 'o1', userId: 'a', items: [{ sku: 'X', qty: 1, unitPrice: 5 }, { sku: 'Y', qty: 1, unitPrice: 5 }], currency: 'EUR', country: 'DE' }));
    d.advanceTime(T + 10 + 16 * 60_000);
    expect(d.states('sku_affinity').size).toBe(0);
    expect(d.state<UserLists>('user', 'a')?.purchased).toBeUndefined();
  });

  test('caps hold: partners, viewed and bought lists stay bounded however much happens', () => {
    const d = createTestDriver(builtInActors({ analytics: false }), { recordHistory: false });
    const skus = Array.from({ length: 120 }, (_, i) => `s-${String(i).padStart(3, '0')}`);
    d.pipe(skus.map((s) => stock(s)));
    let ts = T + 100;
    for (let i = 0; i < 300; i++) {
      const basket = [skus[0]!, skus[1 + (i % 119)]!, skus[1 + ((i * 7) % 119)]!];
      d.pipe([...buy('heavy', `o-${i}`, [...new Set(basket)], (ts += 10)), view('heavy', skus[i % 120]!, (ts += 1))]);
    }
    const hub = d.state<SkuAffinityState>('sku_affinity', skus[0]!)!;
    expect(hub.orders).toBe(300);
    expect(partnersOf(hub).length).toBe(PARTNER_CAP);
    expect(hub.saturated).toBe(true);
    const counts = partnersOf(hub).map((p) => p.count);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    const user = d.state<UserLists>('user', 'heavy')!;
    expect(user.recentViews!.length).toBe(2 * RECENT_VIEWS_CAP);
    expect(user.purchased!.length).toBe(2 * PURCHASED_CAP);
    for (const a of d.states<SkuAffinityState>('sku_affinity').values()) expect(a.partners.length).toBeLessThanOrEqual(2 * PARTNER_CAP);
  });

  test('below the cap every count is exact and arrival order does not matter', () => {
    const msgs = [['Y', 'Z'], ['Y'], ['Z', 'W'], ['W'], ['Y']].map((others, i) => ({ type: 'bought_together', orderId: `o${i}`, qty: 1, others, cause: `c${i}`, ts: T + i }));
    const fold = (order: typeof msgs) => {
      const d = createTestDriver([skuAffinity]);
      for (const m of order) d.send({ type: 'order', key: m.orderId }, { type: 'sku_affinity', key: 'X' }, m as never);
      return d.state<SkuAffinityState>('sku_affinity', 'X');
    };
    const expected = { orders: 5, units: 5, partners: ['Y', 3, 'W', 2, 'Z', 2] };
    expect(fold(msgs)).toEqual(expected);
    expect(fold([...msgs].reverse())).toEqual(expected);
  });

  test('recommendations off: page views leave the user untouched and orders send nothing for them', () => {
    const d = createTestDriver(builtInActors({ analytics: false, recommendations: false }));
    d.pipe([stock('X'), stock('Y'), ...buy('a', 'o1', ['X', 'Y'], T + 10), view('b', 'X', T + 20)]);
    expect(d.undeliverable()).toEqual([]);
    expect(d.state('user', 'b')).toEqual({}); // the shared empty state, as before recommendations
    expect(d.state<UserLists>('user', 'a')!.purchased).toBeUndefined();
  });
});
